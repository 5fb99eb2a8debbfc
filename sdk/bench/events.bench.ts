/**
 * Event decoding throughput: decodeAtomaEvent (BCS → typed union, with trailing-byte check)
 * against JSON.parse of the same event's JSON form, measured in the same run.
 */
import { normalizeSuiAddress } from "@mysten/sui/utils";
import { decodeAtomaEvent, EVENT_SCHEMAS } from "../src/bcs/index.js";

const PKG = normalizeSuiAddress("0xa70a");
const value = {
  request_id: normalizeSuiAddress("0x7e9"),
  requester: normalizeSuiAddress("0xcafe"),
  kind: 0,
  capability: [...new TextEncoder().encode("llama-3-8b")],
  input_hash: Array.from({ length: 32 }, (_, i) => i),
  sample_size: "3",
  quorum_bps: "6667",
  confidential: true,
  max_price: "50000",
  escrow: "157500",
  created_ms: "1700000000000",
};
const bytes = EVENT_SCHEMAS.RequestCreated.serialize(value).toBytes();
const type = `${PKG}::events::RequestCreated`;
const json = JSON.stringify({ type, parsedJson: value });

function rate(label: string, n: number, f: () => unknown): number {
  for (let i = 0; i < 2000; i++) f(); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  const s = (performance.now() - t0) / 1000;
  const r = n / s;
  console.log(`${label.padEnd(44)} ${Math.round(r).toLocaleString("en-US").padStart(12)} events/s`);
  return r;
}

const N = Number(process.env.BENCH_N ?? 200_000);
const bcsRate = rate("decodeAtomaEvent(RequestCreated, BCS)", N, () => decodeAtomaEvent({ type, bcs: bytes }));
const jsonRate = rate("peer: JSON.parse of the same event's JSON", N, () => JSON.parse(json));
const parseRate = rate("peer: bare RequestCreated.parse (no checks)", N, () =>
  EVENT_SCHEMAS.RequestCreated.parse(bytes),
);
console.log(`ratio decodeAtomaEvent / JSON.parse = ${(bcsRate / jsonRate).toFixed(2)}`);
console.log(`ratio decodeAtomaEvent / bare parse = ${(bcsRate / parseRate).toFixed(2)}`);
