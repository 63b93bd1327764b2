import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey, type VerifierKey, verifyCheckpoint } from '../../domain/ledger/checkpoint.ts';
import { verifyLeafInclusion } from '../../domain/ledger/merkle.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'changes-writer-token-0001', tenant: 'changes', role: 'writer' },
  { token: 'changes-reader-token-0001', tenant: 'changes', role: 'reader' },
  { token: 'others-reader-token-00001', tenant: 'others', role: 'reader' },
  { token: 'changes-admin-token-00001', tenant: 'changes', role: 'admin' },
] as const;

let runtime: LocalRuntime;
let writer: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;
let stranger: ReturnType<typeof apiClient>;
let window: string;
let windowFrom: string;
let windowTo: string;
let key: VerifierKey;

/** Waits until the latest signed checkpoint covers the whole ledger. */
async function checkpointed(): Promise<void> {
  const head = (await reader('GET', '/v1/audit/digest')).json.seq as number;
  await eventually(async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/audit/checkpoint`, {
      headers: { authorization: `Bearer ${tokens[1].token}` },
    });
    return Number(response.headers.get('ledger-tree-size')) >= head ? true : undefined;
  }, 60_000);
}

const post = async (type: string, data: Record<string, unknown>) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data));
  expect(response.status).toBe(201);
};
const BULK = 30;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  writer = apiClient(runtime.apiUrl, tokens[0].token);
  reader = apiClient(runtime.apiUrl, tokens[1].token);
  stranger = apiClient(runtime.apiUrl, tokens[2].token);
  // The window is by ledger recordedAt, which is the runtime's clock.
  const from = new Date(Date.now() - 60_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  window = `from=${from}&to=${to}`;
  windowFrom = from;
  windowTo = to;
  const admin = apiClient(runtime.apiUrl, tokens[3].token);
  expect((await admin('PUT', '/v1/policies/api/production', { requiredApprovals: 1 })).status).toBe(201);

  await post('release.created', {
    releaseId: 'api-1.4.0',
    service: 'api',
    version: '1.4.0',
    commits: [{ sha: 'a1', timestamp: '2026-11-20T16:00:00Z', author: { name: 'Ana', login: 'ana' } }],
  });
  await post('approval.granted', { releaseId: 'api-1.4.0', environment: 'production', approver: 'bruno' });
  await post('tests.completed', { releaseId: 'api-1.4.0', suite: 'unit', passed: true });
  const d1 = { deploymentId: 'd1', environment: 'production', releaseId: 'api-1.4.0' };
  await post('deployment.requested', { ...d1, requestedBy: 'ana' });
  // The gate reaction answers the request; the report reads the decision it recorded.
  await eventually(async () => {
    const view = await reader('GET', '/v1/deployments/d1');
    return view.json?.deployment?.gate?.status === 'passed' ? true : undefined;
  });
  await post('deployment.started', d1);
  await post('deployment.succeeded', { ...d1, deployedBy: 'ci-bot' });
  await post('deployment.succeeded', { deploymentId: 'd2', environment: 'staging', releaseId: 'api-1.4.0' });
  await post('deployment.succeeded', {
    deploymentId: 'hotfix-1',
    environment: 'production',
    service: 'api',
    version: '1.4.1',
    emergency: true,
  });
  await post('review.completed', {
    deploymentId: 'hotfix-1',
    reviewer: 'rui',
    url: 'https://cab.example.com/7',
  });
  // A release whose service name a spreadsheet would run as a formula.
  await post('release.created', { releaseId: 'evil-1', service: '=2+3', version: '1' });
  await post('deployment.succeeded', {
    deploymentId: 'evil-d',
    environment: 'production',
    releaseId: 'evil-1',
  });
  // The hotfix went ahead with no gate request where a policy requires one: the ledger records a bypass.
  await eventually(async () => {
    const bypasses = await reader('GET', '/v1/audit/gate-bypasses?limit=10');
    return bypasses.json?.bypasses?.some((b: { deploymentId: string }) => b.deploymentId === 'hotfix-1')
      ? true
      : undefined;
  });
  for (let i = 0; i < BULK; i += 1) {
    await post('deployment.succeeded', {
      deploymentId: `bulk-${i}`,
      environment: 'production',
      service: 'web',
      version: `2.${i}`,
    });
  }
  // The report covers what a signed checkpoint covers: the tree reaction signs one after appends.
  await checkpointed();
  const published = await fetch(`${runtime.apiUrl}/v1/audit/public-key`, {
    headers: { authorization: `Bearer ${tokens[1].token}` },
  });
  const parsed = parseVerifierKey(await published.text());
  if (!parsed.ok) throw new Error(parsed.reason);
  key = parsed.value;
}, 240_000);

afterAll(async () => {
  await runtime?.stop();
});

const POPULATION = 3 + BULK; // d1, hotfix-1, evil-d and the bulk deployments; d2 is staging

describe('GET /v1/audit/changes over HTTP and DynamoDB Local', () => {
  it('lists every production change of the window, judged, with the population proof', async () => {
    const response = await reader('GET', `/v1/audit/changes?${window}&environment=production&limit=200`);
    expect(response.status).toBe(200);
    const { items, population, next } = response.json;
    expect(next).toBeNull();
    expect(items).toHaveLength(POPULATION);
    expect(population.count).toBe(POPULATION);
    expect(population.scanned).toEqual({ fromSeq: population.fromSeq, toSeq: population.toSeq });
    expect(population.toSeq).toBeLessThanOrEqual(population.treeSize);
    const checkpoint = verifyCheckpoint(population.checkpoint, key);
    expect(checkpoint.ok && checkpoint.value.size).toBe(population.treeSize);
    expect(items.map((i: { deploymentId: string }) => i.deploymentId)).not.toContain('d2');

    const d1 = items.find((i: { deploymentId: string }) => i.deploymentId === 'd1');
    expect(d1).toMatchObject({
      service: 'api',
      version: '1.4.0',
      releaseId: 'api-1.4.0',
      outcome: 'succeeded',
      authors: ['ana'],
      approvals: [{ approver: 'bruno' }],
      separationOfDuties: 'ok',
      tests: [{ suite: 'unit', passed: true }],
      testsOutcome: 'passed',
      gate: { decision: 'passed', policyVersion: expect.any(String) },
      emergency: false,
      review: { status: 'not_required' },
    });
    expect(d1.actors.map((a: { actor: string | null }) => a.actor)).toEqual(['ana', null, 'ci-bot']);

    const hotfix = items.find((i: { deploymentId: string }) => i.deploymentId === 'hotfix-1');
    expect(hotfix).toMatchObject({
      separationOfDuties: 'no_approval',
      emergency: true,
      gate: { decision: 'bypassed' },
      emergencyReasons: ['gate_bypassed', 'declared'],
      review: { status: 'within_24h', reviewer: 'rui', url: 'https://cab.example.com/7' },
    });
  });

  it('pages through the same population without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let total = 0;
    let lastScanned = 0;
    do {
      const response = await reader(
        'GET',
        `/v1/audit/changes?${window}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.status).toBe(200);
      const { items, population } = response.json;
      if (pages > 0) expect(population.scanned.fromSeq).toBe(lastScanned + 1);
      lastScanned = population.scanned.toSeq;
      seen.push(...items.map((i: { deploymentId: string }) => i.deploymentId));
      total += population.count;
      cursor = response.json.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(Math.ceil(POPULATION / 7));
    expect(new Set(seen).size).toBe(POPULATION);
    expect(total).toBe(POPULATION);
  });

  it('answers CSV with formulas neutralised and the population in headers', async () => {
    const response = await fetch(`${runtime.apiUrl}/v1/audit/changes?${window}&format=csv&limit=200`, {
      headers: { authorization: `Bearer ${tokens[1].token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('ledger-population-count')).toBe(String(POPULATION));
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^deploymentId,seq,recordedAt,service,version,releaseId,outcome,/);
    expect(lines).toHaveLength(POPULATION + 1);
    const evil = lines.find((line) => line.startsWith('evil-d,'));
    expect(evil?.split(',')[3]).toBe("'=2+3");
  });

  it('draws a reproducible sample an auditor can redraw from the members', async () => {
    const url = `/v1/audit/changes?${window}&sample=5&seed=soc2-2026`;
    const first = await reader('GET', url);
    const again = await reader('GET', url);
    expect(first.status).toBe(200);
    expect(first.json.items).toHaveLength(5);
    expect(again.json.items).toEqual(first.json.items);
    expect(first.json.population.count).toBe(POPULATION);
    expect(first.json.population.members).toHaveLength(POPULATION);
    const byHand = (first.json.population.members as { deploymentId: string; seq: number }[])
      .map((m) => ({ m, key: createHash('sha256').update(`soc2-2026\n${m.deploymentId}`).digest('hex') }))
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .slice(0, 5)
      .map(({ m }) => m.deploymentId);
    expect(first.json.items.map((i: { deploymentId: string }) => i.deploymentId).sort()).toEqual(
      byHand.sort(),
    );
    // Each sampled change comes with its inclusion proof against the report's checkpoint.
    const checkpoint = verifyCheckpoint(first.json.population.checkpoint, key);
    if (!checkpoint.ok) throw new Error(checkpoint.reason);
    for (const item of first.json.items) {
      const exported = await fetch(
        `${runtime.apiUrl}/v1/audit/export?from=${item.seq}&to=${item.seq}&format=jsonl`,
        { headers: { authorization: `Bearer ${tokens[1].token}` } },
      );
      const { body } = JSON.parse(await exported.text()) as { body: string };
      const proof = item.inclusionProof as { leafIndex: number; treeSize: number; hashes: string[] };
      const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
      expect(
        verifyLeafInclusion(body, proof.leafIndex, proof.treeSize, hashes, checkpoint.value.rootHash),
      ).toEqual({
        ok: true,
      });
    }
    const other = await reader('GET', `/v1/audit/changes?${window}&sample=5&seed=another`);
    expect(other.json.items).not.toEqual(first.json.items);
  });

  it('shows another tenant none of these changes, and refuses their cursors', async () => {
    const own = await stranger('GET', `/v1/audit/changes?${window}`);
    expect(own.status).toBe(200);
    expect(own.json.items).toEqual([]);
    expect(own.json.population.count).toBe(0);
    const paged = await reader('GET', `/v1/audit/changes?${window}&limit=2`);
    const theirs = await stranger('GET', `/v1/audit/changes?${window}&limit=2&cursor=${paged.json.next}`);
    expect(theirs.status).toBe(400);
    expect(theirs.json.error.issues[0].path).toEqual(['query', 'cursor']);
  });

  it('answers 400 with the failing parameter', async () => {
    const cases: [string, string[]][] = [
      ['to=2026-12-01T00:00:00Z', ['query', 'from']],
      ['from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', ['query', 'to']],
      [`${window}&format=xml`, ['query', 'format']],
      [`${window}&sample=5`, ['query', 'seed']],
      [`${window}&sample=0&seed=s`, ['query', 'sample']],
      [`${window}&cursor=bm90LWEtY3Vyc29y`, ['query', 'cursor']],
    ];
    for (const [query, path] of cases) {
      const response = await reader('GET', `/v1/audit/changes?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.json.error.code).toBe('validation_failed');
      expect(response.json.error.issues.map((i: { path: string[] }) => i.path)).toContainEqual(path);
    }
  });

  it('shows a review recorded with the CLI once a checkpoint covers it', async () => {
    const cli = resolve(import.meta.dirname, '../../infra/cli/release-ledger.mjs');
    const run = await new Promise<{ code: number; stdout: string }>((done) =>
      execFile(
        process.execPath,
        [
          cli,
          'review',
          '--deployment-id',
          'bulk-0',
          '--reviewer',
          'zoe',
          '--review-url',
          'https://cab.example.com/9',
        ],
        {
          env: { ...process.env, RELEASE_LEDGER_URL: runtime.apiUrl, RELEASE_LEDGER_TOKEN: tokens[0].token },
        },
        (error, stdout) => done({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      ),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^review.completed recorded as #\d+ in deployment\/bulk-0/);
    await checkpointed();
    const report = await reader('GET', `/v1/audit/changes?${window}&limit=200`);
    const bulk = report.json.items.find((i: { deploymentId: string }) => i.deploymentId === 'bulk-0');
    expect(bulk.review).toMatchObject({
      status: 'not_required',
      reviewer: 'zoe',
      url: 'https://cab.example.com/9',
    });
  }, 60_000);

  it('writes an evidence pack that verifies offline, and fails a change left out, an edited entry, a swapped proof', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rl-evidence-')), 'pack');
    const written = await cli(
      ['evidence', '--from', windowFrom, '--to', windowTo, '--out', dir],
      tokens[1].token,
    );
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toMatch(new RegExp(`^evidence written to .*: ${POPULATION} changes`));
    const honest = await cli(['verify-evidence', dir]);
    expect(honest.code, honest.stdout).toBe(0);
    expect(honest.stdout).toMatch(/✓ checkpoint signature valid/);
    expect(honest.stdout).toMatch(new RegExp(`✓ the population count ${POPULATION} matches`));

    const tamper = async (file: string, edit: (text: string) => string) => {
      const path = join(dir, file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(path, edit(original));
      const result = await cli(['verify-evidence', dir]);
      writeFileSync(path, original);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/EVIDENCE DOES NOT VERIFY/);
      return result.stdout;
    };
    const removed = await tamper('report.json', (text) => {
      const report = JSON.parse(text);
      report.items = report.items.filter((i: { deploymentId: string }) => i.deploymentId !== 'bulk-3');
      report.population.count -= 1;
      return JSON.stringify(report);
    });
    expect(removed).toMatch(/✗ .*missing bulk-3/);
    const edited = await tamper('events.ndjson', (text) => text.replace('ci-bot', 'ci-bod'));
    expect(edited).toMatch(/✗ #\d+: the proof does not lead to the root hash/);
    const swapped = await tamper('proofs.ndjson', (text) => {
      const lines = text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
      const [a, b] = [lines[3], lines[4]];
      [a.hashes, b.hashes] = [b.hashes, a.hashes];
      return `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
    });
    expect(swapped).toMatch(/✗ #\d+: the proof/);
  }, 240_000);
});

function cli(args: string[], token?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = resolve(import.meta.dirname, '../../infra/cli/release-ledger.mjs');
  return new Promise((done) =>
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: {
          ...process.env,
          RELEASE_LEDGER_URL: runtime.apiUrl,
          ...(token ? { RELEASE_LEDGER_TOKEN: token } : {}),
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
