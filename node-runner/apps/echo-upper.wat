;; echo-upper: reads stdin, writes it to stdout with ASCII a-z uppercased.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2 16)
  ;; iovec at 0: {buf=1024, len=60000}; nread at 16; out iovec at 32
  (func (export "_start")
    (local $n i32) (local $i i32) (local $c i32)
    (loop $read
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 60000))
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (local.set $n (i32.load (i32.const 16)))
      (if (i32.gt_u (local.get $n) (i32.const 0))
        (then
          (local.set $i (i32.const 0))
          (block $done
            (loop $up
              (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
              (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
              (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
                (then (i32.store8 (i32.add (i32.const 1024) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $up)))
          (i32.store (i32.const 32) (i32.const 1024))
          (i32.store (i32.const 36) (local.get $n))
          (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48)))
          (br $read))))))
