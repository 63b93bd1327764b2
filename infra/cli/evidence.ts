import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ChangeItem,
  changeItem,
  populationOf,
  type ReportEvent,
  sampleOf,
} from '../../domain/audit/change-report.ts';
import type { LedgerEnvelope } from '../../domain/ledger/ledger-event.ts';
import type { InclusionProof } from '../../domain/ports/proof-source.ts';
import { type apiClient, CliError, failOnError } from './api-client.ts';

/**
 * The evidence pack of a change report: everything an auditor needs to check it without the ledger.
 *   report.json       the whole report (every page merged), with its population proof
 *   events.ndjson     `{seq, body}` per entry: the whole scanned range, the entries either side of it, and
 *                     every entry an item was computed from; `body` exactly as stored and hashed
 *   proofs.ndjson     an inclusion proof per entry, against the checkpoint
 *   checkpoint.txt    the signed checkpoint (C2SP signed note) the report was computed at
 *   key.txt           the verifier key (`<name>+<keyid>+<base64>`)
 */
export const PACK_FILES = {
  report: 'report.json',
  events: 'events.ndjson',
  proofs: 'proofs.ndjson',
  checkpoint: 'checkpoint.txt',
  key: 'key.txt',
} as const;

export interface ChangeReport {
  readonly window: { readonly from: string; readonly to: string; readonly environment: string };
  readonly population: {
    readonly fromSeq: number;
    readonly toSeq: number;
    readonly count: number;
    readonly treeSize: number;
    readonly checkpoint: string | null;
    readonly members?: readonly { readonly deploymentId: string; readonly seq: number }[];
  };
  readonly sample?: { readonly size: number; readonly seed: string };
  readonly items: readonly ChangeItem[];
}

export interface EvidencePack {
  readonly report: ChangeReport;
  readonly events: readonly { readonly seq: number; readonly body: string }[];
  readonly proofs: readonly InclusionProof[];
  readonly checkpoint: string;
  readonly key: string;
}

/** Checks a checkpoint's signature and one entry's inclusion: what the Merkle verifier provides. */
export interface ProofVerifier {
  /** The tree size and root of a checkpoint whose signature the key verifies, or why it does not. */
  checkpoint(text: string, key: string): { treeSize: number; rootHash: string } | { error: string };
  /** Undefined when `body` is the leaf the proof leads from to `rootHash`; otherwise why not. */
  inclusion(body: string, proof: InclusionProof, rootHash: string): string | undefined;
}

type Api = ReturnType<typeof apiClient>;

/** Inclusion proofs requested at once while writing a pack. */
const PROOF_CONCURRENCY = 8;

/** Fetches the report (every page, at one tree size), the entries, proofs, checkpoint and key. */
export async function fetchEvidence(
  api: Api,
  query: { from: string; to: string; environment: string; sample?: string; seed?: string },
  attempts = 3,
): Promise<EvidencePack> {
  for (let attempt = 1; ; attempt += 1) {
    const report = await fetchReport(api, query);
    // A report whose pages saw different checkpoints proves nothing as a whole: fetch it again.
    if (report === 'moved') {
      if (attempt >= attempts)
        throw new CliError('the ledger kept moving while the report was read; try again');
      continue;
    }
    const checkpoint = report.population.checkpoint;
    if (checkpoint === null)
      throw new CliError('the ledger has no signed checkpoint yet; try again after one is sealed');
    const seqs = new Set<number>();
    const { fromSeq, toSeq, treeSize } = report.population;
    for (let seq = Math.max(1, fromSeq - 1); seq <= Math.min(treeSize, toSeq + 1); seq += 1) seqs.add(seq);
    for (const item of report.items) for (const seq of item.evidence) seqs.add(seq);
    const events = await fetchEntries(
      api,
      [...seqs].sort((a, b) => a - b),
    );
    // One proof per entry (a range proof route would make this O(log n) for the range; see docs/audit.md).
    const proofs: InclusionProof[] = new Array(events.length);
    let next = 0;
    const worker = async () => {
      while (next < events.length) {
        const index = next++;
        const seq = (events[index] as { seq: number }).seq;
        const response = await api('GET', `/v1/audit/proof/inclusion?seq=${seq}&treeSize=${treeSize}`);
        failOnError(response, `inclusion proof of #${seq}`);
        proofs[index] = response.body as InclusionProof;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROOF_CONCURRENCY, events.length) }, worker));
    const key = await api('GET', '/v1/audit/public-key');
    failOnError(key, 'public key');
    return { report, events, proofs, checkpoint, key: String(key.body).trim() };
  }
}

async function fetchReport(
  api: Api,
  query: { from: string; to: string; environment: string; sample?: string; seed?: string },
): Promise<ChangeReport | 'moved'> {
  const items: ChangeItem[] = [];
  let first: ChangeReport | undefined;
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ from: query.from, to: query.to, environment: query.environment });
    params.set('limit', '200');
    if (cursor) params.set('cursor', cursor);
    const response = await api('GET', `/v1/audit/changes?${params}`);
    failOnError(response, 'change report');
    const page = response.body as ChangeReport & { next: string | null };
    if (first && page.population.checkpoint !== first.population.checkpoint) return 'moved';
    first ??= page;
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  if (!first) throw new CliError('the change report answered nothing');
  const { fromSeq, toSeq, treeSize, checkpoint } = first.population;
  // The sample is drawn here from the whole population, by the route's algorithm (sampleOf), so a
  // window too large for the route to sample in one answer can still be sampled.
  const size = query.sample === undefined ? undefined : Number(query.sample);
  if (size !== undefined && !(Number.isInteger(size) && size >= 1))
    throw new CliError('--sample must be a positive whole number', 64);
  const members = items.map((item) => ({ deploymentId: item.deploymentId, seq: item.seq }));
  const drawn =
    size !== undefined
      ? new Set(sampleOf(members, size, query.seed ?? '').map((m) => m.deploymentId))
      : undefined;
  return {
    window: first.window,
    population: {
      fromSeq,
      toSeq,
      count: items.length,
      treeSize,
      checkpoint,
      ...(size !== undefined ? { members } : {}),
    },
    ...(size !== undefined ? { sample: { size, seed: query.seed ?? '' } } : {}),
    items: drawn ? items.filter((item) => drawn.has(item.deploymentId)) : items,
  };
}

/** Entries exactly as stored, through the export route, one request per run of consecutive seqs. */
async function fetchEntries(api: Api, seqs: readonly number[]): Promise<{ seq: number; body: string }[]> {
  const runs: [number, number][] = [];
  for (const seq of seqs) {
    const last = runs.at(-1);
    if (last && seq === last[1] + 1) last[1] = seq;
    else runs.push([seq, seq]);
  }
  const entries: { seq: number; body: string }[] = [];
  for (const [from, to] of runs) {
    let next: number | null = from;
    while (next !== null) {
      const response = await api('GET', `/v1/audit/export?from=${next}&to=${to}&format=jsonl`);
      failOnError(response, `export of #${next}..#${to}`);
      const text = typeof response.body === 'string' ? response.body : `${JSON.stringify(response.body)}\n`;
      for (const line of text.split('\n').filter(Boolean)) {
        const { seq, body } = JSON.parse(line) as { seq: number; body: string };
        entries.push({ seq, body });
      }
      const more = response.headers.get('ledger-next-from');
      next = more ? Number(more) : null;
    }
  }
  return entries;
}

export function writeEvidence(dir: string, pack: EvidencePack): void {
  mkdirSync(dir, { recursive: true });
  const lines = (rows: readonly unknown[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  writeFileSync(join(dir, PACK_FILES.report), `${JSON.stringify(pack.report, null, 2)}\n`);
  writeFileSync(join(dir, PACK_FILES.events), lines(pack.events));
  writeFileSync(join(dir, PACK_FILES.proofs), lines(pack.proofs));
  writeFileSync(join(dir, PACK_FILES.checkpoint), pack.checkpoint);
  writeFileSync(join(dir, PACK_FILES.key), `${pack.key}\n`);
}

export function readEvidence(dir: string): EvidencePack {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      throw new CliError(`${join(dir, name)} is missing: not an evidence pack`);
    }
  };
  const lines = <T>(name: string): T[] =>
    read(name)
      .split('\n')
      .filter((line) => line.trim())
      .map((line, index) => {
        try {
          return JSON.parse(line) as T;
        } catch {
          throw new CliError(`${name} line ${index + 1} is not JSON`);
        }
      });
  let report: ChangeReport;
  try {
    report = JSON.parse(read(PACK_FILES.report)) as ChangeReport;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${PACK_FILES.report} is not JSON`);
  }
  return {
    report,
    events: lines(PACK_FILES.events),
    proofs: lines(PACK_FILES.proofs),
    checkpoint: read(PACK_FILES.checkpoint),
    key: read(PACK_FILES.key).trim(),
  };
}

export interface EvidenceVerdict {
  readonly ok: boolean;
  /** What was checked and held, in order. */
  readonly passed: readonly string[];
  readonly failures: readonly string[];
  readonly notes: readonly string[];
}

/**
 * Checks a pack offline: the checkpoint's signature; that every entry is the one at its seq (its body
 * names that seq) and hashes to a leaf whose proof leads to the checkpoint's root; that the pack holds
 * every entry of the scanned range and the entries either side show the range is the whole window;
 * that the population recomputed from those entries is exactly the report's (and the sample is the one
 * its seed draws); and that every item recomputed from the entries equals the report's item.
 */
export function verifyEvidence(pack: EvidencePack, verifier: ProofVerifier): EvidenceVerdict {
  const passed: string[] = [];
  const failures: string[] = [];
  const notes: string[] = [];
  const check = (ok: boolean, what: string, why: string) => {
    if (ok) passed.push(what);
    else failures.push(why);
    return ok;
  };
  const { report } = pack;
  const { population, window } = report;

  const signed = verifier.checkpoint(pack.checkpoint, pack.key);
  if ('error' in signed) {
    failures.push(`checkpoint: ${signed.error}`);
    return { ok: false, passed, failures, notes };
  }
  check(true, `checkpoint signature valid (tree size ${signed.treeSize})`, '');
  check(
    population.treeSize === signed.treeSize && population.checkpoint === pack.checkpoint,
    'the report was computed at this checkpoint',
    `the report names tree size ${population.treeSize}, the checkpoint ${signed.treeSize}, or another checkpoint text`,
  );

  // Every entry: its body names its seq, it hashes to its leaf and its proof leads to the root.
  const proofs = new Map(pack.proofs.map((proof) => [proof.seq, proof]));
  const events = new Map<number, ReportEvent>();
  let proven = 0;
  for (const { seq, body } of pack.events) {
    let envelope: LedgerEnvelope;
    try {
      envelope = JSON.parse(body) as LedgerEnvelope;
    } catch {
      failures.push(`#${seq}: the body is not JSON`);
      continue;
    }
    if (envelope.seq !== seq) {
      failures.push(`#${seq}: the body is the entry of seq ${String(envelope.seq)}`);
      continue;
    }
    const proof = proofs.get(seq);
    if (!proof) {
      failures.push(`#${seq}: no inclusion proof`);
      continue;
    }
    if (proof.treeSize !== signed.treeSize || proof.leafIndex !== seq - 1) {
      failures.push(`#${seq}: the proof is for leaf ${proof.leafIndex} of a tree of ${proof.treeSize}`);
      continue;
    }
    const wrong = verifier.inclusion(body, proof, signed.rootHash);
    if (wrong) {
      failures.push(`#${seq}: ${wrong}`);
      continue;
    }
    proven += 1;
    events.set(seq, envelope);
  }
  check(
    proven === pack.events.length,
    `${proven} entries hash to leaves whose proofs lead to the checkpoint's root`,
    `${pack.events.length - proven} of ${pack.events.length} entries are not proven`,
  );

  // The range is complete, and it is the whole window.
  const missing: number[] = [];
  for (let seq = population.fromSeq; seq <= population.toSeq; seq += 1)
    if (!events.has(seq)) missing.push(seq);
  check(
    missing.length === 0 && population.toSeq <= signed.treeSize,
    `every entry of the scanned range #${population.fromSeq}..#${population.toSeq} is present and proven`,
    `the range #${population.fromSeq}..#${population.toSeq} lacks ${missing.length} entries (first #${missing[0]})`,
  );
  const at = (seq: number) => Date.parse(events.get(seq)?.recordedAt ?? '');
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const startsRight =
    (population.fromSeq === 1 || at(population.fromSeq - 1) < from) &&
    (population.toSeq < population.fromSeq || at(population.fromSeq) >= from);
  const endsRight =
    (population.toSeq === signed.treeSize || at(population.toSeq + 1) >= to) &&
    (population.toSeq < population.fromSeq || at(population.toSeq) < to);
  check(
    startsRight && endsRight,
    'the entries either side of the range were recorded outside the window: the range is the whole window',
    `the range does not match the window ${window.from} .. ${window.to} by the recordedAt of its boundary entries`,
  );
  if (population.toSeq === signed.treeSize)
    notes.push(
      `the checkpoint ends inside the window (tree size ${signed.treeSize}): changes recorded after it are not covered`,
    );

  // The population recomputed from the range, and the sample its seed draws.
  const inRange = [...events.values()]
    .filter((e) => e.seq >= population.fromSeq && e.seq <= population.toSeq)
    .sort((a, b) => a.seq - b.seq);
  const recomputed = populationOf(inRange, window.environment);
  const ids = (list: readonly { deploymentId: string }[]) => list.map((m) => m.deploymentId).join('\n');
  if (report.sample) {
    check(
      population.members !== undefined && ids(population.members) === ids(recomputed),
      `the population of ${recomputed.length} changes recomputed from the range is the report's`,
      `the report's population differs from the ${recomputed.length} changes recomputed from the range`,
    );
    const drawn = sampleOf(recomputed, report.sample.size, report.sample.seed);
    check(
      ids(drawn) === ids(report.items),
      `the sample is the one seed ${JSON.stringify(report.sample.seed)} draws`,
      'the sample is not the one its seed draws from the population',
    );
    check(
      population.count === recomputed.length,
      `the population count ${population.count} matches`,
      `the population count ${population.count} is not the ${recomputed.length} recomputed`,
    );
  } else {
    check(
      ids(report.items) === ids(recomputed),
      `the ${recomputed.length} changes recomputed from the range are exactly the report's items`,
      `the report lists ${report.items.length} changes, the range holds ${recomputed.length}: ${difference(report.items, recomputed)}`,
    );
    check(
      population.count === recomputed.length && population.count === report.items.length,
      `the population count ${population.count} matches`,
      `the population count ${population.count} is not the ${recomputed.length} recomputed`,
    );
  }

  // Each item recomputed from the entries of its streams.
  let matching = 0;
  for (const item of report.items) {
    const stream = (name: string) =>
      [...events.values()].filter(
        (e) =>
          (e as unknown as LedgerEnvelope).stream === name ||
          (e as unknown as LedgerEnvelope).links?.some((link) => link.stream === name),
      );
    const deploymentEvents = stream(`deployment/${item.deploymentId}`);
    const releaseId = deploymentEvents
      .filter((e) => e.data.deploymentId === item.deploymentId && typeof e.data.releaseId === 'string')
      .map((e) => String(e.data.releaseId))
      .at(-1);
    const again = changeItem({
      deploymentId: item.deploymentId,
      environment: window.environment,
      range: population,
      deploymentEvents,
      releaseEvents: releaseId ? stream(`release/${releaseId}`) : [],
    });
    const { inclusionProof: _proof, ...claimed } = item as ChangeItem & { inclusionProof?: unknown };
    if (JSON.stringify(again) === JSON.stringify(claimed)) matching += 1;
    else
      failures.push(
        `${item.deploymentId}: the item differs from what its events say (${firstDifference(claimed, again)})`,
      );
  }
  check(
    matching === report.items.length,
    `all ${matching} items match what their events say`,
    `${report.items.length - matching} items do not match their events`,
  );
  return { ok: failures.length === 0, passed, failures, notes };
}

function difference(
  items: readonly { deploymentId: string }[],
  recomputed: readonly { deploymentId: string }[],
) {
  const listed = new Set(items.map((i) => i.deploymentId));
  const actual = new Set(recomputed.map((i) => i.deploymentId));
  const omitted = [...actual].filter((id) => !listed.has(id));
  const extra = [...listed].filter((id) => !actual.has(id));
  return (
    [
      omitted.length ? `missing ${omitted.join(', ')}` : '',
      extra.length ? `not in the range ${extra.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ') || 'in another order'
  );
}

function firstDifference(claimed: object, actual: object | undefined): string {
  if (!actual) return 'its events hold no change in the range';
  const a = claimed as Record<string, unknown>;
  const b = actual as Record<string, unknown>;
  const key = [...new Set([...Object.keys(a), ...Object.keys(b)])].find(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
  return key ? `${key}: report ${JSON.stringify(a[key])}, events ${JSON.stringify(b[key])}` : 'field order';
}
