import { SHARE_ENV, Worker } from 'node:worker_threads';

/** What a function's worker is started with (`workerData`). */
export interface WorkerSetup {
  readonly name: string;
  /** The repository root, which the topology's entries are relative to. */
  readonly root: string;
  readonly enforceAccess: boolean;
}

/** An invocation posted to a worker. */
export interface ToWorker {
  readonly id: number;
  readonly event: unknown;
  readonly timeoutMs: number;
}

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | {
      readonly type: 'error';
      readonly id: number;
      readonly error: {
        readonly name: string;
        readonly message: string;
        readonly stack?: string | undefined;
        readonly props: Record<string, unknown>;
      };
    };

export interface FunctionWorkers {
  /** Starts a worker for each function now, resolving once every one has loaded its handler. */
  start(names: readonly string[]): Promise<void>;
  /** Invokes the function in its worker (starting one if it has none, as after a crash). */
  invoke(name: string, event: unknown, timeoutMs: number): Promise<unknown>;
  /** The workers running now, with their thread ids. */
  running(): readonly { readonly function: string; readonly threadId: number }[];
  /** Terminates every worker; invocations still in flight fail. */
  stop(): Promise<void>;
}

interface Pending {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface FunctionWorker {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly pending: Map<number, Pending>;
}

/**
 * Runs functions out of the calling thread, one worker thread per function as Lambda gives each function
 * its own containers: a reaction's CPU (the projector's folds, the tree's hashing and signing, the SDK's
 * (de)serialisation) then competes with the API as another Lambda's would, on another core, instead of
 * in the API's event loop. A worker serves its invocations concurrently, as the in-process runtime does.
 */
export function functionWorkers(options: {
  readonly root: string;
  readonly enforceAccess: boolean;
  readonly log: (line: string) => void;
}): FunctionWorkers {
  const workers = new Map<string, FunctionWorker>();
  let nextId = 0;
  let stopping = false;

  const spawn = (name: string): FunctionWorker => {
    const setup: WorkerSetup = { name, root: options.root, enforceAccess: options.enforceAccess };
    const worker = new Worker(new URL('./function-worker.mjs', import.meta.url), {
      workerData: setup,
      name,
      // The process's environment is the functions' configuration (runtime.ts sets it once the ports are
      // known, tests set more after start): shared, so every later assignment reaches the workers too.
      env: SHARE_ENV,
      // Not the parent's flags: under vitest or `--import tsx` they would load a second TypeScript loader.
      execArgv: [],
    });
    const pending = new Map<number, Pending>();
    let markReady: () => void = () => undefined;
    let failStart: (error: Error) => void = () => undefined;
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      markReady = resolveReady;
      failStart = rejectReady;
    });
    // An invocation may await it long after a failed start was reported.
    ready.catch(() => undefined);
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          markReady();
          return;
        case 'log':
          options.log(message.line);
          return;
        case 'result':
          pending.get(message.id)?.resolve(message.result);
          pending.delete(message.id);
          return;
        case 'error':
          pending.get(message.id)?.reject(revived(message.error));
          pending.delete(message.id);
          return;
        default:
          message satisfies never;
      }
    });
    let crash: Error | undefined;
    worker.on('error', (error) => {
      crash = error;
      if (!stopping) options.log(`function ${name}: its worker failed: ${error.stack ?? error.message}`);
    });
    worker.on('exit', (code) => {
      // As Lambda replaces a crashed container, the next invocation starts a fresh worker.
      if (workers.get(name)?.worker === worker) workers.delete(name);
      const reason =
        crash ?? new Error(`function ${name}: its worker ${stopping ? 'was stopped' : `exited (${code})`}`);
      failStart(reason);
      for (const invocation of pending.values()) invocation.reject(reason);
      pending.clear();
    });
    const started = { worker, ready, pending };
    workers.set(name, started);
    return started;
  };

  const workerOf = (name: string): FunctionWorker => {
    if (stopping) throw new Error(`function ${name}: the runtime is stopping`);
    return workers.get(name) ?? spawn(name);
  };

  return {
    async start(names) {
      await Promise.all(names.map((name) => workerOf(name).ready));
    },
    async invoke(name, event, timeoutMs) {
      const target = workerOf(name);
      await target.ready;
      const id = nextId++;
      return new Promise<unknown>((resolveResult, reject) => {
        target.pending.set(id, { resolve: resolveResult, reject });
        target.worker.postMessage({ id, event, timeoutMs } satisfies ToWorker);
      });
    },
    running: () =>
      [...workers.entries()].map(([name, { worker }]) => ({ function: name, threadId: worker.threadId })),
    async stop() {
      stopping = true;
      await Promise.all([...workers.values()].map(({ worker }) => worker.terminate()));
      workers.clear();
    },
  };
}

/** The worker's error rebuilt in this thread: name, message, and the properties callers tell errors by. */
function revived(error: Extract<FromWorker, { type: 'error' }>['error']): Error {
  const revivedError = Object.assign(new Error(error.message), error.props);
  revivedError.name = error.name;
  if (error.stack) revivedError.stack = error.stack;
  return revivedError;
}
