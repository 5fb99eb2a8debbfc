;; infinite-loop: never terminates; used to test deterministic out-of-fuel.
(module
  (memory (export "memory") 1 1)
  (global $count (mut i64) (i64.const 0))
  (func (export "_start")
    (loop $l
      (global.set $count (i64.add (global.get $count) (i64.const 1)))
      (br $l))))
