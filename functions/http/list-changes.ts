import {
  type ChangeItem,
  changeItem,
  isPopulationEvent,
  POPULATION_EVENT_TYPES,
  type ReportEvent,
  sampleOf,
} from '../../domain/audit/change-report.ts';
import { type SeqRange, windowRange } from '../../domain/audit/population.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import { InvalidCursorError } from '../../domain/ports/event-store.ts';
import type { SignedCheckpoint } from '../../domain/ports/proof-source.ts';
import { adapters } from '../adapters/clients.ts';
import { documentClient } from '../adapters/dynamodb-document-client.ts';
import { DynamoDbLedgerEntries, type RawLedgerEntry } from '../adapters/dynamodb-ledger-entries.ts';
import { proofSource } from '../adapters/proof-source.ts';
import { authorize } from './authorize.ts';
import { type ChangesQuery, ChangesQuerySchema } from './changes-query.ts';
import { csvLine } from './csv-cells.ts';
import { httpApi, json } from './http-api.ts';
import { badRequest } from './http-error.ts';
import { queryParams } from './query-params.ts';
import { itemsWithinBudget } from './response-budget.ts';

/** Ledger entries one request reads at most while scanning the window (a Query of 1,000 takes ~1 MB). */
export const MAX_SCAN_ENTRIES = 50_000;
const SCAN_PAGE = 1000;
/** Streams read at once while building items: each item reads its deployment's and its release's. */
const READ_CONCURRENCY = 8;

/**
 * GET /v1/audit/changes — the production changes of a window (every deployment that started or
 * succeeded there, by ledger `recordedAt`), each judged for separation of duties, tests, gate and
 * emergency review, with the population proof: the seq range the window is, the range this answer
 * scanned, how many changes it holds, and the checkpoint that covers it.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const query = queryParams(event, ChangesQuerySchema);
  const { config, eventStore } = adapters();
  const ledger = new DynamoDbLedgerEntries({ client: documentClient(config), ...config });
  const proofs = proofSource(adapters());

  // Only what a signed checkpoint covers is reported, so the answer can be proven and reproduced.
  const checkpoint = await proofs.latestCheckpoint(tenant);
  const treeSize = checkpoint?.treeSize ?? 0;
  const entryAt = async (seq: number) => (await ledger.entries(tenant, seq - 1, seq, 1))[0];
  const range = await windowRange(query, treeSize, async (seq) => (await entryAt(seq))?.recordedAt ?? '');
  const start = query.cursor === undefined ? range.fromSeq - 1 : cursorSeq(query.cursor, range);

  const size = range.toSeq - range.fromSeq + 1;
  if (query.sample !== undefined && size > MAX_SCAN_ENTRIES) {
    throw badRequest('the window is too large to sample in one answer', [
      {
        path: ['query', 'from'],
        message: `the window holds ${size} ledger entries; a sample scans them all and may scan at most ${MAX_SCAN_ENTRIES}: narrow the window`,
      },
    ]);
  }
  const scan = await scanPopulation(
    ledger,
    tenant,
    query,
    start,
    range.toSeq,
    query.sample ? size : undefined,
  );
  const members =
    query.sample && query.seed ? sampleOf(scan.members, query.sample, query.seed) : scan.members;

  const readStream = async (stream: string): Promise<ReportEvent[]> =>
    (await eventStore.readStream(tenant, stream as `deployment/${string}`)).filter((e) => e.seq <= treeSize);
  const built = await mapLimit(members, READ_CONCURRENCY, async (member) => {
    const deploymentEvents = await readStream(streamName('deployment', member.deploymentId));
    const releaseId = deploymentEvents
      .filter((e) => e.data.deploymentId === member.deploymentId && typeof e.data.releaseId === 'string')
      .map((e) => String(e.data.releaseId))
      .at(-1);
    const releaseEvents = releaseId ? await readStream(streamName('release', releaseId)) : [];
    return changeItem({
      deploymentId: member.deploymentId,
      environment: query.environment,
      range,
      deploymentEvents,
      releaseEvents,
    });
  });
  // A deployment whose first change in the window lies on an earlier page was listed there.
  const items = built.filter((item): item is ChangeItem => item !== undefined && item.seq > start);

  let listed = items;
  let scannedTo = scan.scannedTo;
  if (query.sample === undefined) {
    const fit = Math.min(itemsWithinBudget(items), items.length);
    if (fit < items.length) {
      listed = items.slice(0, fit);
      scannedTo = (items[fit]?.seq ?? scannedTo + 1) - 1;
    }
  }
  const proofsOf =
    query.sample !== undefined && checkpoint
      ? await mapLimit(listed, READ_CONCURRENCY, (item) => proofs.inclusionProof(tenant, item.seq, treeSize))
      : undefined;

  const next = query.sample === undefined && scannedTo < range.toSeq ? encodeCursor(scannedTo) : null;
  const count = query.sample !== undefined ? scan.members.length : listed.length;
  const population = populationProof(
    range,
    { fromSeq: start + 1, toSeq: scannedTo },
    count,
    treeSize,
    checkpoint,
  );
  const bounds = {
    before: range.fromSeq > 1 ? await boundary(entryAt, range.fromSeq - 1) : null,
    after: range.toSeq < treeSize ? await boundary(entryAt, range.toSeq + 1) : null,
  };
  if (query.format === 'csv') return csv(listed, population, next);
  return json(200, {
    window: { from: query.from, to: query.to, environment: query.environment },
    population: {
      ...population,
      ...bounds,
      ...(query.sample !== undefined ? { members: scan.members } : {}),
    },
    ...(query.sample !== undefined
      ? { sample: { size: query.sample, seed: query.seed, algorithm: SAMPLE_ALGORITHM } }
      : {}),
    items: listed.map((item, index) => (proofsOf ? { ...item, inclusionProof: proofsOf[index] } : item)),
    next,
  });
});

export const SAMPLE_ALGORITHM =
  'the members with the smallest SHA-256(utf8(seed + "\\n" + deploymentId)) as lowercase hex, listed in seq order';

/**
 * Reads the ledger after `start` up to `toSeq` (at most MAX_SCAN_ENTRIES entries) and keeps each
 * deployment at its first population event. Only started/succeeded entries are parsed: the entry's
 * `type` is stored beside its body. Without `all`, it stops once `limit` changes are found.
 */
async function scanPopulation(
  ledger: DynamoDbLedgerEntries,
  tenant: string,
  query: ChangesQuery,
  start: number,
  toSeq: number,
  all: number | undefined,
): Promise<{ members: { deploymentId: string; seq: number }[]; scannedTo: number }> {
  const members = new Map<string, number>();
  const result = (scannedTo: number) => ({
    members: [...members].map(([deploymentId, seq]) => ({ deploymentId, seq })),
    scannedTo,
  });
  let after = start;
  let scanned = 0;
  const budget = all ?? MAX_SCAN_ENTRIES;
  while (after < toSeq && scanned < budget) {
    const page = await ledger.entries(tenant, after, toSeq, Math.min(SCAN_PAGE, budget - scanned));
    if (page.length === 0) break;
    for (const entry of page) {
      scanned += 1;
      after = entry.seq;
      if (!POPULATION_EVENT_TYPES.includes(entry.type)) continue;
      const envelope = reportEvent(entry);
      if (!isPopulationEvent(envelope, query.environment)) continue;
      const id = String(envelope.data.deploymentId);
      if (members.has(id)) continue;
      // A page ends before the change that would exceed it, so the next page starts with that change.
      if (all === undefined && members.size === query.limit) return result(entry.seq - 1);
      members.set(id, entry.seq);
    }
  }
  return result(after);
}

function reportEvent(entry: RawLedgerEntry): ReportEvent {
  const body = JSON.parse(entry.body) as ReportEvent;
  return { ...body, seq: entry.seq };
}

async function boundary(
  entryAt: (seq: number) => Promise<RawLedgerEntry | undefined>,
  seq: number,
): Promise<{ seq: number; recordedAt: string } | null> {
  const entry = await entryAt(seq);
  return entry ? { seq, recordedAt: entry.recordedAt } : null;
}

interface PopulationProof {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly scanned: SeqRange;
  readonly count: number;
  readonly treeSize: number;
  readonly checkpoint: string | null;
}

function populationProof(
  range: SeqRange,
  scanned: SeqRange,
  count: number,
  treeSize: number,
  checkpoint: SignedCheckpoint | undefined,
): PopulationProof {
  return {
    fromSeq: range.fromSeq,
    toSeq: range.toSeq,
    scanned,
    count,
    treeSize,
    checkpoint: checkpoint?.text ?? null,
  };
}

const CSV_HEADER = [
  'deploymentId',
  'seq',
  'recordedAt',
  'service',
  'version',
  'releaseId',
  'outcome',
  'actors',
  'authors',
  'approvers',
  'separationOfDuties',
  'tests',
  'testsOutcome',
  'gateDecision',
  'policyVersion',
  'emergency',
  'reviewStatus',
  'reviewer',
  'reviewUrl',
  'incidents',
  'rolledBackBy',
  'rollbackOf',
];

/** One row per change; the population proof travels in headers (the checkpoint base64, being multi-line). */
function csv(items: readonly ChangeItem[], population: PopulationProof, next: string | null) {
  const rows = items.map((item) =>
    csvLine([
      item.deploymentId,
      item.seq,
      item.recordedAt,
      item.service,
      item.version,
      item.releaseId,
      item.outcome,
      item.actors.map((a) => (a.actor ? `${a.source} (${a.actor})` : a.source)).join('; '),
      item.authors.join('; '),
      item.approvals.map((a) => a.approver).join('; '),
      item.separationOfDuties,
      item.tests.map((t) => `${t.suite}:${t.passed ? 'passed' : 'failed'}`).join('; '),
      item.testsOutcome,
      item.gate.decision,
      item.gate.policyVersion,
      item.emergency,
      item.review.status,
      item.review.reviewer,
      item.review.url,
      item.incidents.map((i) => i.incidentId).join('; '),
      item.rollback.rolledBackBy,
      item.rollback.rollbackOf,
    ]),
  );
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'ledger-population-from-seq': String(population.fromSeq),
      'ledger-population-to-seq': String(population.toSeq),
      'ledger-scanned-from-seq': String(population.scanned.fromSeq),
      'ledger-scanned-to-seq': String(population.scanned.toSeq),
      'ledger-population-count': String(population.count),
      'ledger-tree-size': String(population.treeSize),
      ...(population.checkpoint
        ? { 'ledger-checkpoint': Buffer.from(population.checkpoint, 'utf8').toString('base64') }
        : {}),
      ...(next ? { 'ledger-next-cursor': next } : {}),
    },
    body: `${[csvLine(CSV_HEADER), ...rows].join('\n')}\n`,
  };
}

/** A cursor is the last seq an answer scanned; it must lie inside this window's range. */
function encodeCursor(seq: number): string {
  return Buffer.from(`changes:${seq}`, 'utf8').toString('base64url');
}

function cursorSeq(cursor: string, range: SeqRange): number {
  const match = /^changes:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const seq = match ? Number(match[1]) : Number.NaN;
  if (!(seq >= range.fromSeq - 1 && seq <= range.toSeq))
    throw new InvalidCursorError('the cursor does not belong to this list and window');
  return seq;
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
