import { parentPort, Worker, workerData } from 'node:worker_threads';
import { type FoldedForQueries, foldForQueries } from './fold-for-queries.ts';
import { syntheticHistory } from './synthetic-history.ts';

interface FoldRequest {
  readonly size: number;
  readonly endMs: number;
}
type FromFold =
  | { readonly type: 'progress'; readonly done: number }
  | { readonly type: 'done'; readonly folded: FoldedForQueries }
  | { readonly type: 'failed'; readonly message: string };

/**
 * Folds one synthetic history in its own worker thread, with its own heap (`heapMb`), and answers only
 * what the queries need: the heap of the fold is gone when the worker ends, before anything is timed.
 */
export function foldInWorker(
  request: FoldRequest,
  options: { readonly heapMb: number; readonly onProgress: (done: number) => void },
): Promise<FoldedForQueries> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fold-worker.mjs', import.meta.url), {
      workerData: request,
      name: `fold ${request.size}`,
      // Not the parent's flags: `--import tsx` would load a second TypeScript loader.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
    });
    let settled = false;
    worker.on('message', (message: FromFold) => {
      if (message.type === 'progress') options.onProgress(message.done);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.folded);
      } else {
        settled = true;
        reject(new Error(`folding ${request.size} events failed: ${message.message}`));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled)
        reject(new Error(`the fold of ${request.size} events ended (exit ${code}) without an answer`));
    });
  });
}

const port = parentPort;
if (port && workerData && typeof (workerData as FoldRequest).size === 'number') {
  const { size, endMs } = workerData as FoldRequest;
  let last = 0;
  try {
    const folded = foldForQueries(size, endMs, syntheticHistory, (done) => {
      const now = Date.now();
      if (done < size && now - last < 500) return;
      last = now;
      port.postMessage({ type: 'progress', done } satisfies FromFold);
    });
    port.postMessage({ type: 'done', folded } satisfies FromFold);
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).stack ?? String(error) } satisfies FromFold);
  }
}
