import { StorageUnavailableError } from '../../domain/ports/event-store.ts';

/** Errors after which the same request may succeed later: throttling, outages, timeouts, resets. */
const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TransactionInProgressException',
  'TransactionConflictException',
]);
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isRetryableStorageError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { name } = error;
  const code = (error as { code?: unknown }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    RETRYABLE_NAMES.has(name) ||
    (typeof code === 'string' && RETRYABLE_CODES.has(code)) ||
    (typeof status === 'number' && status >= 500) ||
    name === 'AbortError'
  );
}

/** Runs a storage call, turning throttling and outages (after the SDK's own retries) into 503s. */
export async function callStorage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isRetryableStorageError(error)) {
      throw new StorageUnavailableError('storage is unavailable; retry shortly', 1, { cause: error });
    }
    throw error;
  }
}
