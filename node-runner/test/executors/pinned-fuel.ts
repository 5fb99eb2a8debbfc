/**
 * The fuel figures of the atoma-meter-2 instrumentation, pinned: one input per app and the
 * status and fuel its run must give. wasm.test.ts pins them; warmup.test.ts checks that a warm
 * instrumenter gives the same.
 */
export const PINNED_FUEL = [
  { app: "echo-upper", input: "hello, World!", status: "ok", fuel: 2647n },
  { app: "word-count", input: "the quick  brown\nfox ", status: "ok", fuel: 6926n },
  { app: "recurse", input: "", status: "trap", fuel: 67497n },
  { app: "float-nan", input: "", status: "ok", fuel: 285n },
] as const;
