import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';

/**
 * The CDEvents spec's own conformance examples (v0.4.1 and v0.5.1, every type, plus the custom-event
 * example), read from the shared corpus beside the checkout, posted in every HTTP mode: raw CDEvent JSON,
 * CloudEvents binary, structured and batch. Each is stored (201) and its replay answered 200.
 *
 * The examples all share one `context.id` and source, the CDEvent's idempotency key, so each post gives
 * the example a `context.id` of its own (file, line and mode); nothing else in the payload changes.
 */
const CORPUS = join(process.cwd(), '..', 'shared', 'corpus', 'cdevents');
const LINES = ['spec-v0.4.1', 'spec-v0.5.1'] as const;
const present = existsSync(CORPUS);
const BATCH = 10;
if (!present) console.warn(`skipping the CDEvents conformance test: ${CORPUS} is absent`);

type Json = Record<string, unknown>;
interface Example {
  readonly name: string;
  readonly cdevent: Json;
}

function examples(line: string): Example[] {
  const folder = join(CORPUS, line);
  const files = [
    ...readdirSync(join(folder, 'conformance')).map((f) => join('conformance', f)),
    ...readdirSync(join(folder, 'custom')).map((f) => join('custom', f)),
  ].filter((f) => f.endsWith('.json'));
  return files.sort().map((file) => ({
    name: `${line}/${file}`,
    cdevent: JSON.parse(readFileSync(join(folder, file), 'utf8')) as Json,
  }));
}

/** The example with a `context.id` of its own. */
function own(example: Example, mode: string): Json {
  const cdevent = structuredClone(example.cdevent);
  const context = cdevent.context as Json;
  context.id = `${example.name}#${mode}`.replaceAll('/', ':');
  return cdevent;
}

const tokens = [{ token: 'cdevents-writer-token-001', tenant: 'conformance', role: 'writer' }] as const;
let runtime: LocalRuntime;
let writer: ReturnType<typeof apiClient>;

beforeAll(async () => {
  if (!present) return;
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  writer = apiClient(runtime.apiUrl, tokens[0].token);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

const structured = (cdevent: Json): Json => {
  const context = cdevent.context as Json;
  return {
    specversion: '1.0',
    id: String(context.id),
    source: String(context.source),
    type: String(context.type),
    time: String(context.timestamp),
    datacontenttype: 'application/json',
    data: cdevent,
  };
};

/** Posts, then posts again: the first must store (201), the replay must answer 200. */
async function postTwice(
  body: unknown,
  headers: Record<string, string>,
  what: string,
): Promise<{ type: string }[]> {
  const first = await writer('POST', '/v1/events', body, headers);
  expect(first.status, `${what}: ${JSON.stringify(first.json)}`).toBe(201);
  const replay = await writer('POST', '/v1/events', body, headers);
  expect(replay.status, `${what} replayed: ${JSON.stringify(replay.json)}`).toBe(200);
  return first.json.events ?? [first.json.event];
}

describe.skipIf(!present)('the CDEvents spec conformance examples over HTTP', () => {
  for (const line of present ? LINES : []) {
    const all = examples(line);

    it(`${line}: holds one example of each of the spec's types`, () => {
      const types = new Set(all.map((e) => String((e.cdevent.context as Json).type).split('.')[2]));
      expect(all.length).toBeGreaterThanOrEqual(46);
      expect(types.size).toBeGreaterThanOrEqual(14);
    });

    it(`${line}: every example is stored from raw CDEvent JSON`, async () => {
      for (const example of all) {
        await postTwice(own(example, 'raw'), { 'content-type': 'application/json' }, example.name);
      }
    }, 300_000);

    it(`${line}: every example is stored in CloudEvents structured mode`, async () => {
      for (const example of all) {
        await postTwice(
          structured(own(example, 'structured')),
          { 'content-type': 'application/cloudevents+json' },
          example.name,
        );
      }
    }, 300_000);

    it(`${line}: every example is stored in CloudEvents binary mode`, async () => {
      for (const example of all) {
        const cdevent = own(example, 'binary');
        const context = cdevent.context as Json;
        await postTwice(
          cdevent,
          {
            'content-type': 'application/json',
            'ce-specversion': '1.0',
            'ce-id': String(context.id),
            'ce-source': String(context.source),
            'ce-type': String(context.type),
            'ce-time': String(context.timestamp),
          },
          example.name,
        );
      }
    }, 300_000);

    it(`${line}: every example is stored in CloudEvents batch mode`, async () => {
      // Batches of 10: every event's links (its chain, its release) are items of the one transaction.
      for (let start = 0; start < all.length; start += BATCH) {
        const chunk = all.slice(start, start + BATCH);
        const stored = await postTwice(
          chunk.map((example) => structured(own(example, 'batch'))),
          { 'content-type': 'application/cloudevents-batch+json' },
          `batch ${chunk.map((e) => e.name).join(', ')}`,
        );
        expect(stored).toHaveLength(chunk.length);
      }
    }, 300_000);
  }

  it('refuses every spec type with a content field its schema does not list, at that field', async () => {
    // The spec closes every type's subject.content (additionalProperties: false); custom events have no schema.
    for (const line of LINES) {
      for (const example of examples(line).filter((e) => e.name.includes('/conformance/'))) {
        const cdevent = own(example, 'unlisted');
        ((cdevent.subject as Json).content as Json).unlisted = true;
        const refused = await writer('POST', '/v1/events', cdevent);
        expect(refused.status, example.name).toBe(400);
        expect(refused.json.error.code, example.name).toBe('validation_failed');
        expect(refused.json.error.issues, example.name).toEqual([
          expect.objectContaining({ path: ['subject', 'content', 'unlisted'] }),
        ]);
      }
    }
  }, 300_000);

  it('answers a spec version outside the supported lines with unsupported_spec_version', async () => {
    const example = examples('spec-v0.5.1')[0] as Example;
    const cdevent = own(example, 'version');
    (cdevent.context as Json).specversion = '0.3.0';
    const refused = await writer('POST', '/v1/events', cdevent);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('unsupported_spec_version');
    expect(refused.json.error.message).toContain('0.4.x, 0.5.x');
    expect(refused.json.error.issues[0].path).toEqual(['context', 'specversion']);
  });

  it('refuses an invalid example with validation_failed at the failing field', async () => {
    const example = examples('spec-v0.5.1').find((e) => e.name.endsWith('testcaserun_finished.json'));
    const cdevent = own(example as Example, 'invalid');
    ((cdevent.subject as Json).content as Json).outcome = 'great';
    const refused = await writer('POST', '/v1/events', cdevent);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('validation_failed');
    expect(refused.json.error.issues[0].path).toEqual(['subject', 'content', 'outcome']);
  });
});
