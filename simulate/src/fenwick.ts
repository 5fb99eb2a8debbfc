/**
 * A Fenwick (binary indexed) tree over node weights: O(log M) update and O(log M) draw of the
 * index whose cumulative weight interval holds x. The contract's `sampling::draw` walks the
 * candidate list (O(M) per draw) and maps x ∈ [0, total) the same way; the order of the
 * candidates changes which node gets which interval, not the probability of drawing it.
 */
export class Fenwick {
  readonly tree: Float64Array;
  readonly w: Float64Array;
  #total = 0;
  readonly #top: number;

  constructor(readonly size: number) {
    this.tree = new Float64Array(size + 1);
    this.w = new Float64Array(size);
    let top = 1;
    while (top * 2 <= size) top *= 2;
    this.#top = top;
  }

  get total(): number {
    return this.#total;
  }

  weight(i: number): number {
    return this.w[i] as number;
  }

  set(i: number, weight: number): void {
    const delta = weight - (this.w[i] as number);
    if (delta === 0) return;
    this.w[i] = weight;
    this.#total += delta;
    for (let j = i + 1; j <= this.size; j += j & -j) this.tree[j] = (this.tree[j] as number) + delta;
  }

  /** The smallest index i with prefix(i + 1) > x, for 0 <= x < total. */
  find(x: number): number {
    let pos = 0;
    let rem = x;
    for (let step = this.#top; step > 0; step >>= 1) {
      const nxt = pos + step;
      if (nxt <= this.size) {
        const t = this.tree[nxt] as number;
        if (t <= rem) {
          pos = nxt;
          rem -= t;
        }
      }
    }
    // Guard against float rounding landing on a zero-weight slot.
    while (pos < this.size - 1 && (this.w[pos] as number) === 0) pos++;
    return pos;
  }
}
