import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent } from '../support/http.ts';

const tokens = [
  { token: 'fuzz-writer-token-00001', tenant: 'fuzz', role: 'writer' },
  { token: 'fuzz-reader-token-00001', tenant: 'fuzz', role: 'reader' },
  { token: 'glyph-writer-token-0001', tenant: 'glyph', role: 'writer' },
  { token: 'glyph-reader-token-0001', tenant: 'glyph', role: 'reader' },
] as const;

/** Every error a client can get for bad input: a documented code, never `internal_error`. */
const INPUT_ERRORS = new Set([
  'invalid_json',
  'validation_failed',
  'batch_too_large',
  'payload_too_large',
  'unsupported_media_type',
]);
const SEED = 0x00c0_ffee;
const NATIVE_TYPES = new Set([
  'release.created',
  'deployment.requested',
  'deployment.started',
  'deployment.succeeded',
  'deployment.failed',
  'incident.opened',
  'incident.resolved',
  'approval.granted',
  'tests.completed',
  'change.merged',
  'artifact.published',
]);

let runtime: LocalRuntime;
let head: { seq: number; hash: string };
/** Every hostile request sent, by category, for the README's figures. */
const tried = new Map<string, number>();

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  const writer = apiClient(runtime.apiUrl, tokens[0].token);
  for (const n of [1, 2, 3]) {
    const response = await writer(
      'POST',
      '/v1/events',
      cloudEvent('incident.resolved', { incidentId: `i${n}` }),
    );
    expect(response.status).toBe(201);
  }
  head = await ledgerHead();
  expect(head.seq).toBe(3);
});

afterAll(async () => {
  console.info(
    `hostile input: ${[...tried.values()].reduce((a, b) => a + b, 0)} requests (${[...tried].map(([k, v]) => `${k} ${v}`).join(', ')})`,
  );
  await runtime?.stop();
});

async function ledgerHead(): Promise<{ seq: number; hash: string }> {
  const verify = await apiClient(runtime.apiUrl, tokens[1].token)('GET', '/v1/audit/verify');
  expect(verify.json.ok).toBe(true);
  return verify.json.head;
}

interface Hostile {
  readonly body: string | Buffer;
  readonly headers: Record<string, string>;
}

/** Sends one hostile request as a writer and asserts the refusal: 4xx, JSON, a documented code. */
async function expectRefused(category: string, request: Hostile): Promise<void> {
  tried.set(category, (tried.get(category) ?? 0) + 1);
  const response = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[0].token}`, ...request.headers },
    body: request.body,
  });
  const text = await response.text();
  expect(response.status, text.slice(0, 500)).toBeGreaterThanOrEqual(400);
  expect(response.status, text.slice(0, 500)).toBeLessThan(500);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  expect(INPUT_ERRORS, text.slice(0, 500)).toContain(body.error.code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

const json = (value: unknown, contentType = 'application/json'): Hostile => ({
  body: JSON.stringify(value),
  headers: { 'content-type': contentType },
});

/** A valid event of a type no rule reacts to; each arbitrary below breaks it in one way. */
const validEvent = () => ({
  specversion: '1.0',
  id: 'fuzz-event',
  source: 'https://ci.example.com/fuzz',
  type: 'incident.resolved',
  time: '2026-11-21T10:00:00Z',
  data: { incidentId: 'inc-fuzz' },
});

const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
/** Strings that are empty once trimmed: zod's `trim()` strips Unicode white space too. */
const blank = fc
  .array(fc.constantFrom('', ' ', '\t', '\n', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u2028'), {
    maxLength: 6,
  })
  .map((parts) => parts.join(''));
/** Code points that break naive string handling: lone surrogates, NUL, BOM, bidi overrides, combining marks. */
const unicodeEdge = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '\ud800',
        '\udfff',
        '\u0000',
        '\ufeff',
        '\u202e',
        '\uffff',
        'e\u0301',
        '\u{1f3f3}\ufe0f\u200d\u{1f308}',
        '\u{10ffff}',
      ),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('hostile input to POST /v1/events', () => {
  // Each property runs against the real HTTP endpoint with a fixed seed; the head is checked after each.
  const params = { seed: SEED, numRuns: 40, endOnFailure: true } as const;
  afterAll(async () => {
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses malformed JSON with invalid_json', async () => {
    const truncated = fc
      .integer({ min: 0, max: JSON.stringify(validEvent()).length - 1 })
      .map((cut) => JSON.stringify(validEvent()).slice(0, cut));
    const garbage = fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(truncated, garbage, fc.constantFrom('{', '[1,]', "{'a':1}", 'NaN', '\ufeff{}')),
        async (body) => {
          await expectRefused('malformed JSON', { body, headers: { 'content-type': 'application/json' } });
        },
      ),
      params,
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses wrong types in the envelope and the data with validation_failed', async () => {
    const envelopeField = fc.tuple(
      fc.constantFrom('id', 'source', 'type'),
      fc.oneof(
        notAString,
        blank.filter((s) => s === ''),
      ),
    );
    const badSpec = fc.tuple(
      fc.constant('specversion'),
      fc.oneof(
        notAString,
        fc.string().filter((s) => s !== '1.0'),
      ),
    );
    const badTime = fc.tuple(fc.constant('time'), fc.oneof(notAString, fc.string({ maxLength: 30 })));
    const badData = fc.tuple(
      fc.constant('data'),
      fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.integer())),
    );
    const badIncident = fc.tuple(fc.constant('data.incidentId'), fc.oneof(notAString, blank));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(envelopeField, badSpec, badTime, badData, badIncident),
        async ([field, value]) => {
          const event: Record<string, unknown> = validEvent();
          if (field === 'data.incidentId') event.data = { incidentId: value };
          else event[field] = value;
          await expectRefused('wrong types', json(event));
        },
      ),
      params,
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses huge strings: over a field’s limit with validation_failed, over 256 KB with payload_too_large', async () => {
    const overField = fc.oneof(
      fc.tuple(fc.constant('id'), fc.integer({ min: 1025, max: 100_000 })),
      fc.tuple(fc.constant('type'), fc.integer({ min: 257, max: 100_000 })),
      fc.tuple(fc.constant('source'), fc.integer({ min: 2049, max: 100_000 })),
      fc.tuple(fc.constant('data.incidentId'), fc.integer({ min: 257, max: 100_000 })),
    );
    const overBody = fc.tuple(
      fc.constant('data.notes'),
      fc.integer({ min: 256 * 1024 + 1, max: 2 * 1024 * 1024 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(overField, overBody),
        fc.constantFrom('x', 'é', '\u{1f600}'),
        async ([field, length], char) => {
          const huge = char.repeat(Math.ceil(length / char.length));
          const event: Record<string, unknown> = validEvent();
          if (field.startsWith('data.')) event.data = { incidentId: 'inc-fuzz', [field.slice(5)]: huge };
          else event[field] = huge;
          if (field === 'data.incidentId') event.data = { incidentId: huge };
          await expectRefused('huge strings', json(event));
        },
      ),
      { ...params, numRuns: 30 },
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses data nested deeper than the ledger stores', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 65, max: 120_000 }), fc.boolean(), async (depth, arrays) => {
        const open = arrays ? '['.repeat(depth) : '{"a":'.repeat(depth);
        const close = arrays ? ']'.repeat(depth) : '}'.repeat(depth);
        const body = JSON.stringify(validEvent()).replace(
          '{"incidentId"',
          `{"deep":${open}1${close},"incidentId"`,
        );
        await expectRefused('deep nesting', { body, headers: { 'content-type': 'application/json' } });
      }),
      { ...params, numRuns: 30 },
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses Unicode edge cases in fields that must be meaningful', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('type', 'specversion', 'time', 'data.incidentId'),
        unicodeEdge,
        async (field, text) => {
          const event: Record<string, unknown> = validEvent();
          // A type is only valid if it is a known one, a time only if RFC 3339: edge-case text is neither.
          if (field === 'type') event.type = NATIVE_TYPES.has(text) ? `${text}\u0000` : text;
          if (field === 'specversion') event.specversion = `1.0${text}`;
          if (field === 'time') event.time = `2026-11-21T10:00:00Z${text}`;
          if (field === 'data.incidentId') event.data = { incidentId: { text } };
          await expectRefused('unicode', json(event));
        },
      ),
      params,
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses wrong content types with unsupported_media_type', async () => {
    const accepted = new Set([
      'application/json',
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
    ]);
    const contentType = fc
      .oneof(
        fc.constantFrom(
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
          'application/jsonx',
          'json',
          '*/*',
          '',
        ),
        fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          maxLength: 40,
        }),
      )
      .filter((value) => !accepted.has((value.split(';')[0] ?? '').trim().toLowerCase()));
    await fc.assert(
      fc.asyncProperty(contentType, async (type) => {
        await expectRefused('wrong content type', {
          body: JSON.stringify(validEvent()),
          headers: { 'content-type': type },
        });
      }),
      params,
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses invalid CloudEvents in every mode, including forged decisions and bad batches', async () => {
    const forged = fc
      .constantFrom(
        'gate.evaluated',
        'gate.bypassed',
        'rollback.requested',
        'rollback.skipped',
        'policy.updated',
      )
      .map((type) => json({ ...validEvent(), type, data: { deploymentId: 'd', decision: 'passed' } }));
    const unknownType = fc
      .string({ minLength: 1, maxLength: 60 })
      .filter((t) => !NATIVE_TYPES.has(t) && !t.startsWith('dev.cdevents.'))
      .map((type) => json({ ...validEvent(), type }));
    const binary = fc
      .record({
        specversion: fc.constantFrom('1.0', '0.3', '2.0'),
        id: fc.string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
          maxLength: 30,
        }),
        type: fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          maxLength: 30,
        }),
      })
      .filter((h) => !NATIVE_TYPES.has(h.type))
      .map(
        (h): Hostile => ({
          body: JSON.stringify({ incidentId: 'inc' }),
          headers: {
            'content-type': 'application/json',
            'ce-specversion': h.specversion,
            'ce-id': h.id.trim() || 'x',
            'ce-source': 'https://ci.example.com',
            'ce-type': h.type,
          },
        }),
      );
    const batch = fc.oneof(
      fc.constant(json([], 'application/cloudevents-batch+json')),
      fc.constant(json(validEvent(), 'application/cloudevents-batch+json')),
      fc.integer({ min: 26, max: 60 }).map((n) =>
        json(
          Array.from({ length: n }, (_, i) => ({ ...validEvent(), id: `b${i}` })),
          'application/cloudevents-batch+json',
        ),
      ),
      fc.integer({ min: 0, max: 3 }).map((bad) =>
        json(
          Array.from({ length: 4 }, (_, i) =>
            i === bad ? { ...validEvent(), id: `b${i}`, data: {} } : { ...validEvent(), id: `b${i}` },
          ),
          'application/cloudevents-batch+json',
        ),
      ),
      fc.constant(json([validEvent(), validEvent()], 'application/cloudevents-batch+json')),
    );
    const base64 = fc.constant(json({ ...validEvent(), data: undefined, data_base64: 'aGVsbG8=' }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(forged, unknownType, binary, batch, base64), async (request) => {
        await expectRefused('invalid CloudEvents', request);
      }),
      { ...params, numRuns: 60 },
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses invalid CDEvents with validation_failed', async () => {
    const fixtures = [
      'service-deployed.v0.4.json',
      'service-deployed.v0.5.json',
      'incident-detected.v0.5.json',
    ].map(
      (name) =>
        JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/cdevents', name), 'utf8')) as {
          context: Record<string, unknown>;
          subject: Record<string, unknown>;
        },
    );
    const broken = fc.tuple(
      fc.constantFrom(...fixtures),
      fc.constantFrom('id', 'source', 'type', 'timestamp'),
      fc.oneof(
        notAString,
        fc.constantFrom('', 'not-a-time', 'dev.cdevents.nothing', 'dev.cdevents.service.deployed.9'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(broken, async ([fixture, field, value]) => {
        // A valid id or source string would still be valid: only non-strings and empty strings for those.
        const replacement =
          (field === 'id' || field === 'source') && typeof value === 'string' && value !== '' ? 7 : value;
        const event = { ...fixture, context: { ...fixture.context, [field]: replacement } };
        await expectRefused('invalid CDEvents', json(event));
      }),
      params,
    );
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses header injection and request smuggling at the HTTP layer, changing nothing', async () => {
    const body = JSON.stringify(validEvent());
    const requests = [
      `ce-id: a\rce-type: release.created`,
      `ce-id: a\nce-type: gate.evaluated`,
      `ce-id: a\u0000b`,
      `x-note: one\r\n two`,
      `Transfer-Encoding: chunked`,
      `Content-Length: 3`,
      `Content-Length : ${Buffer.byteLength(body)}`,
    ].map(
      (extra) =>
        `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens[0].token}\r\n` +
        `Content-Type: application/json\r\n${extra}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    for (const raw of requests) {
      tried.set('header injection', (tried.get('header injection') ?? 0) + 1);
      const status = await rawRequest(raw);
      expect(status, JSON.stringify(raw)).toBeGreaterThanOrEqual(400);
      expect(status, JSON.stringify(raw)).toBeLessThan(500);
    }
    expect(await ledgerHead()).toEqual(head);
  });

  it('refuses bodies over the limits: 413 above 256 KB, and above the 6 MB transport limit', async () => {
    for (const size of [256 * 1024 + 1, 1024 * 1024, 7 * 1024 * 1024]) {
      const event = { ...validEvent(), data: { incidentId: 'x', pad: 'p'.repeat(size) } };
      await expectRefused('oversized bodies', json(event));
    }
    expect(await ledgerHead()).toEqual(head);
  });
});

describe('unusual but valid input', () => {
  it('stores Unicode edge cases verbatim and the chain still verifies', async () => {
    const writer = apiClient(runtime.apiUrl, tokens[2].token);
    let stored = 0;
    const sent: unknown[] = [];
    await fc.assert(
      fc.asyncProperty(unicodeEdge, unicodeEdge, async (title, note) => {
        stored += 1;
        sent.push({ incidentId: `inc-${stored}`, title, note });
        const event = cloudEvent('incident.resolved', { incidentId: `inc-${stored}`, title, note });
        const response = await writer('POST', '/v1/events', event);
        expect(response.status, JSON.stringify(response.json)).toBe(201);
        const again = await writer('POST', '/v1/events', event);
        expect(again.status).toBe(200);
      }),
      { seed: SEED, numRuns: 25 },
    );
    const reader = apiClient(runtime.apiUrl, tokens[3].token);
    const events = (await reader('GET', '/v1/events?limit=1000')).json.events as { data: unknown }[];
    expect(events.map((e) => e.data)).toEqual(sent);
    expect((await reader('GET', '/v1/audit/verify')).json).toMatchObject({ ok: true, checked: stored });
  });
});

function rawRequest(text: string): Promise<number> {
  const url = new URL(runtime.apiUrl);
  return new Promise((resolveStatus, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolveStatus(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}
