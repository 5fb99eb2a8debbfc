;; float-nan: writes the 8 bytes of i64.reinterpret(f64 0/0) computed at run time (NaN bit pattern),
;; then sqrt(2) bits. With NaN canonicalization both are the same on every node.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func $div (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
  (func (export "_start")
    (i64.store (i32.const 100) (i64.reinterpret_f64 (call $div (f64.const 0) (f64.const 0))))
    (i64.store (i32.const 108) (i64.reinterpret_f64 (f64.sqrt (f64.const 2))))
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
