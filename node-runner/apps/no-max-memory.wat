;; no-max-memory: declares no memory maximum; must be rejected.
(module
  (memory (export "memory") 1)
  (func (export "_start")))
