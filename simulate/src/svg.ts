/**
 * Minimal SVG line/point plots (no dependency): linear, log10 or symmetric-log axes, one
 * colour per series, optional confidence bars. Enough for the report's three figures.
 */

export type Scale = "linear" | "log" | "symlog";

export interface Series {
  name: string;
  points: [number, number][];
  /** Per point [lo, hi] (same order as points). */
  bars?: [number, number][];
  line?: boolean;
  dashed?: boolean;
  /** Colour index (default: the series' position). */
  color?: number;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  x: Scale;
  y: Scale;
  series: Series[];
  /** Symlog: values below this magnitude are linear. */
  linthresh?: number;
  yMin?: number;
  yMax?: number;
}

const W = 760;
const H = 480;
const M = { l: 80, r: 190, t: 40, b: 56 };
const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-2 && a < 1e4) return String(Number(v.toPrecision(3)));
  const e = Math.floor(Math.log10(a));
  const m = v / 10 ** e;
  return `${Math.abs(m - Math.round(m)) < 1e-9 ? Math.round(m) : m.toFixed(1)}e${e}`;
}

function transform(scale: Scale, lin: number): (v: number) => number {
  if (scale === "log") return (v) => Math.log10(v);
  if (scale === "symlog") return (v) => Math.sign(v) * Math.log10(1 + Math.abs(v) / lin);
  return (v) => v;
}

function ticks(scale: Scale, lo: number, hi: number, lin: number): number[] {
  if (scale === "log") {
    const out: number[] = [];
    const step = Math.max(1, Math.ceil((Math.ceil(hi) - Math.floor(lo)) / 10));
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e += step) out.push(10 ** e);
    return out;
  }
  if (scale === "symlog") {
    const out = [0];
    for (let e = Math.round(Math.log10(lin)); e <= 12; e++) {
      const v = 10 ** e;
      const t = Math.log10(1 + v / lin);
      if (t <= hi + 1e-9) out.push(v);
      if (-t >= lo - 1e-9) out.push(-v);
    }
    return out;
  }
  const span = hi - lo || 1;
  const raw = span / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function plot(spec: PlotSpec): string {
  const lin = spec.linthresh ?? 1e-3;
  const tx = transform(spec.x, lin);
  const ty = transform(spec.y, lin);
  const ok = (s: Scale, v: number) => Number.isFinite(v) && (s !== "log" || v > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    s.points.forEach(([x, y], i) => {
      if (!ok(spec.x, x) || !ok(spec.y, y)) return;
      xs.push(tx(x));
      ys.push(ty(y));
      const b = s.bars?.[i];
      if (b) for (const v of b) if (ok(spec.y, v)) ys.push(ty(v));
    });
  }
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  let y0 = spec.yMin !== undefined ? ty(spec.yMin) : Math.min(...ys);
  let y1 = spec.yMax !== undefined ? ty(spec.yMax) : Math.max(...ys);
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const padY = (y1 - y0) * 0.05;
  y0 -= padY;
  y1 += padY;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const X = (v: number) => M.l + ((tx(v) - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => M.t + ph - ((Math.max(y0, Math.min(y1, ty(v))) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.l + pw / 2}" y="22" text-anchor="middle" font-size="15">${esc(spec.title)}</text>`,
    `<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
  );
  for (const v of ticks(spec.x, x0, x1, lin)) {
    if (tx(v) < x0 - 1e-9 || tx(v) > x1 + 1e-9) continue;
    const px = X(v);
    parts.push(
      `<line x1="${px}" y1="${M.t}" x2="${px}" y2="${M.t + ph}" stroke="#eee"/>`,
      `<text x="${px}" y="${M.t + ph + 16}" text-anchor="middle">${fmt(v)}</text>`,
    );
  }
  for (const v of ticks(spec.y, y0, y1, lin)) {
    if (ty(v) < y0 - 1e-9 || ty(v) > y1 + 1e-9) continue;
    const py = Y(v);
    parts.push(
      `<line x1="${M.l}" y1="${py}" x2="${M.l + pw}" y2="${py}" stroke="#eee"/>`,
      `<text x="${M.l - 6}" y="${py + 4}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  parts.push(
    `<text x="${M.l + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, si) => {
    const color = COLORS[(s.color ?? si) % COLORS.length] as string;
    const pts = s.points.filter(([x, y]) => ok(spec.x, x) && ok(spec.y, y));
    if (s.line !== false && pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join("");
      parts.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5,4"' : ""}/>`,
      );
    }
    s.points.forEach(([x, y], i) => {
      if (!ok(spec.x, x) || !ok(spec.y, y)) return;
      const b = s.bars?.[i];
      if (b) {
        const lo = ok(spec.y, b[0]) ? b[0] : y;
        parts.push(
          `<line x1="${X(x)}" y1="${Y(lo)}" x2="${X(x)}" y2="${Y(b[1])}" stroke="${color}" stroke-width="1.2"/>`,
        );
      }
      if (s.line === false || b) parts.push(`<circle cx="${X(x)}" cy="${Y(y)}" r="3" fill="${color}"/>`);
    });
    const ly = M.t + 14 + si * 17;
    parts.push(
      `<line x1="${M.l + pw + 12}" y1="${ly - 4}" x2="${M.l + pw + 32}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ""}/>`,
      `<text x="${M.l + pw + 38}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
