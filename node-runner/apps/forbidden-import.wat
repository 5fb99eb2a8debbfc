;; forbidden-import: imports a non-WASI host function; must be rejected.
(module
  (import "env" "now" (func $now (result i64)))
  (memory (export "memory") 1 1)
  (func (export "_start") (drop (call $now))))
