/** A binary min-heap of integer ids keyed by a Float64Array of times (no allocation per push). */
export class TimeHeap {
  readonly #ids: Int32Array;
  readonly #key: Float64Array;
  size = 0;

  constructor(capacity: number, key: Float64Array) {
    this.#ids = new Int32Array(capacity);
    this.#key = key;
  }

  push(id: number): void {
    const ids = this.#ids;
    const key = this.#key;
    let i = this.size++;
    const k = key[id] as number;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pid = ids[parent] as number;
      if ((key[pid] as number) <= k) break;
      ids[i] = pid;
      i = parent;
    }
    ids[i] = id;
  }

  peekTime(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : (this.#key[this.#ids[0] as number] as number);
  }

  pop(): number {
    const ids = this.#ids;
    const key = this.#key;
    const top = ids[0] as number;
    const last = ids[--this.size] as number;
    const n = this.size;
    const k = key[last] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (key[ids[c + 1] as number] as number) < (key[ids[c] as number] as number)) c++;
      if ((key[ids[c] as number] as number) >= k) break;
      ids[i] = ids[c] as number;
      i = c;
    }
    if (n > 0) ids[i] = last;
    return top;
  }
}
