export interface GroupCommitOptions<Request, Result> {
  /** Commits a group of requests, in queue order, answering each one with its own result or error. */
  readonly commit: (
    key: string,
    group: readonly Request[],
  ) => Promise<readonly PromiseSettledResult<Result>[]>;
  /** Whether `next` may join `group` (size limits, requests that must not share a commit). */
  readonly fits: (group: readonly Request[], next: Request) => boolean;
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
 */
export class GroupCommit<Request, Result> {
  private readonly queues = new Map<string, Waiting<Request, Result>[]>();

  constructor(private readonly options: GroupCommitOptions<Request, Result>) {}

  submit(key: string, request: Request): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const waiting = { request, resolve, reject };
      const queue = this.queues.get(key);
      if (queue) {
        queue.push(waiting);
        return;
      }
      this.queues.set(key, [waiting]);
      void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key) ?? [];
    while (queue.length > 0) {
      const group = this.takeGroup(queue);
      let settled: readonly PromiseSettledResult<Result>[];
      try {
        settled = await this.options.commit(
          key,
          group.map((waiting) => waiting.request),
        );
      } catch (reason) {
        settled = group.map(() => ({ status: 'rejected', reason }));
      }
      group.forEach((waiting, index) => {
        const outcome = settled[index];
        if (outcome?.status === 'fulfilled') waiting.resolve(outcome.value);
        else waiting.reject(outcome ? outcome.reason : new Error('the group commit gave no answer'));
      });
    }
    this.queues.delete(key);
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
