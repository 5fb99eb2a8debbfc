/** Locates the genuine attestation vectors (never copied into the repository). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { requireVectors, VECTORS_DIR } from "../../../test/setup/prerequisites.js";

export const VECTORS = VECTORS_DIR;
/** True when the vectors are present; false (after a SKIPPED banner) when not; throws under CI. */
export const haveVectors = requireVectors("the SDK's genuine-evidence tests (TDX, SEV-SNP, revocation)");

export function vec(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(VECTORS, rel)));
}
export function vecText(rel: string): string {
  return readFileSync(path.join(VECTORS, rel), "utf8");
}

/** Time inside every validity window of the vectors (certificates, CRLs, TCB info, QE identity). */
export const NOW = new Date("2023-06-20T00:00:00Z");

/** Deterministic PRNG (mulberry32) for reproducible random bit positions. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Region {
  name: string;
  start: number;
  end: number;
}

/** Bit positions: first/middle/last byte of every region (varying bits) plus `random` seeded picks. */
export function samplePositions(
  regions: Region[],
  random: number,
  seed = 8,
): { region: string; byte: number; bit: number }[] {
  const out: { region: string; byte: number; bit: number }[] = [];
  regions.forEach((r, i) => {
    const bytes = [r.start, r.start + Math.floor((r.end - r.start) / 2), r.end - 1];
    for (const [j, b] of bytes.entries()) out.push({ region: r.name, byte: b, bit: (i + j * 3) % 8 });
  });
  const next = rng(seed);
  const total = regions.reduce((n, r) => n + (r.end - r.start), 0);
  for (let k = 0; k < random; k++) {
    let pos = Math.floor(next() * total);
    for (const r of regions) {
      const len = r.end - r.start;
      if (pos < len) {
        out.push({ region: r.name, byte: r.start + pos, bit: Math.floor(next() * 8) });
        break;
      }
      pos -= len;
    }
  }
  return out;
}

export function flip(b: Uint8Array, byte: number, bit: number): Uint8Array {
  const c = b.slice();
  c[byte] = (c[byte] as number) ^ (1 << bit);
  return c;
}
