import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LAMBDA_RESPONSE_BYTES } from '../../infra/local/http-adapter.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent } from '../support/http.ts';

const tokens = [
  { token: 'pages-writer-token-0001', tenant: 'pages', role: 'writer' },
  { token: 'pages-reader-token-0001', tenant: 'pages', role: 'reader' },
] as const;
/** release.created, then this many large test results on the same release. */
const LARGE_EVENTS = 12;
const TOTAL = LARGE_EVENTS + 1;

let runtime: LocalRuntime;
let reader: ReturnType<typeof apiClient>;

/**
 * Given a release whose history is 12 events of 90,000 quote characters each: a JSON escape doubles a
 * quote and every further JSON layer doubles it again, so an event that is 360 KB stored is 720 KB in
 * an events page and 1.4 MB in an export line once Lambda encodes the response. Whole, each list is far
 * over Lambda's 6 MB, which the local runtime enforces.
 */
beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  reader = apiClient(runtime.apiUrl, tokens[1].token);
  const writer = apiClient(runtime.apiUrl, tokens[0].token);
  const created = await writer(
    'POST',
    '/v1/events',
    cloudEvent('release.created', { releaseId: 'big-r', service: 'big', version: '1.0.0' }),
  );
  expect(created.status).toBe(201);
  for (let n = 0; n < LARGE_EVENTS; n += 1) {
    const posted = await writer(
      'POST',
      '/v1/events',
      cloudEvent('tests.completed', {
        releaseId: 'big-r',
        suite: `suite-${n}`,
        passed: true,
        log: '"'.repeat(90_000),
      }),
    );
    expect(posted.status, JSON.stringify(posted.json)).toBe(201);
  }
});

afterAll(async () => {
  await runtime?.stop();
});

/** One page through the real adapter; a page over Lambda's limit would be its bare 500. */
async function page(path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${tokens[1].token}` },
  });
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBe(200);
  expect(Buffer.byteLength(text)).toBeLessThan(MAX_LAMBDA_RESPONSE_BYTES);
  return { status: response.status, headers: response.headers, text };
}

const everySeqOnce = Array.from({ length: TOTAL }, (_, i) => i + 1);

describe('pages stay under Lambda’s 6 MB response, however large the events, and miss none', () => {
  it('pages a release’s events by bytes, returning each exactly once', async () => {
    const seqs: number[] = [];
    let pages = 0;
    for (let after: number | null = 0; after !== null; pages += 1) {
      const body = JSON.parse((await page(`/v1/releases/big-r/events?after=${after}`)).text);
      seqs.push(...body.events.map((e: { seq: number }) => e.seq));
      after = body.next;
    }
    expect(seqs).toEqual(everySeqOnce);
    expect(pages).toBeGreaterThan(1);
  });

  it('honours a count limit on a release’s events too', async () => {
    const first = JSON.parse((await page('/v1/releases/big-r/events?limit=2')).text);
    expect(first.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    const second = JSON.parse((await page(`/v1/releases/big-r/events?limit=2&after=${first.next}`)).text);
    expect(second.events.map((e: { seq: number }) => e.seq)).toEqual([3, 4]);
  });

  it('pages the export by encoded bytes, each line once, following ledger-next-from', async () => {
    const seqs: number[] = [];
    let pages = 0;
    for (let from: string | null = '1'; from !== null; pages += 1) {
      const { headers, text } = await page(`/v1/audit/export?from=${from}`);
      seqs.push(
        ...text
          .trimEnd()
          .split('\n')
          .map((line) => (JSON.parse(line) as { seq: number }).seq),
      );
      from = headers.get('ledger-next-from');
    }
    expect(seqs).toEqual(everySeqOnce);
    expect(pages).toBeGreaterThan(1);
  });

  it('pages the ledger by bytes with limit=1000, each event once', async () => {
    const seqs: number[] = [];
    for (let after: number | null = 0; after !== null; ) {
      const body = JSON.parse((await page(`/v1/events?after=${after}&limit=1000`)).text);
      seqs.push(...body.events.map((e: { seq: number }) => e.seq));
      after = body.next;
    }
    expect(seqs).toEqual(everySeqOnce);
  });

  it('still answers the release view, folded from the whole history', async () => {
    const view = await reader('GET', '/v1/releases/big-r');
    expect(view.status).toBe(200);
    expect(view.json.release.tests).toHaveLength(LARGE_EVENTS);
  });
});
