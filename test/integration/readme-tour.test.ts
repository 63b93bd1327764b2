import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import {
  curlRequest,
  sectionBlocks,
  shellCommands,
  type TourStep,
  tourSteps,
} from '../support/readme-tour.ts';

// The tour is read from the README itself: change a command or an answer there and this test runs the new one.
const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const blocks = sectionBlocks(readme, '## Five-minute tour');
const tokens = {
  WRITER: 'tour-writer-token-0000001',
  READER: 'tour-reader-token-0000001',
  ADMIN: 'tour-admin-token-00000001',
};
let runtime: LocalRuntime;
let env: Record<string, string>;
const curlSteps = () => tourSteps(blocks, env).filter((step) => step.commands.some(([c]) => c === 'curl'));
const routes = new Set<string>();

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [
      { token: tokens.WRITER, tenant: 'dev', role: 'writer' },
      { token: tokens.READER, tenant: 'dev', role: 'reader' },
      { token: tokens.ADMIN, tenant: 'dev', role: 'admin' },
    ],
  });
  env = { RL: runtime.apiUrl, ...tokens };
});

afterAll(async () => {
  await runtime?.stop();
});

/** Sends one command of the tour; a GET whose answer is shown is polled, as a reader would re-run it. */
async function run(words: readonly string[], shown: unknown): Promise<void> {
  const unset = words.find((word) => /\$\{?\w/.test(word));
  if (unset) throw new Error(`the tour uses a variable it never exports: ${unset}`);
  const request = curlRequest(words);
  const url = new URL(request.url);
  routes.add(`${request.method} ${url.pathname.replace(/\/v1\/deployments\/.+$/, '/v1/deployments/{id}')}`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const text = await response.text();
    const answer = { status: response.status, json: text ? JSON.parse(text) : undefined };
    const matches = () => {
      expect(answer.status, `${request.method} ${request.url} answered ${text}`).toBeLessThan(300);
      if (shown !== undefined) expect(answer.json).toMatchObject(shown as object);
    };
    if (request.method !== 'GET' || Date.now() > deadline) return matches();
    try {
      return matches();
    } catch {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

describe("the README's five-minute tour, run against the local runtime", () => {
  it('starts the system with the README command and exports the address and the three dev tokens', () => {
    const setup = blocks
      .filter((block) => block.lang === 'sh')
      .flatMap((block) => shellCommands(block.text, {}))
      .filter(([command]) => command !== 'curl');
    expect(setup[0]).toEqual(['npm', 'ci', '&&', 'npm', 'start']);
    expect(setup.slice(1).map((words) => words[0])).toEqual(['export']);
    const exported = (setup[1] ?? []).slice(1).map((assignment) => assignment.split('=')[0]);
    expect(exported.sort()).toEqual(['ADMIN', 'READER', 'RL', 'WRITER']);
    expect(setup[1]).toContain('RL=http://127.0.0.1:3000');
  });

  // One test per block of commands, in the README's order: each builds on the ledger the previous left.
  const count = tourSteps(blocks, {}).filter((step) => step.commands.some(([c]) => c === 'curl')).length;
  for (let n = 0; n < count; n += 1) {
    it(`runs block ${n + 1} of ${count} and gets every answer shown`, async () => {
      const step = curlSteps()[n] as TourStep;
      const last = step.commands.length - 1;
      for (const [index, words] of step.commands.entries())
        await run(words, index === last ? step.shown : undefined);
    });
  }

  it('walks through every step the front page promises', () => {
    expect([...routes].sort()).toEqual([
      'GET /v1/audit/verify',
      'GET /v1/deployments/{id}',
      'GET /v1/metrics/dora',
      'POST /v1/events',
      'PUT /v1/policies/api/production',
    ]);
  });
});
