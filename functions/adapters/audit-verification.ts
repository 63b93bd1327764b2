import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { VerificationResult } from '../../domain/ledger/hash-chain.ts';
import type { FunctionConfig } from '../config.ts';
import { documentClient } from './dynamodb-document-client.ts';
import { DynamoDbLedgerEntries } from './dynamodb-ledger-entries.ts';
import { stateKeys } from './ledger-tables.ts';
import { verifyLedgerSnapshot } from './ledger-verification.ts';
import { merkleTree } from './merkle-adapters.ts';
import { callStorage } from './storage-errors.ts';

/** Entries one GET /v1/audit/verify re-hashes at most past the last verified checkpoint (well under 2 s). */
export const INCREMENTAL_LIMIT = 5_000;
/** Entries a full-verification job checks between progress writes. */
const JOB_CHUNK = 10_000;

/** The bus event that starts (or continues) a full verification job. */
export const VERIFICATION_SOURCE = 'release-ledger.audit';
export const VERIFICATION_REQUESTED = 'verification.requested';

export interface CheckpointSummary {
  readonly size: number;
  readonly rootHash: string;
  readonly signedAt: string;
}

export type IncrementalVerification =
  | (Extract<VerificationResult, { ok: true }> & {
      readonly from: number;
      /** Whether the walk reached the ledger head (false: the tree lags by more than one call checks). */
      readonly complete: boolean;
      readonly ledgerHead: number;
      readonly checkpoint: CheckpointSummary | null;
      readonly lastFullVerification: VerificationJob | null;
    })
  | (Extract<VerificationResult, { ok: false }> & {
      readonly from: number;
      readonly checkpoint: CheckpointSummary | null;
      readonly lastFullVerification: VerificationJob | null;
    });

/**
 * Verifies the chain from the last verified checkpoint (the Merkle tree's size, every link up to which
 * was verified as the tree was extended) to the head, at most INCREMENTAL_LIMIT entries, so the answer
 * takes bounded time at any ledger size. The checkpoint's own link is re-read and compared with the hash
 * the tree verified, so a history rewritten consistently behind the tree is caught here too; an edit
 * inside the covered range that leaves the link at the checkpoint intact is left to the full job.
 */
export async function verifyIncrementally(
  config: FunctionConfig,
  tenant: string,
): Promise<IncrementalVerification> {
  const tree = merkleTree(config);
  const entries = new DynamoDbLedgerEntries({ client: documentClient(config), ...config });
  const [state, lastFull] = await Promise.all([
    tree.state(tenant),
    latestJob(documentClient(config), config, tenant),
  ]);
  const checkpoint: CheckpointSummary | null =
    state?.signedAt && state.size > 0
      ? { size: state.size, rootHash: state.rootHash, signedAt: state.signedAt }
      : null;
  const start = state ? { seq: state.size, chainHash: state.chainHash } : undefined;
  const from = (start?.seq ?? 0) + 1;
  if (start && start.seq > 0) {
    const [link] = await entries.entries(tenant, start.seq - 1, start.seq, 1);
    if (!link || link.chainHash !== start.chainHash) {
      return {
        ok: false,
        checked: start.seq - 1,
        firstBadSeq: start.seq,
        reason: link
          ? 'chainHash differs from the one verified when the checkpoint was signed'
          : 'the event at the last verified checkpoint is missing',
        from,
        checkpoint,
        lastFullVerification: lastFull,
      };
    }
  }
  const result = await verifyLedgerSnapshot(entries, tenant, {
    ...(start ? { start } : {}),
    maxEntries: INCREMENTAL_LIMIT,
  });
  if (!result.ok) return { ...result, from, checkpoint, lastFullVerification: lastFull };
  const head = (await entries.head(tenant))?.seq ?? 0;
  return {
    ...result,
    from,
    complete: result.head.seq >= head,
    ledgerHead: head,
    checkpoint,
    lastFullVerification: lastFull,
  };
}

export interface VerificationJob {
  readonly id: string;
  readonly status: 'queued' | 'running' | 'done';
  readonly requestedAt: string;
  readonly updatedAt: string;
  /** The last seq verified so far (progress), and the ledger head when the job started. */
  readonly checked: number;
  readonly target: number;
  readonly result?: VerificationResult | undefined;
  readonly completedAt?: string | undefined;
}

interface JobItem extends VerificationJob {
  readonly lastGood: { readonly seq: number; readonly chainHash: string };
}

const LATEST = 'latest';

function jobOf(record: object): VerificationJob {
  const item = record as Record<string, unknown>;
  return {
    id: String(item.id),
    status: item.status as VerificationJob['status'],
    requestedAt: String(item.requestedAt),
    updatedAt: String(item.updatedAt),
    checked: Number(item.checked),
    target: Number(item.target),
    ...(item.result ? { result: item.result as VerificationResult } : {}),
    ...(item.completedAt ? { completedAt: String(item.completedAt) } : {}),
  };
}

async function getJobItem(
  client: DynamoDBDocumentClient,
  config: FunctionConfig,
  tenant: string,
  id: string,
): Promise<JobItem | undefined> {
  const { Item } = await callStorage(() =>
    client.send(
      new GetCommand({
        TableName: config.stateTable,
        Key: stateKeys.verificationJob(tenant, id),
        ConsistentRead: true,
      }),
    ),
  );
  return Item ? ({ ...jobOf(Item), lastGood: Item.lastGood } as JobItem) : undefined;
}

async function latestJob(
  client: DynamoDBDocumentClient,
  config: FunctionConfig,
  tenant: string,
): Promise<VerificationJob | null> {
  const item = await getJobItem(client, config, tenant, LATEST);
  return item ? jobOf(item) : null;
}

export async function getVerificationJob(
  config: FunctionConfig,
  tenant: string,
  id: string,
): Promise<VerificationJob | undefined> {
  const item = await getJobItem(documentClient(config), config, tenant, id);
  return item ? jobOf(item) : undefined;
}

async function putJob(client: DynamoDBDocumentClient, config: FunctionConfig, tenant: string, job: JobItem) {
  await callStorage(() =>
    client.send(
      new PutCommand({
        TableName: config.stateTable,
        Item: { ...stateKeys.verificationJob(tenant, job.id), ...job },
      }),
    ),
  );
  if (job.status === 'done') {
    await callStorage(() =>
      client.send(
        new PutCommand({
          TableName: config.stateTable,
          Item: { ...stateKeys.verificationJob(tenant, LATEST), ...job },
        }),
      ),
    );
  }
}

/** Records a queued job, for runVerificationJob to run. */
export async function createVerificationJob(
  config: FunctionConfig,
  tenant: string,
  now: Date,
): Promise<VerificationJob> {
  const client = documentClient(config);
  const target = (await new DynamoDbLedgerEntries({ client, ...config }).head(tenant))?.seq ?? 0;
  const at = now.toISOString();
  const job: JobItem = {
    id: randomUUID(),
    status: 'queued',
    requestedAt: at,
    updatedAt: at,
    checked: 0,
    target,
    lastGood: { seq: 0, chainHash: '0'.repeat(64) },
  };
  await putJob(client, config, tenant, job);
  return jobOf(job);
}

/**
 * Runs (or continues) a full verification from seq 1: chunk by chunk from the last good link, saving
 * progress after each, so a run that nears its time limit hands the rest to a fresh invocation through
 * the bus. The result is the same fold the whole-ledger verify computes, reported at the first bad seq.
 */
export async function runVerificationJob(
  config: FunctionConfig,
  tenant: string,
  id: string,
  shouldStop: () => boolean,
  /** Hands the rest of the job to a fresh invocation (the bus, on both runtimes). */
  continueLater: () => Promise<void>,
  now: () => Date = () => new Date(),
): Promise<VerificationJob | undefined> {
  const client = documentClient(config);
  let job = await getJobItem(client, config, tenant, id);
  if (!job || job.status === 'done') return job;
  const entries = new DynamoDbLedgerEntries({ client, ...config });
  for (;;) {
    const result = await verifyLedgerSnapshot(entries, tenant, {
      start: job.lastGood,
      maxEntries: JOB_CHUNK,
    });
    const updatedAt = now().toISOString();
    if (!result.ok) {
      job = { ...job, status: 'done', updatedAt, completedAt: updatedAt, checked: result.checked, result };
      break;
    }
    const head = (await entries.head(tenant))?.seq ?? 0;
    const reached = result.head.seq >= head;
    job = {
      ...job,
      status: reached ? 'done' : 'running',
      updatedAt,
      checked: result.head.seq,
      lastGood: { seq: result.head.seq, chainHash: result.head.hash },
      ...(reached ? { completedAt: updatedAt, result: { ...result, checked: result.head.seq } } : {}),
    };
    if (reached) break;
    await putJob(client, config, tenant, job);
    if (shouldStop()) {
      await continueLater();
      return jobOf(job);
    }
  }
  await putJob(client, config, tenant, job);
  return jobOf(job);
}
