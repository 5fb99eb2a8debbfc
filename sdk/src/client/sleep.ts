/**
 * Waits `ms`, ending early when `signal` aborts: `"reject"` (the default) rejects with the
 * signal's reason, `"resolve"` resolves (for loops that check `signal.aborted` themselves). The
 * abort listener is removed when the wait ends, so a long-lived signal does not collect one per call.
 */
export function sleep(ms: number, signal?: AbortSignal, onAbort: "reject" | "resolve" = "reject"): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const end = () => (onAbort === "reject" ? reject(signal?.reason) : resolve());
    if (signal?.aborted) return end();
    const abort = () => {
      clearTimeout(t);
      end();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", abort, { once: true });
  });
}
