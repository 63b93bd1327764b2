import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { apiClient } from '../../infra/cli/api-client.ts';

describe('the CLI’s API client', () => {
  it('retries 503 answers, waiting as Retry-After says, until the append succeeds', async () => {
    let calls = 0;
    const server = createServer((_request, response) => {
      calls += 1;
      if (calls <= 2) {
        response.writeHead(503, { 'retry-after': '2', 'content-type': 'application/json' });
        response.end('{"error":{"code":"storage_unavailable"}}');
      } else {
        response.writeHead(201, { 'content-type': 'application/json' });
        response.end('{"event":{"seq":1}}');
      }
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
    const address = server.address() as { port: number };
    const waits: number[] = [];
    const api = apiClient({
      url: `http://127.0.0.1:${address.port}`,
      token: 't',
      sleep: async (ms) => void waits.push(ms),
    });
    const response = await api('POST', '/v1/events', { any: 'thing' });
    server.close();
    expect(response).toMatchObject({ status: 201, body: { event: { seq: 1 } } });
    expect(calls).toBe(3);
    expect(waits).toEqual([2000, 2000]);
  });
});
