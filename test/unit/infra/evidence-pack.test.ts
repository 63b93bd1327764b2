import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changeItem, populationOf, type ReportEvent, sampleOf } from '../../../domain/audit/change-report.ts';
import { windowRange } from '../../../domain/audit/population.ts';
import { canonicalJson } from '../../../domain/ledger/canonical-json.ts';
import { formatVerifierKey, signCheckpoint, verifierKey } from '../../../domain/ledger/checkpoint.ts';
import type { LedgerEnvelope, LedgerEventType, StreamName } from '../../../domain/ledger/ledger-event.ts';
import { inclusionProof, leafHash, memoryNodeReader, treeRoot } from '../../../domain/ledger/merkle.ts';
import { streamsOf } from '../../../domain/ledger/streams.ts';
import type { InclusionProof } from '../../../domain/ports/proof-source.ts';
import { type EvidencePack, verifyEvidence, writeEvidence } from '../../../infra/cli/evidence.ts';
import { evidenceProofVerifier } from '../../../infra/cli/evidence-proofs.ts';

const T = Date.parse('2026-11-01T00:00:00Z');
const at = (hours: number) => new Date(T + hours * 3_600_000).toISOString();
const window = { from: at(0), to: at(24), environment: 'production' };
const ORIGIN = 'release-ledger/acme';

/** A ledger of real envelopes (streams and links as the ledger derives them), as canonical bodies. */
function ledger(steps: [LedgerEventType, Record<string, unknown>, number][]) {
  const versions = new Map<StreamName, number>();
  const next = (stream: StreamName) => {
    const version = (versions.get(stream) ?? 0) + 1;
    versions.set(stream, version);
    return version;
  };
  return steps.map(([type, data, hours], index): LedgerEnvelope => {
    const [own, ...links] = streamsOf({
      source: 'ci',
      id: `e${index + 1}`,
      type,
      data,
      original: { format: 'cloudevent', payload: null },
      payloadHash: 'x',
    });
    return {
      tenant: 'acme',
      seq: index + 1,
      stream: own,
      version: next(own),
      links: links.map((stream) => ({ stream, version: next(stream) })),
      type,
      source: 'https://ci.example.com',
      id: `e${index + 1}`,
      occurredAt: at(hours),
      recordedAt: at(hours),
      data,
      original: { format: 'cloudevent', payload: null },
    };
  });
}

const r1 = { releaseId: 'r1', service: 'api', version: '1.0' };
const prod = { environment: 'production', releaseId: 'r1' };
const envelopes = ledger([
  ['release.created', { ...r1, commits: [{ sha: 'a', timestamp: at(-50), author: 'ana' }] }, -48],
  ['approval.granted', { releaseId: 'r1', environment: 'production', approver: 'bruno' }, -24],
  ['deployment.started', { ...prod, deploymentId: 'd1' }, 1],
  ['deployment.succeeded', { ...prod, deploymentId: 'd1', deployedBy: 'ci-bot' }, 2],
  ['deployment.succeeded', { ...prod, deploymentId: 'd2', emergency: true }, 3],
  ['review.completed', { deploymentId: 'd2', reviewer: 'rui' }, 4],
  ['deployment.succeeded', { environment: 'staging', releaseId: 'r1', deploymentId: 'd3' }, 5],
  ['deployment.started', { ...prod, deploymentId: 'd4' }, 6],
  ['deployment.started', { ...prod, deploymentId: 'd5' }, 7],
  [
    'incident.opened',
    { incidentId: 'i1', service: 'api', environment: 'production', severity: 'sev2', deploymentId: 'd1' },
    30,
  ],
]);

async function pack(options: { sample?: { size: number; seed: string } } = {}): Promise<EvidencePack> {
  const bodies = envelopes.map((e) => canonicalJson(e));
  const read = memoryNodeReader(bodies.map((body) => leafHash(body)));
  const treeSize = bodies.length;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const checkpoint = await signCheckpoint(
    { publicKey: async () => raw, sign: async (message) => sign(null, message, privateKey) },
    { origin: ORIGIN, size: treeSize, rootHash: treeRoot(read, treeSize), extensions: [] },
  );
  const range = await windowRange(window, treeSize, async (seq) => envelopes[seq - 1]?.recordedAt ?? '');
  const events: ReportEvent[] = envelopes;
  const inRange = events.filter((e) => e.seq >= range.fromSeq && e.seq <= range.toSeq);
  const members = populationOf(inRange, 'production');
  const stream = (name: string) =>
    envelopes.filter((e) => e.stream === name || e.links.some((l) => l.stream === name));
  const listed = options.sample ? sampleOf(members, options.sample.size, options.sample.seed) : members;
  const items = listed.map((m) => {
    const item = changeItem({
      deploymentId: m.deploymentId,
      environment: 'production',
      range,
      deploymentEvents: stream(`deployment/${m.deploymentId}`),
      releaseEvents: stream('release/r1'),
    });
    if (!item) throw new Error('no item');
    return item;
  });
  const seqs = new Set<number>();
  for (let seq = Math.max(1, range.fromSeq - 1); seq <= Math.min(treeSize, range.toSeq + 1); seq += 1)
    seqs.add(seq);
  for (const item of items) for (const seq of item.evidence) seqs.add(seq);
  const sorted = [...seqs].sort((a, b) => a - b);
  const proofOf = (seq: number): InclusionProof => ({
    seq,
    treeSize,
    leafIndex: seq - 1,
    hashes: inclusionProof(read, seq - 1, treeSize).map((h) => h.toString('base64')),
  });
  return {
    report: {
      window,
      population: {
        fromSeq: range.fromSeq,
        toSeq: range.toSeq,
        count: members.length,
        treeSize,
        checkpoint,
        ...(options.sample ? { members } : {}),
      },
      ...(options.sample ? { sample: options.sample } : {}),
      items,
    },
    events: sorted.map((seq) => ({ seq, body: bodies[seq - 1] as string })),
    proofs: sorted.map(proofOf),
    checkpoint,
    key: formatVerifierKey(verifierKey(ORIGIN, raw)),
  };
}

const verdictOf = (p: EvidencePack) => verifyEvidence(p, evidenceProofVerifier);

describe('verify-evidence, offline', () => {
  it('verifies an honest pack: every check named, nothing failing', async () => {
    const honest = await pack();
    expect(honest.report.items.map((i) => i.deploymentId)).toEqual(['d1', 'd2', 'd4', 'd5']);
    const verdict = verdictOf(honest);
    expect(verdict.failures).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.passed).toContain('the population count 4 matches');
  });

  it('fails when a change is left out of the report', async () => {
    const p = await pack();
    const removed = {
      ...p,
      report: {
        ...p.report,
        population: { ...p.report.population, count: 3 },
        items: p.report.items.filter((i) => i.deploymentId !== 'd4'),
      },
    };
    const verdict = verdictOf(removed);
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(/missing d4/);
  });

  it('fails when the change is left out of the entries too', async () => {
    const p = await pack();
    const removed = {
      ...p,
      report: {
        ...p.report,
        population: { ...p.report.population, count: 3 },
        items: p.report.items.filter((i) => i.deploymentId !== 'd4'),
      },
      events: p.events.filter((e) => e.seq !== 8),
      proofs: p.proofs.filter((e) => e.seq !== 8),
    };
    expect(verdictOf(removed).failures.join('\n')).toMatch(/lacks 1 entries \(first #8\)/);
  });

  it('fails when the window is narrowed to drop the first change', async () => {
    const p = await pack();
    const narrowed = {
      ...p,
      report: {
        ...p.report,
        population: { ...p.report.population, fromSeq: 4, count: 3 },
        items: p.report.items.filter((i) => i.deploymentId !== 'd1'),
      },
    };
    expect(verdictOf(narrowed).failures.join('\n')).toMatch(/does not match the window/);
  });

  it('fails when an entry is edited', async () => {
    const p = await pack();
    const edited = {
      ...p,
      events: p.events.map((e) => (e.seq === 2 ? { ...e, body: e.body.replace('bruno', 'carla') } : e)),
    };
    const verdict = verdictOf(edited);
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join('\n')).toMatch(/#2: the proof does not lead to the root hash/);
  });

  it('fails when an item says what its events do not', async () => {
    const p = await pack();
    const [first, ...rest] = p.report.items;
    if (!first) throw new Error('no items');
    const lying = {
      ...p,
      report: { ...p.report, items: [{ ...first, separationOfDuties: 'no_approval' as const }, ...rest] },
    };
    expect(verdictOf(lying).failures.join('\n')).toMatch(/d1: the item differs .*separationOfDuties/);
  });

  it('fails when two proofs are swapped', async () => {
    const p = await pack();
    const a = p.proofs.find((x) => x.seq === 3);
    const b = p.proofs.find((x) => x.seq === 4);
    if (!a || !b) throw new Error('no proofs');
    const swapped = {
      ...p,
      proofs: p.proofs.map((x) =>
        x.seq === 3 ? { ...b, seq: 3, leafIndex: 2 } : x.seq === 4 ? { ...a, seq: 4, leafIndex: 3 } : x,
      ),
    };
    const verdict = verdictOf(swapped);
    expect(verdict.failures.filter((f) => /^#[34]: /.test(f))).toHaveLength(2);
    const relabelled = { ...p, proofs: p.proofs.map((x) => (x.seq === 3 ? { ...b, seq: 3 } : x)) };
    expect(verdictOf(relabelled).failures.join('\n')).toMatch(/#3: the proof is for leaf 3/);
  });

  it('fails on a checkpoint another key signed, or a key of another origin', async () => {
    const p = await pack();
    const other = await pack();
    expect(verdictOf({ ...p, key: other.key }).failures[0]).toMatch(/^checkpoint: /);
    expect(verdictOf({ ...p, checkpoint: other.checkpoint }).ok).toBe(false);
  });

  it('verifies a sample its seed draws, and fails one with a member swapped in', async () => {
    const p = await pack({ sample: { size: 2, seed: 'FY26' } });
    expect(verdictOf(p).failures).toEqual([]);
    const drawn = new Set(p.report.items.map((i) => i.deploymentId));
    const other = (await pack()).report.items.find((i) => !drawn.has(i.deploymentId));
    if (!other) throw new Error('no other member');
    const steered = { ...p, report: { ...p.report, items: [other, ...p.report.items.slice(1)] } };
    expect(verdictOf(steered).failures.join('\n')).toMatch(/not the one its seed draws/);
  });
});

/** Runs the real CLI on a pack directory, offline (no URL, no token). */
function verifyCli(dir: string): Promise<{ code: number; stdout: string }> {
  const cli = resolve(import.meta.dirname, '../../../infra/cli/release-ledger.mjs');
  return new Promise((done) =>
    execFile(process.execPath, [cli, 'verify-evidence', dir], (error, stdout) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    ),
  );
}

describe('release-ledger verify-evidence DIR', () => {
  it('prints each check and exits 0 on an honest pack, 1 with the failure named once a file is edited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-evidence-'));
    writeEvidence(dir, await pack());
    const honest = await verifyCli(dir);
    expect(honest.code).toBe(0);
    expect(honest.stdout).toMatch(/✓ checkpoint signature valid \(tree size 10\)/);
    expect(honest.stdout).toMatch(/evidence verified: /);

    const events = join(dir, 'events.ndjson');
    writeFileSync(events, readFileSync(events, 'utf8').replace('ci-bot', 'ci-bod'));
    const edited = await verifyCli(dir);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/✗ #4: the proof does not lead to the root hash/);
    expect(edited.stdout).toMatch(/EVIDENCE DOES NOT VERIFY/);
  }, 60_000);
});
