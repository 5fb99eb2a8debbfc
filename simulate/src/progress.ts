/**
 * Progress on stderr: a one-line bar redrawn in place on a terminal; elsewhere (logs, CI) a
 * plain line at every 10 %.
 */
export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): (done: number, total: number) => void {
  let last = -1;
  const t0 = performance.now();
  const tty = stream.isTTY === true;
  return (done, total) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    if (pct === last || (!tty && pct % 10 !== 0)) return;
    last = pct;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (!tty) {
      stream.write(`${label}: ${done}/${total} (${pct}%) ${secs}s\n`);
      return;
    }
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    stream.write(`\r${label} [${"#".repeat(fill)}${"-".repeat(width - fill)}] ${String(pct).padStart(3)}% ${secs}s`);
    if (done >= total) stream.write("\n");
  };
}
