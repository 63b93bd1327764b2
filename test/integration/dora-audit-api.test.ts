import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { verifyExport } from '../../infra/verify-export.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'dora-writer-token-0001', tenant: 'dora', role: 'writer' },
  { token: 'dora-reader-token-0001', tenant: 'dora', role: 'reader' },
] as const;
const ROOT = resolve(import.meta.dirname, '../..');

let runtime: LocalRuntime;
let writer: ReturnType<typeof apiClient>;
let reader: ReturnType<typeof apiClient>;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
  writer = apiClient(runtime.apiUrl, tokens[0].token);
  reader = apiClient(runtime.apiUrl, tokens[1].token);
});

afterAll(async () => {
  await runtime?.stop();
});

const post = async (type: string, time: string, data: Record<string, unknown>) => {
  const response = await writer('POST', '/v1/events', cloudEvent(type, data, { time }));
  expect(response.status).toBe(201);
};
const window = 'from=2026-03-02&to=2026-03-09';
const metricsUrl = `/v1/metrics/dora?service=api&${window}`;

async function exportText(query = ''): Promise<string> {
  const response = await fetch(`${runtime.apiUrl}/v1/audit/export${query}`, {
    headers: { authorization: `Bearer ${tokens[1].token}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}

async function* linesOf(text: string) {
  yield* text.split('\n');
}

describe('DORA metrics and the audit API over HTTP', () => {
  let beforeIncident: string;

  it('projects appended events into the metrics within moments', async () => {
    await post('release.created', '2026-03-01T12:00:00Z', {
      releaseId: 'api-1',
      service: 'api',
      version: '1',
      team: 'payments',
      commits: [{ sha: 'c1', timestamp: '2026-03-02T08:00:00Z' }],
    });
    await post('deployment.succeeded', '2026-03-02T10:00:00Z', {
      deploymentId: 'd1',
      environment: 'production',
      releaseId: 'api-1',
    });
    await post('deployment.succeeded', '2026-03-03T10:00:00Z', {
      deploymentId: 'd2',
      environment: 'production',
      service: 'api',
      version: '2',
    });
    const metrics = await eventually(async () => {
      const response = await reader('GET', metricsUrl);
      return response.json?.deploymentFrequency?.count === 2 && response.json.source.kind === 'projection'
        ? response.json
        : undefined;
    });
    expect(metrics.leadTimeForChanges).toMatchObject({ medianSeconds: 7200, samples: 1, tier: 'elite' });
    expect(metrics.changeFailureRate).toMatchObject({ rate: 0, failed: 0, total: 2 });
    expect(metrics.definitionsVersion).toMatch(/^dora-2023\.10-[0-9a-f]{8}$/);
    expect(metrics.source.itemsRead).toBe(2);
    beforeIncident = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
  });

  it('links a late incident to the right deployment and shows the evidence', async () => {
    await post('incident.opened', '2026-03-03T11:00:00Z', {
      incidentId: 'inc-1',
      service: 'api',
      environment: 'production',
      severity: 'sev2',
    });
    await post('incident.resolved', '2026-03-03T11:45:00Z', { incidentId: 'inc-1' });
    const metrics = await eventually(async () => {
      const response = await reader('GET', metricsUrl);
      return response.json?.failedDeploymentRecoveryTime?.samples === 1 ? response.json : undefined;
    });
    expect(metrics.changeFailureRate).toMatchObject({ rate: 0.5, failed: 1, total: 2, tier: 'low' });
    expect(metrics.failedDeploymentRecoveryTime).toMatchObject({ medianSeconds: 2700, tier: 'elite' });

    const evidence = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=changeFailureRate&service=api&${window}`,
    );
    expect(evidence.status).toBe(200);
    expect(evidence.json.total).toBe(2);
    const d2 = evidence.json.items.find((i: { deploymentId: string }) => i.deploymentId === 'd2');
    expect(d2.failure.reasons).toEqual([{ rule: 'incident_within_gap', ref: 'inc-1' }]);
    expect(d2.failure.recoveredBy).toBe('incident:inc-1');

    const page = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=deploymentFrequency&${window}&limit=1`,
    );
    expect(page.json.items).toHaveLength(1);
    expect(page.json.next).toBe(1);
    const commits = await reader('GET', `/v1/metrics/dora/evidence?metric=leadTimeForChanges&${window}`);
    expect(commits.json.items).toEqual([
      expect.objectContaining({ kind: 'commit', sha: 'c1', deploymentId: 'd1', leadSeconds: 7200 }),
    ]);
  });

  it('answers as of an earlier moment from the events recorded by then', async () => {
    const then = await reader('GET', `${metricsUrl}&asOf=${encodeURIComponent(beforeIncident)}`);
    expect(then.status).toBe(200);
    expect(then.json.source.kind).toBe('replay');
    expect(then.json.changeFailureRate).toMatchObject({ failed: 0, total: 2 });
    const evidence = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=changeFailureRate&${window}&asOf=${encodeURIComponent(beforeIncident)}`,
    );
    expect(evidence.json.items.every((i: { failure: unknown }) => i.failure === null)).toBe(true);
  });

  it('refuses bad queries with 400 and the parameter path', async () => {
    const bad = await reader('GET', '/v1/metrics/dora?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toEqual(['query', 'from']);
    const backwards = await reader('GET', '/v1/metrics/dora?from=2026-03-09&to=2026-03-02');
    expect(backwards.json.error.issues[0].path).toEqual(['query', 'to']);
    const noMetric = await reader('GET', `/v1/metrics/dora/evidence?${window}`);
    expect(noMetric.status).toBe(400);
    expect(noMetric.json.error.issues[0].path).toEqual(['query', 'metric']);
    expect((await reader('GET', '/v1/audit/export?format=xml')).status).toBe(400);
    expect((await apiClient(runtime.apiUrl)('GET', '/v1/metrics/dora')).status).toBe(401);
  });

  it('exports the ledger with its hashes, verifiable offline against a digest, and catches tampering', async () => {
    const digest = await reader('GET', '/v1/audit/digest');
    expect(digest.json).toMatchObject({
      seq: expect.any(Number),
      chainHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const text = await exportText();
    const lines = text.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(digest.json.seq);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      seq: 1,
      hash: expect.any(String),
      body: expect.any(String),
    });
    const receipt = { seq: digest.json.seq, chainHash: digest.json.chainHash };
    expect(await verifyExport(linesOf(text), [receipt])).toMatchObject({ ok: true, first: 1, digests: 1 });

    // A partial export carries the chain hash before it and still verifies.
    const tail = await exportText('?from=3');
    expect(await verifyExport(linesOf(tail), [receipt])).toMatchObject({ ok: true, first: 3 });

    const csv = await exportText('?format=csv&to=2');
    expect(csv.split('\n')[0]).toBe('seq,recordedAt,type,source,id,eventHash,hash,body');
    expect(csv.trim().split('\n')).toHaveLength(3);

    // The CLI, run as an auditor would: verified, then a changed body, then bad usage.
    const dir = mkdtempSync(join(tmpdir(), 'ledger-export-'));
    const good = join(dir, 'export.jsonl');
    writeFileSync(good, text);
    const second = JSON.parse(lines[1] as string);
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(
      tampered,
      [
        lines[0],
        JSON.stringify({ ...second, body: second.body.replace('"api"', '"web"') }),
        ...lines.slice(2),
      ].join('\n'),
    );
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'infra/verify-export.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      });
    const digestArg = `${receipt.seq}:${receipt.chainHash}`;
    const ok = cli(good, '--digest', digestArg);
    expect(ok.status, ok.stderr).toBe(0);
    const bad = cli(tampered, '--digest', digestArg);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/seq 2/);
    expect(cli(good, '--digest', `${receipt.seq}:${'0'.repeat(64)}`).status).toBe(1);
    expect(cli('--digest', 'nonsense').status).toBe(2);
    expect(cli('--help').status).toBe(0);
  });

  it('measures CDEvents-only histories: lead time from change.merged, rollbacks that name nothing', async () => {
    const cdevent = (
      type: string,
      id: string,
      timestamp: string,
      subject: Record<string, unknown>,
      extra = {},
    ) => ({
      context: { specversion: '0.4.1', id, source: '/ci/cd', type, timestamp },
      subject: { source: '/ci/cd', ...subject },
      ...extra,
    });
    const deployed = (id: string, at: string, version: string, rolledBack = false) =>
      cdevent(
        rolledBack ? 'dev.cdevents.service.rolledback.0.2.0' : 'dev.cdevents.service.deployed.0.2.0',
        id,
        at,
        {
          id: 'storefront',
          type: 'service',
          content: { environment: { id: 'production' }, artifactId: `pkg:oci/storefront@${version}` },
        },
      );
    const merged = (id: string, at: string) =>
      cdevent('dev.cdevents.change.merged.0.2.0', id, at, {
        id: `pr-${id}`,
        type: 'change',
        content: { repository: { id: 'acme/storefront', source: 'https://github.com' } },
      });
    for (const event of [
      merged('m1', '2026-03-04T08:00:00Z'),
      deployed('sd1', '2026-03-04T10:00:00Z', 'v1'), // ships pr-m1 after 2 h
      merged('m2', '2026-03-04T11:00:00Z'),
      deployed('sd2', '2026-03-04T12:00:00Z', 'v2'), // ships pr-m2 after 1 h
      deployed('sd3', '2026-03-04T12:45:00Z', 'v1', true), // rolls sd2 back after 45 min
    ]) {
      expect((await writer('POST', '/v1/events', event)).status).toBe(201);
    }
    const url = `/v1/metrics/dora?service=storefront&${window}`;
    const metrics = await eventually(async () => {
      const response = await reader('GET', url);
      return response.json?.source?.kind === 'projection' && response.json.deploymentFrequency.count === 3
        ? response.json
        : undefined;
    });
    expect(metrics.deploymentFrequency).toMatchObject({ count: 3, rollbacks: 1 });
    expect(metrics.leadTimeForChanges).toMatchObject({ medianSeconds: 1.5 * 3600, samples: 2 });
    expect(metrics.changeFailureRate).toMatchObject({ failed: 1, total: 2 });
    expect(metrics.failedDeploymentRecoveryTime).toMatchObject({ medianSeconds: 45 * 60, samples: 1 });
    const evidence = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=changeFailureRate&service=storefront&${window}`,
    );
    expect(evidence.status).toBe(200);
    const sd2 = evidence.json.items.find((item: { deploymentId: string }) => item.deploymentId === 'sd2');
    expect(sd2.failure.reasons).toEqual([{ rule: 'rolled_back_inferred', ref: 'sd3' }]);
    const lead = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=leadTimeForChanges&service=storefront&${window}`,
    );
    expect(lead.json.items.map((item: { changeId: string }) => item.changeId)).toEqual(['pr-m1', 'pr-m2']);
    // CDEvents change.merged carries no first commit or creation time: each sample starts at its merge.
    expect(lead.json.items.map((item: { startRule: string }) => item.startRule)).toEqual([
      'change.merged',
      'change.merged',
    ]);
  });
  it('starts a native change.merged sample at its first commit when a release lists no commits', async () => {
    // Given a merged change carrying its first commit and creation times, and one carrying only creation
    await post('change.merged', '2026-03-05T09:00:00Z', {
      changeId: 'web-pr-1',
      service: 'web',
      mergeCommitSha: 'f00d',
      firstCommitAt: '2026-03-05T05:00:00Z',
      createdAt: '2026-03-05T07:00:00Z',
    });
    await post('change.merged', '2026-03-05T09:30:00Z', {
      changeId: 'web-pr-2',
      service: 'web',
      createdAt: '2026-03-05T08:00:00Z',
    });
    // When a release listing no commits is deployed to production
    await post('release.created', '2026-03-05T09:45:00Z', {
      releaseId: 'web-1',
      service: 'web',
      version: '1',
    });
    await post('deployment.succeeded', '2026-03-05T10:00:00Z', {
      deploymentId: 'web-d1',
      environment: 'production',
      releaseId: 'web-1',
    });
    // Then lead time counts both changes from their own starts: 5 h and 2 h
    const metrics = await eventually(async () => {
      const response = await reader('GET', `/v1/metrics/dora?service=web&${window}`);
      return response.json?.source?.kind === 'projection' && response.json.leadTimeForChanges.samples === 2
        ? response.json
        : undefined;
    });
    expect(metrics.leadTimeForChanges).toMatchObject({ medianSeconds: 3.5 * 3600, samples: 2 });
    const lead = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=leadTimeForChanges&service=web&${window}`,
    );
    expect(lead.json.items).toEqual([
      expect.objectContaining({
        changeId: 'web-pr-1',
        sha: 'f00d',
        startRule: 'change.first_commit',
        committedAt: '2026-03-05T05:00:00.000Z',
        leadSeconds: 5 * 3600,
      }),
      expect.objectContaining({ changeId: 'web-pr-2', startRule: 'change.created', leadSeconds: 2 * 3600 }),
    ]);
  });

  it('counts a squash merge to the deployment of its merge commit, named by the version it matched', async () => {
    const merged = '4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d';
    // Given a pull request squash-merged as one commit at 09:00, its first commit at 06:00
    await post('change.merged', '2026-03-05T09:00:00Z', {
      changeId: 'shop-pr-1',
      service: 'shop',
      mergeCommitSha: merged,
      firstCommitAt: '2026-03-05T06:00:00Z',
    });
    // When an older commit finishes deploying after the merge, then the merge commit (by its short sha)
    await post('deployment.succeeded', '2026-03-05T09:30:00Z', {
      deploymentId: 'shop-d1',
      environment: 'production',
      service: 'shop',
      version: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d',
    });
    await post('deployment.succeeded', '2026-03-05T11:00:00Z', {
      deploymentId: 'shop-d2',
      environment: 'production',
      service: 'shop',
      version: merged.slice(0, 7),
    });
    // Then the change counts to the deployment of its commit, from its first commit: 5 h, not 3.5 h
    const lead = await eventually(async () => {
      const response = await reader(
        'GET',
        `/v1/metrics/dora/evidence?metric=leadTimeForChanges&service=shop&${window}`,
      );
      return response.json?.items?.length === 1 && response.json.items[0].deploymentId === 'shop-d2'
        ? response.json
        : undefined;
    });
    expect(lead.items).toEqual([
      expect.objectContaining({
        changeId: 'shop-pr-1',
        sha: merged,
        deploymentId: 'shop-d2',
        startRule: 'change.first_commit',
        matchedBy: 'version',
        leadSeconds: 5 * 3600,
      }),
    ]);
  });
});
