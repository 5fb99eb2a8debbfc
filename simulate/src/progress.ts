/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number) => void {
  if (!stream.isTTY) return () => {};
  let last = -1;
  const t0 = performance.now();
  return (done, total) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (pct === last) return;
    last = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    const secs = (performance.now() - t0) / 1000;
    stream.write(
      `\r${label} [${"#".repeat(fill)}${"-".repeat(width - fill)}] ${String(pct).padStart(3)}% ${secs.toFixed(1)}s`,
    );
    if (done >= total) stream.write("\n");
  };
}
