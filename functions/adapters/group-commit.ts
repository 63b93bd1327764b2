export interface GroupCommitOptions<Request, Result> {
  /** Commits a group of requests, in queue order, answering each one with its own result or error. */
  readonly commit: (
    key: string,
    group: readonly Request[],
  ) => Promise<readonly PromiseSettledResult<Result>[]>;
  /** Whether `next` may join `group` (size limits, requests that must not share a commit). */
  readonly fits: (group: readonly Request[], next: Request) => boolean;
  /**
   * How long the next commit may wait for the requests just answered to come back, given how long the
   * last commit took (ms); 0 or absent: never wait. See `GroupCommit`.
   */
  readonly holdMs?: (lastCommitMs: number) => number;
}

interface Waiting<Request, Result> {
  readonly request: Request;
  readonly resolve: (result: Result) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Group commit per key (a tenant's ledger has one head, so its appends are serial): while one commit
 * is in flight, requests queue; the next commit takes every queued request that fits. Under load that
 * turns N round trips into one without delaying a lone request, which is committed at once.
 *
 * With `holdMs`, a commit that answered k requests while w more waited expects k + w for the next: N
 * clients each sending again when answered would otherwise settle into a commit of one (the first to
 * come back, alone) and a commit of the N − 1 that queued behind it, two commits per round where one
 * does. The next commit waits for the expected requests, a full group, or the hold, whichever is first.
 * A lone client (k = 1, w = 0) expects only itself and never waits.
 */
export class GroupCommit<Request, Result> {
  private readonly queues = new Map<string, Waiting<Request, Result>[]>();
  /** Per key, what a holding commit waits for: that many queued requests, then `arrived` is called. */
  private readonly holds = new Map<string, { readonly expected: number; readonly arrived: () => void }>();

  constructor(private readonly options: GroupCommitOptions<Request, Result>) {}

  submit(key: string, request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const waiting = { request, resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(waiting);
        const hold = this.holds.get(key);
        if (hold && (queue.length >= hold.expected || this.isFull(queue))) hold.arrived();
        return;
      }
      this.queues.set(key, [waiting]);
      void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key) ?? [];
    let lastCommitMs = 0;
    let expected = 0;
    for (;;) {
      if (queue.length < expected && !this.isFull(queue)) {
        await this.hold(key, queue, expected, this.options.holdMs?.(lastCommitMs) ?? 0);
      }
      if (queue.length === 0) break;
      const group = this.takeGroup(queue);
      const started = performance.now();
      let settled: readonly PromiseSettledResult<Result>[];
      try {
        settled = await this.options.commit(
          key,
          group.map((waiting) => waiting.request),
        );
      } catch (reason) {
        settled = group.map(() => ({ status: 'rejected', reason }));
      }
      lastCommitMs = performance.now() - started;
      // Only clients seen in this round can come back; a lone client expects itself and never holds.
      expected = group.length + queue.length > 1 ? group.length + queue.length : 0;
      group.forEach((waiting, index) => {
        const outcome = settled[index];
        if (outcome?.status === 'fulfilled') waiting.resolve(outcome.value);
        else waiting.reject(outcome ? outcome.reason : new Error('the group commit gave no answer'));
      });
    }
    this.queues.delete(key);
  }

  /** Waits up to `ms` for the queue to hold `expected` requests or a full group. */
  private async hold(key: string, queue: readonly unknown[], expected: number, ms: number): Promise<void> {
    if (ms <= 0 || queue.length >= expected) return;
    await new Promise<void>((resolve) => {
      // Unreferenced: a hold never keeps a process alive on its own.
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.holds.set(key, { expected, arrived: done });
    });
    this.holds.delete(key);
  }

  /** Whether the queue already holds more than the next group can take. */
  private isFull(queue: readonly Waiting<Request, Result>[]): boolean {
    const taken: Request[] = [];
    for (const waiting of queue) {
      if (taken.length > 0 && !this.options.fits(taken, waiting.request)) return true;
      taken.push(waiting.request);
    }
    return false;
  }

  private takeGroup(queue: Waiting<Request, Result>[]): Waiting<Request, Result>[] {
    const taken: Request[] = [];
    let count = 0;
    for (const waiting of queue) {
      if (count > 0 && !this.options.fits(taken, waiting.request)) break;
      taken.push(waiting.request);
      count += 1;
    }
    return queue.splice(0, count);
  }
}
