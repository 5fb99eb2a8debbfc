/**
 * Waits `ms`, ending early when `signal` aborts: `"reject"` (the default) rejects with the
 * signal's reason, `"resolve"` resolves (for loops that check `signal.aborted` themselves).
 */
export function sleep(ms: number, signal?: AbortSignal, onAbort: "reject" | "resolve" = "reject"): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const end = () => (onAbort === "reject" ? reject(signal?.reason) : resolve());
    if (signal?.aborted) return end();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        end();
      },
      { once: true },
    );
  });
}
