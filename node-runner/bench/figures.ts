/**
 * What every node-runner benchmark shares: numbers from the command line, order statistics, and
 * a figure reported against its same-run peer, ending with the bench's JSON line
 * {"bench","figure","value","unit","peer","peerValue","ratio","target","met"}.
 */

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** `--name N` on the command line, else `def`. */
export function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

/** The element at quantile `q` of `xs` (sorted copy; `q = 0.5`: the upper median). */
export function quantile(xs: readonly number[], q: number): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)] as number;
}

/** `reportFigure` for `bench` with the figure's fields in order (figure, value, unit, peer, peerValue, target, met). */
export function reporter(bench: string) {
  return (
    figure: string,
    value: number,
    unit: string,
    peer: string,
    peerValue: number,
    target: string | null,
    met: boolean | null,
  ): void => reportFigure(bench, { figure, value, unit, peer, peerValue, target, met });
}

/**
 * The client's and the devnet's CPU per unit (`figure(side)`), each the median of the rounds
 * against the same side of the peer's rounds (no target: a comparison).
 */
export function reportSides(
  report: ReturnType<typeof reporter>,
  figure: (side: "client" | "devnet") => string,
  ours: readonly { client: number; devnet: number }[],
  peerName: string,
  peer: readonly { client: number; devnet: number }[],
): void {
  for (const side of ["client", "devnet"] as const)
    report(
      figure(side),
      median(ours.map((s) => s[side])),
      "ms",
      peerName,
      median(peer.map((s) => s[side])),
      null,
      null,
    );
}

/** One figure against its same-run peer: a readable line, then the bench's JSON line. */
export function reportFigure(
  bench: string,
  f: {
    figure: string;
    value: number;
    unit: string;
    peer: string;
    peerValue: number;
    target: string | null;
    met: boolean | null;
  },
): void {
  const ratio = f.value / f.peerValue;
  const verdict = f.target ? `; target ${f.target}: ${f.met ? "met" : "NOT met"}` : "";
  console.log(
    `${f.figure}: ${f.value.toFixed(2)} ${f.unit} vs ${f.peer} ${f.peerValue.toFixed(2)} (ratio ${ratio.toFixed(3)}${verdict})`,
  );
  console.log(
    JSON.stringify({
      bench,
      figure: f.figure,
      value: Number(f.value.toFixed(3)),
      unit: f.unit,
      peer: f.peer,
      peerValue: Number(f.peerValue.toFixed(3)),
      ratio: Number(ratio.toFixed(4)),
      target: f.target,
      met: f.met,
    }),
  );
}
