import { sleep as sdkSleep } from "@atoma/sdk";

/** A counting semaphore: at most `limit` calls of `run` at once, the rest wait in order. */
export class Semaphore {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inUse++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.inUse--;
    }
  }
}

/** Resolves after `ms` of wall time, or at once when `signal` aborts (the SDK's abortable sleep). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> => sdkSleep(ms, signal, "resolve");
