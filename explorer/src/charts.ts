/** Small SVG bar charts (no chart library: a few rects, axis labels and titles). */
import { h, svg } from "./dom.js";

export interface Bar {
  /** Bucket start, for the tooltip and the axis. */
  label: string;
  value: number | null;
  /** Where the bar links to (what it counts). */
  href?: string;
}

export function barChart(o: { title: string; bars: Bar[]; format: (v: number) => string; id: string }): HTMLElement {
  const W = 600;
  const H = 160;
  const pad = { l: 44, r: 8, t: 10, b: 22 };
  const max = Math.max(1, ...o.bars.map((b) => b.value ?? 0));
  const bw = (W - pad.l - pad.r) / Math.max(1, o.bars.length);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-label": o.title,
    class: "chart",
    preserveAspectRatio: "none",
  });
  root.appendChild(svg("line", { x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, class: "axis" }));
  root.appendChild(svg("text", { x: pad.l - 4, y: pad.t + 8, "text-anchor": "end", class: "tick" }, o.format(max)));
  root.appendChild(svg("text", { x: pad.l - 4, y: H - pad.b, "text-anchor": "end", class: "tick" }, "0"));
  o.bars.forEach((b, i) => {
    if (b.value === null || b.value <= 0) return;
    const rect = svg("rect", {
      x: pad.l + i * bw + 1,
      y: y(b.value),
      width: Math.max(1, bw - 2),
      height: H - pad.b - y(b.value),
      class: "bar",
    });
    rect.appendChild(svg("title", {}, `${b.label}: ${o.format(b.value)}`));
    if (b.href) {
      const a = svg("a", { href: b.href });
      a.appendChild(rect);
      root.appendChild(a);
    } else root.appendChild(rect);
  });
  const first = o.bars[0]?.label;
  const last = o.bars.at(-1)?.label;
  if (first) root.appendChild(svg("text", { x: pad.l, y: H - 6, class: "tick" }, first));
  if (last) root.appendChild(svg("text", { x: W - pad.r, y: H - 6, "text-anchor": "end", class: "tick" }, last));
  return h("figure", { class: "chart-box", id: o.id }, h("figcaption", null, o.title), root);
}
