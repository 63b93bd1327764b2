/** A small client for the API, as a CI script would call it. */
export function apiClient(baseUrl: string, token?: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // biome-ignore lint/suspicious/noExplicitAny: tests assert on response bodies field by field
  ): Promise<{ status: number; headers: Headers; json: any }> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined && !headers['content-type'] ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  };
}

/** Waits until `probe` returns a value, polling; fails with the last value after the timeout. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function cloudEvent(type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: `${type}-${Math.random().toString(36).slice(2)}`,
    source: 'https://ci.example.com/pipelines/42',
    type,
    time: '2026-11-21T10:00:00Z',
    datacontenttype: 'application/json',
    data,
    ...extra,
  };
}
