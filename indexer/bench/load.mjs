// Load generator of the API bench, run as a child process (node:child_process fork) so that its
// CPU is its own process's, not the server's event loop or a thread of the server's process.
// Plain JS so it starts without tsx. Receives one message per run and answers one:
//   { mode: "max", url, connections, seconds }  → autocannon, closed loop (saturation)
//   { mode: "rate", url, rate, connections, seconds } → open loop at a fixed rate (below)
// Answer: { rps, p50, p99, max, sent, non2xx, errors, cpuUsPerReq } (latencies in ms;
// cpuUsPerReq: this process's CPU time per response, the generator's own cost).
//
// Why not autocannon's `overallRate` for the fixed rate: autocannon resets a per-connection
// quota every second and sends the quota back to back (lib/httpClient.js, `rateInterval`), so
// "1,000 req/s" is a burst of 1,000 requests at the start of each second, and its p99 is the
// queue of that burst (the bare route measured 14 ms p99 that way). Here request i is due at
// start + i/rate, sent on the first free of `connections` keep-alive sockets, and its latency is
// counted from when it was due, so a server that falls behind pays for the queue it causes
// (no coordinated omission).

import http from "node:http";
import { createRequire } from "node:module";

const autocannon = createRequire(import.meta.url)("autocannon");

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0);

async function max({ url, connections, seconds }) {
  const cpu = process.cpuUsage();
  const r = await autocannon({ url, connections, duration: seconds });
  const used = process.cpuUsage(cpu);
  const done = r.requests.total || 1;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    sent: r.requests.sent,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    cpuUsPerReq: (used.user + used.system) / done,
  };
}

function rate({ url, rate, connections, seconds }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const lat = [];
  let sent = 0;
  let finished = 0;
  let non2xx = 0;
  let errors = 0;
  const cpu = process.cpuUsage();
  const start = performance.now() + 20;
  return new Promise((resolve) => {
    const end = () => {
      if (++finished < total) return;
      const used = process.cpuUsage(cpu);
      const wall = (performance.now() - start) / 1000;
      agent.destroy();
      lat.sort((a, b) => a - b);
      resolve({
        rps: lat.length / wall,
        p50: pct(lat, 0.5),
        p99: pct(lat, 0.99),
        max: lat.at(-1) ?? 0,
        sent,
        non2xx,
        errors,
        cpuUsPerReq: (used.user + used.system) / Math.max(1, lat.length),
      });
    };
    const fire = (due) => {
      sent++;
      const req = http.get(url, { agent }, (res) => {
        if (res.statusCode !== 200) non2xx++;
        res.on("data", () => {});
        res.on("end", () => {
          lat.push(performance.now() - due);
          end();
        });
      });
      req.on("error", () => {
        errors++;
        end();
      });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent * interval);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, 20);
  });
}

process.on("message", async (m) => {
  try {
    const r = m.mode === "rate" ? await rate(m) : await max(m);
    process.send?.({ ok: true, result: r });
  } catch (e) {
    process.send?.({ ok: false, error: String(e?.stack ?? e) });
  }
});
