import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'proof-writer-token-0001', tenant: 'proofs', role: 'writer' },
  { token: 'proof-reader-token-0001', tenant: 'proofs', role: 'reader' },
  { token: 'other-reader-token-0001', tenant: 'other', role: 'reader' },
] as const;
const ROOT = resolve(import.meta.dirname, '../..');
const EVENTS = 12;

let runtime: LocalRuntime;
let writer: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;
let other: ReturnType<typeof apiClient>;
let dir: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  writer = apiClient(runtime.apiUrl, tokens[0].token);
  reader = apiClient(runtime.apiUrl, tokens[1].token);
  other = apiClient(runtime.apiUrl, tokens[2].token);
  dir = mkdtempSync(join(tmpdir(), 'rl-proofs-'));
  for (let n = 1; n <= EVENTS; n += 1) {
    const response = await writer(
      'POST',
      '/v1/events',
      cloudEvent('incident.resolved', { incidentId: `i-${n}` }),
    );
    expect(response.status).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

async function text(
  path: string,
  token: string = tokens[1].token,
): Promise<{ status: number; body: string; type: string }> {
  const response = await fetch(`${runtime.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    body: await response.text(),
    type: response.headers.get('content-type') ?? '',
  };
}

/** The checkpoint once the tree reaction has covered `size` events. */
async function checkpointOf(size: number): Promise<string> {
  return eventually(async () => {
    const answer = await text('/v1/audit/checkpoint');
    return answer.status === 200 && answer.body.split('\n')[1] === String(size) ? answer.body : undefined;
  }, 60_000);
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/cli/release-ledger.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
function npmVerify(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/verify-export.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('checkpoints, proofs and offline verification over HTTP', () => {
  it('serves a signed checkpoint and its key, and an inclusion proof the CLI verifies offline', async () => {
    const checkpoint = await checkpointOf(EVENTS);
    expect(checkpoint).toMatch(
      /^release-ledger\/proofs\n12\n[A-Za-z0-9+/]{43}=\n\n\u2014 release-ledger\/proofs \S+\n$/u,
    );
    const key = await text('/v1/audit/public-key');
    expect(key.status).toBe(200);
    expect(key.type).toMatch(/^text\/plain/);
    expect(key.body).toMatch(/^release-ledger\/proofs\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}\n$/);

    const proof = await reader('GET', `/v1/audit/proof/inclusion?seq=5&treeSize=${EVENTS}`);
    expect(proof.status).toBe(200);
    expect(proof.json).toMatchObject({ seq: 5, treeSize: EVENTS, leafIndex: 4 });
    expect(proof.json.hashes).toHaveLength(4);
    const exported = await text('/v1/audit/export?format=jsonl&from=5&to=5');
    const event = exported.body.trim();
    const files = {
      event: file('event.json', event),
      proof: file('proof.json', JSON.stringify(proof.json)),
      checkpoint: file('checkpoint.txt', checkpoint),
      key: file('key.txt', key.body),
    };
    const args = [
      '--event',
      files.event,
      '--proof',
      files.proof,
      '--checkpoint',
      files.checkpoint,
      '--key',
      files.key,
    ];
    const ok = cli(['verify-event', ...args]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^verified: event seq 5 is in release-ledger\/proofs at tree size 12/);
    expect(npmVerify(['verify-event', ...args]).status).toBe(0);

    // The event as GET /v1/events returns it verifies too (its body is rebuilt canonically).
    const listed = await reader('GET', '/v1/events?after=4&limit=1');
    const asListed = file('listed.json', JSON.stringify(listed.json.events[0]));
    expect(cli(['verify-event', ...args.map((a) => (a === files.event ? asListed : a))]).status).toBe(0);

    // Another event, an edited event, a proof for another size, another tenant's key: all refused.
    const sixth = (await text('/v1/audit/export?format=jsonl&from=6&to=6')).body.trim();
    const wrongEvent = file('sixth.json', sixth);
    const refused = cli(['verify-event', ...args.map((a) => (a === files.event ? wrongEvent : a))]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^NOT VERIFIED: proof is for leaf 4, the event is seq 6/);
    const edited = file('edited.json', event.replace('i-5', 'i-X'));
    expect(cli(['verify-event', ...args.map((a) => (a === files.event ? edited : a))]).status).toBe(1);
    const otherKey = await text('/v1/audit/public-key', tokens[2].token);
    const wrongKey = file('other-key.txt', otherKey.body);
    const foreign = cli(['verify-event', ...args.map((a) => (a === files.key ? wrongKey : a))]);
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toMatch(/not signed by release-ledger\/other/);
    const missing = cli(['verify-event', '--event', files.event]);
    expect(missing.status).toBe(64);
    expect(missing.stderr).toMatch(/missing --proof, --checkpoint, --key/);
    expect(npmVerify(['verify-event', '--event', files.event]).status).toBe(2);
    expect(cli(['verify-event', '--help']).stdout).toMatch(/verify-consistency --old/);
  });

  it('proves a later checkpoint extends an earlier one', async () => {
    const older = await checkpointOf(EVENTS);
    for (let n = 1; n <= 3; n += 1) {
      expect(
        (await writer('POST', '/v1/events', cloudEvent('incident.resolved', { incidentId: `j-${n}` })))
          .status,
      ).toBe(201);
    }
    const newer = await checkpointOf(EVENTS + 3);
    const proof = await reader('GET', `/v1/audit/proof/consistency?from=${EVENTS}&to=${EVENTS + 3}`);
    expect(proof.status).toBe(200);
    expect(proof.json).toMatchObject({ from: EVENTS, to: EVENTS + 3 });
    const key = file('key2.txt', (await text('/v1/audit/public-key')).body);
    const args = [
      '--old',
      file('old.txt', older),
      '--new',
      file('new.txt', newer),
      '--proof',
      file('c.json', JSON.stringify(proof.json)),
      '--key',
      key,
    ];
    const ok = cli(['verify-consistency', ...args]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/extends size 12/);
    // Swapped checkpoints do not verify.
    const swapped = cli([
      'verify-consistency',
      '--old',
      args[3] as string,
      '--new',
      args[1] as string,
      '--proof',
      args[5] as string,
      '--key',
      key,
    ]);
    expect(swapped.status).toBe(1);
  });

  it('answers 400 with the field for sizes beyond the checkpoint and bad parameters, 404 before any checkpoint', async () => {
    const beyond = await reader('GET', '/v1/audit/proof/inclusion?seq=1&treeSize=100000');
    expect(beyond.status).toBe(400);
    expect(beyond.json.error).toMatchObject({
      code: 'validation_failed',
      issues: [{ path: ['query', 'treeSize'] }],
    });
    const seq = await reader('GET', '/v1/audit/proof/inclusion?seq=0');
    expect(seq.status).toBe(400);
    expect(seq.json.error.issues[0].path).toEqual(['query', 'seq']);
    const to = await reader('GET', '/v1/audit/proof/consistency?from=2&to=999999');
    expect(to.json.error.issues[0].path).toEqual(['query', 'to']);
    const from = await reader('GET', '/v1/audit/proof/consistency?from=abc');
    expect(from.status).toBe(400);
    expect(from.json.error.issues[0].path).toEqual(['query', 'from']);
    // Tenant "other" has no events: nothing to prove, no checkpoint.
    expect((await other('GET', '/v1/audit/checkpoint')).status).toBe(404);
    expect((await other('GET', '/v1/audit/proof/inclusion?seq=1')).status).toBe(400);
    expect((await writer('GET', '/v1/audit/checkpoint')).status).toBe(403);
  });

  it('verifies incrementally from the last checkpoint and runs a full verification as a job', async () => {
    await checkpointOf(EVENTS + 3);
    const verify = await reader('GET', '/v1/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.json).toMatchObject({
      ok: true,
      checked: EVENTS + 3,
      head: { seq: EVENTS + 3 },
      from: EVENTS + 4,
      complete: true,
      checkpoint: { size: EVENTS + 3 },
    });
    const started = await reader('POST', '/v1/audit/verifications');
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/v1/audit/verifications/${started.json.id}`);
    const done = await eventually(async () => {
      const job = await reader('GET', `/v1/audit/verifications/${started.json.id}`);
      return job.json.status === 'done' ? job.json : undefined;
    }, 60_000);
    expect(done).toMatchObject({
      checked: EVENTS + 3,
      target: EVENTS + 3,
      result: { ok: true, checked: EVENTS + 3 },
    });
    expect((await reader('GET', '/v1/audit/verify')).json.lastFullVerification).toMatchObject({
      id: started.json.id,
    });
    // Another tenant cannot see the job; a malformed id is the caller's error.
    expect((await other('GET', `/v1/audit/verifications/${started.json.id}`)).status).toBe(404);
    const bad = await reader('GET', '/v1/audit/verifications/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toEqual(['path', 'id']);
  });
});
