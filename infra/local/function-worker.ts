import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { type FunctionName, functions } from '../topology.ts';
import { installFunctionHost, runAsFunction } from './access-enforcement.ts';
import type { FromWorker, ToWorker, WorkerSetup } from './function-workers.ts';
import type { LambdaHandler } from './http-adapter.ts';
import { lambdaContext } from './lambda-context.ts';

/**
 * One function's container: the thread loads the function's handler once and serves every invocation
 * posted to it, concurrently, as the same function host (its IAM stand-in, its own stores) the
 * in-process runtime installs.
 */
const port = parentPort;
if (!port) throw new Error('function-worker.ts runs as a worker thread (see function-workers.ts)');
const setup = workerData as WorkerSetup;
const name = setup.name as FunctionName;
const post = (message: FromWorker) => port.postMessage(message);

installFunctionHost({ enforceAccess: setup.enforceAccess, log: (line) => post({ type: 'log', line }) });
const { handler } = (await import(pathToFileURL(resolve(setup.root, functions[name].entry)).href)) as {
  handler: LambdaHandler;
};

port.on('message', (message: ToWorker) => {
  void runAsFunction(name, () => handler(message.event, lambdaContext(name, message.timeoutMs))).then(
    (result) => {
      try {
        post({ type: 'result', id: message.id, result });
      } catch (error) {
        // Lambda answers only JSON: a result that cannot cross is the function's error, not the runtime's.
        post({ type: 'error', id: message.id, error: serializedError(error) });
      }
    },
    (error: unknown) => post({ type: 'error', id: message.id, error: serializedError(error) }),
  );
});
post({ type: 'ready' });

/**
 * An error as it can cross threads: structured clone keeps only the message of an Error, and the bus,
 * the relay and tests tell failures apart by name, `code`, `$fault` and `$metadata` (as the SDK sets them).
 */
function serializedError(error: unknown): FromWorkerError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), props: {} };
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    try {
      props[key] = structuredClone(value);
    } catch {
      // A property that cannot cross (a socket, a function) is left behind.
    }
  }
  return { name: error.name, message: error.message, stack: error.stack, props };
}

type FromWorkerError = Extract<FromWorker, { type: 'error' }>['error'];
