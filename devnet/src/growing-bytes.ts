/**
 * A byte buffer that grows as it is written: the base of the devnet's direct writers (effects'
 * BCS, `runtime/effects-bcs.ts`; protobuf answers, `grpc/proto-writer.ts`). `room(k)` makes room
 * for `k` more bytes at `n` (doubling, the bytes written kept); `view` always covers `buf`.
 */
export class GrowingBytes {
  buf: Uint8Array;
  view: DataView;
  n = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  protected room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A copy of the bytes written from `start` on. */
  copy(start = 0): Uint8Array {
    return this.buf.slice(start, this.n);
  }
}
