import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseCheckpointText } from '../domain/ledger/checkpoint.ts';
import { verifyConsistency, verifyLeafInclusion } from '../domain/ledger/merkle.ts';
import { verifyIncrementally } from '../functions/adapters/audit-verification.ts';
import { DynamoDbEventStore } from '../functions/adapters/dynamodb-event-store.ts';
import { DynamoDbLedgerEntries } from '../functions/adapters/dynamodb-ledger-entries.ts';
import { DynamoDbMerkleTree } from '../functions/adapters/dynamodb-merkle-tree.ts';
import { LocalNoteSigner } from '../functions/adapters/local-note-signer.ts';
import { readConfig } from '../functions/config.ts';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local.ts';
import { ensureLedgerTables } from '../infra/local/ledger-tables-local.ts';
import { bulkLoad } from './bulk-load.ts';
import { median, percentile, round } from './stats.ts';
import { syntheticHistory } from './synthetic-history.ts';

export interface MerkleRun {
  readonly events: number;
  /** Building the tree from empty over the whole history (the tree reaction's catch-up rate). */
  readonly treeBuild: { readonly seconds: number; readonly leavesPerSec: number };
  /** GET /v1/audit/proof/inclusion's work (storage reads + hashing), per proof. */
  readonly inclusionProofMs: { readonly p50: number; readonly p95: number };
  readonly consistencyProofMs: { readonly p50: number; readonly p95: number };
  /** Offline verification (verify-event's maths, checkpoint parsing excluded), per proof. */
  readonly verifyInclusionMs: { readonly p50: number };
  readonly verifyConsistencyMs: { readonly p50: number };
  /** GET /v1/audit/verify's work with the tree current but `behind` events appended since. */
  readonly boundedVerifyMs: { readonly p50: number; readonly behind: number };
  /** The append path, side by side: appendEvents alone, and with the tree extended after each append. */
  readonly append: {
    readonly batches: number;
    readonly appendAloneMsP50: number;
    readonly appendWhileTreeExtendsMsP50: number;
    readonly treeExtendAfterAppendMsP50: number;
  };
}

const REPETITIONS = 50;

/** Proofs, verification and the tree's cost at each history size (`--only merkle --sizes 100000`). */
export async function benchMerkle(sizes: readonly number[]): Promise<Record<string, MerkleRun>> {
  const dynamoDb = await startDynamoDbLocal({ javaOptions: ['-Xmx8g'] });
  const client = new DynamoDBClient({
    endpoint: dynamoDb.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tables = { eventsTable: 'bench-events', stateTable: 'bench-state' };
  await ensureLedgerTables(client, tables);
  Object.assign(process.env, {
    LEDGER_EVENTS_TABLE: tables.eventsTable,
    LEDGER_STATE_TABLE: tables.stateTable,
    LEDGER_DYNAMODB_ENDPOINT: dynamoDb.endpoint,
    LEDGER_CHECKPOINT_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'bench-key-')), 'checkpoint-ed25519.pem'),
  });
  const config = readConfig();
  const signer = new LocalNoteSigner(String(config.checkpointKeyFile));
  const tree = new DynamoDbMerkleTree({ client: documents, ...tables, ledgerName: 'bench' });
  const entries = new DynamoDbLedgerEntries({ client: documents, ...tables });
  const store = new DynamoDbEventStore({ client: documents, ...tables });
  const results: Record<string, MerkleRun> = {};
  try {
    for (const size of sizes) {
      const tenant = `merkle-${size}`;
      const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
      await bulkLoad(tenant, syntheticHistory(size, end), size, {
        client: documents,
        ...tables,
        eventsPerAppend: 10,
        concurrency: 32,
        label: `bulk-loading ${size} events`,
      });
      const built = performance.now();
      await tree.extend(tenant, signer, () => new Date());
      const buildSeconds = (performance.now() - built) / 1000;
      const checkpoint = await tree.latestCheckpoint(tenant);
      if (!checkpoint) throw new Error('no checkpoint');
      const parsed = parseCheckpointText(checkpoint.note.slice(0, checkpoint.note.indexOf('\n\n') + 1));
      if (!parsed.ok) throw new Error(parsed.reason);
      const root = parsed.value.rootHash;

      const proofTimes: number[] = [];
      const verifyTimes: number[] = [];
      for (let i = 0; i < REPETITIONS; i += 1) {
        const seq = 1 + Math.floor(Math.random() * size);
        const started = performance.now();
        const proof = await tree.inclusionProof(tenant, seq, size);
        proofTimes.push(performance.now() - started);
        const [entry] = await entries.entries(tenant, seq - 1, seq, 1);
        const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
        const verifying = performance.now();
        const ok = verifyLeafInclusion(String(entry?.body), seq - 1, size, hashes, root);
        verifyTimes.push(performance.now() - verifying);
        if (!ok.ok) throw new Error(`inclusion proof of ${seq} did not verify: ${ok.reason}`);
      }
      const consistencyTimes: number[] = [];
      const verifyConsistencyTimes: number[] = [];
      for (let i = 0; i < REPETITIONS; i += 1) {
        const from = 1 + Math.floor(Math.random() * (size - 1));
        const started = performance.now();
        const proof = await tree.consistencyProof(tenant, from, size);
        consistencyTimes.push(performance.now() - started);
        const oldRoot = await tree.rootAt(tenant, from);
        const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
        const verifying = performance.now();
        const ok = verifyConsistency(from, size, oldRoot, root, hashes);
        verifyConsistencyTimes.push(performance.now() - verifying);
        if (!ok.ok) throw new Error(`consistency ${from}→${size} did not verify: ${ok.reason}`);
      }

      // The append path side by side: the same batches, first with nothing else running, then with the
      // tree reaction's work done after each append (as the bus would trigger it).
      const BATCHES = 100;
      const event = (n: number, phase: string) => ({
        source: 'bench://merkle',
        id: `${phase}-${n}`,
        type: 'incident.resolved' as const,
        data: { incidentId: `${phase}-${n}` },
        original: { format: 'cloudevent' as const, payload: { n, phase } },
        payloadHash: `${phase}-${n}`.padEnd(64, '0'),
      });
      const alone: number[] = [];
      for (let n = 0; n < BATCHES; n += 1) {
        const started = performance.now();
        await store.appendEvents(tenant, [event(n, 'alone')]);
        alone.push(performance.now() - started);
      }
      await tree.extend(tenant, signer, () => new Date());
      const withTree: number[] = [];
      const extendTimes: number[] = [];
      let extending: Promise<unknown> = Promise.resolve();
      for (let n = 0; n < BATCHES; n += 1) {
        const started = performance.now();
        await store.appendEvents(tenant, [event(n, 'tree')]);
        withTree.push(performance.now() - started);
        await extending;
        extending = (async () => {
          const t = performance.now();
          await tree.extend(tenant, signer, () => new Date());
          extendTimes.push(performance.now() - t);
        })();
      }
      await extending;

      // Bounded verify: the tree current, then 1,000 events appended it has not covered yet.
      const behind = 1000;
      for (let n = 0; n < behind; n += 10) {
        await store.appendEvents(
          tenant,
          Array.from({ length: 10 }, (_, k) => event(n + k, 'behind')),
        );
      }
      const verifyRuns: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const started = performance.now();
        const verified = await verifyIncrementally(config, tenant);
        verifyRuns.push(performance.now() - started);
        if (!verified.ok) throw new Error(`bounded verify failed: ${verified.reason}`);
      }

      results[String(size)] = {
        events: size,
        treeBuild: { seconds: round(buildSeconds, 1), leavesPerSec: Math.round(size / buildSeconds) },
        inclusionProofMs: { p50: round(median(proofTimes)), p95: round(percentile(proofTimes, 95)) },
        consistencyProofMs: {
          p50: round(median(consistencyTimes)),
          p95: round(percentile(consistencyTimes, 95)),
        },
        verifyInclusionMs: { p50: round(median(verifyTimes), 3) },
        verifyConsistencyMs: { p50: round(median(verifyConsistencyTimes), 3) },
        boundedVerifyMs: { p50: round(median(verifyRuns)), behind },
        append: {
          batches: BATCHES,
          appendAloneMsP50: round(median(alone)),
          appendWhileTreeExtendsMsP50: round(median(withTree)),
          treeExtendAfterAppendMsP50: round(median(extendTimes)),
        },
      };
      console.error(`merkle ${size}: ${JSON.stringify(results[String(size)])}`);
    }
  } finally {
    client.destroy();
    await dynamoDb.stop();
  }
  return results;
}
