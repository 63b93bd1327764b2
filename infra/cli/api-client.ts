export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

export interface ApiClientOptions {
  readonly url: string;
  readonly token: string | undefined;
  /** @default 5 */
  readonly maxAttempts?: number;
  readonly log?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls the API, retrying 503s (honouring Retry-After) and network errors with exponential backoff.
 * Appends are idempotent, so retrying a POST whose answer was lost is safe.
 */
export function apiClient(options: ApiClientOptions) {
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? wait;
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> => {
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(new URL(path, options.url), {
          method,
          headers: {
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        if (attempt >= maxAttempts) {
          throw new CliError(`cannot reach ${options.url}: ${(error as Error).message}`);
        }
        await sleep(backoff(attempt));
        continue;
      }
      const text = await response.text();
      const parsed = parseBody(text);
      if (response.status === 503 && attempt < maxAttempts) {
        const retryAfter = Number(response.headers.get('retry-after'));
        const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff(attempt);
        options.log?.(
          `storage busy (503); retrying in ${Math.round(delay)} ms (attempt ${attempt + 1}/${maxAttempts})`,
        );
        await sleep(delay);
        continue;
      }
      return { status: response.status, headers: response.headers, body: parsed };
    }
  };
}

function backoff(attempt: number): number {
  return Math.min(8_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Turns an error response into a clear message and exit code 1. */
export function failOnError(response: ApiResponse, action: string): void {
  if (response.status < 400) return;
  const error = (
    response.body as {
      error?: { code?: string; message?: string; issues?: { path: unknown[]; message: string }[] };
    }
  )?.error;
  const issues = (error?.issues ?? [])
    .map((i) => `\n  ${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('');
  throw new CliError(
    `${action} failed: ${response.status} ${error?.code ?? ''} ${error?.message ?? String(response.body ?? '')}${issues}`.trim(),
  );
}
