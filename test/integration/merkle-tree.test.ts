import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatVerifierKey,
  parseVerifierKey,
  verifierKey,
  verifyCheckpoint,
} from '../../domain/ledger/checkpoint.ts';
import { verifyConsistency, verifyLeafInclusion } from '../../domain/ledger/merkle.ts';
import { DynamoDbLedgerEntries } from '../../functions/adapters/dynamodb-ledger-entries.ts';
import { DynamoDbMerkleTree, TreeSizeError } from '../../functions/adapters/dynamodb-merkle-tree.ts';
import { eventKeys } from '../../functions/adapters/ledger-tables.ts';
import { LocalNoteSigner } from '../../functions/adapters/local-note-signer.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
let signer: LocalNoteSigner;
beforeAll(async () => {
  tables = await createTestTables();
  signer = new LocalNoteSigner(join(mkdtempSync(join(tmpdir(), 'rl-key-')), 'checkpoint-ed25519.pem'));
}, 60_000);

const tree = () =>
  new DynamoDbMerkleTree({ ...tables, client: tables.documentClient, ledgerName: 'release-ledger.test' });
const now = () => new Date('2026-12-02T20:00:00.000Z');

async function append(tenant: string, count: number): Promise<void> {
  const store = tables.store();
  const events = Array.from({ length: count }, (_, n) =>
    incoming('incident.resolved', { incidentId: `i-${n}` }),
  );
  for (let start = 0; start < events.length; start += 10) {
    await store.appendEvents(tenant, events.slice(start, start + 10));
  }
}

async function keyOf(tenant: string) {
  return verifierKey(tree().origin(tenant), await signer.publicKey());
}

describe('the tenant Merkle tree in DynamoDB', () => {
  it('extends from the ledger, signs a checkpoint, and proves every entry against it', async () => {
    const tenant = 'tree-a';
    await append(tenant, 300);
    const result = await tree().extend(tenant, signer, now, { maxLeaves: 120 });
    expect(result).toEqual({ outcome: 'extended', from: 0, size: 120 });
    const first = await tree().latestCheckpoint(tenant);
    expect(await tree().extend(tenant, signer, now)).toEqual({ outcome: 'extended', from: 120, size: 300 });
    expect(await tree().extend(tenant, signer, now)).toEqual({ outcome: 'current', size: 300 });

    const latest = await tree().latestCheckpoint(tenant);
    if (!latest || !first) throw new Error('no checkpoint');
    const key = await keyOf(tenant);
    const checked = verifyCheckpoint(latest.note, key);
    if (!checked.ok) throw new Error(checked.reason);
    expect(checked.value).toMatchObject({ origin: 'release-ledger.test/tree-a', size: 300 });
    // The published key text round-trips.
    expect(parseVerifierKey(formatVerifierKey(key))).toEqual({ ok: true, value: key });

    const entries = new DynamoDbLedgerEntries({ ...tables, client: tables.documentClient });
    for (const seq of [1, 2, 120, 255, 256, 257, 300]) {
      const [entry] = await entries.entries(tenant, seq - 1, seq, 1);
      const proof = await tree().inclusionProof(tenant, seq, 300);
      expect(proof).toMatchObject({ seq, treeSize: 300, leafIndex: seq - 1 });
      const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
      expect(verifyLeafInclusion(String(entry?.body), seq - 1, 300, hashes, checked.value.rootHash).ok).toBe(
        true,
      );
      // The same proof for the neighbouring entry's body fails.
      const [other] = await entries.entries(tenant, seq === 1 ? 1 : seq - 2, seq === 1 ? 2 : seq - 1, 1);
      expect(verifyLeafInclusion(String(other?.body), seq - 1, 300, hashes, checked.value.rootHash).ok).toBe(
        false,
      );
    }

    const firstCheckpoint = verifyCheckpoint(first.note, key);
    if (!firstCheckpoint.ok) throw new Error(firstCheckpoint.reason);
    const consistency = await tree().consistencyProof(tenant, 120, 300);
    expect(
      verifyConsistency(
        120,
        300,
        firstCheckpoint.value.rootHash,
        checked.value.rootHash,
        consistency.hashes.map((h) => Buffer.from(h, 'base64')),
      ).ok,
    ).toBe(true);
    expect((await tree().checkpointAt(tenant, 120))?.note).toBe(first.note);
    expect((await tree().checkpointCovering(tenant, 121))?.size).toBe(300);
  });

  it('refuses sizes beyond the latest checkpoint, naming the field', async () => {
    const tenant = 'tree-b';
    await append(tenant, 5);
    await tree().extend(tenant, signer, now);
    await expect(tree().inclusionProof(tenant, 1, 6)).rejects.toMatchObject({ field: 'treeSize' });
    await expect(tree().inclusionProof(tenant, 6, 5)).rejects.toMatchObject({ field: 'seq' });
    await expect(tree().consistencyProof(tenant, 3, 9)).rejects.toMatchObject({ field: 'to' });
    await expect(tree().consistencyProof(tenant, 4, 3)).rejects.toBeInstanceOf(TreeSizeError);
    await expect(tree().inclusionProof('tree-none', 1, 1)).rejects.toMatchObject({ field: 'treeSize' });
  });

  it('stops at an entry whose chain link does not verify, and covers nothing past it', async () => {
    const tenant = 'tree-c';
    await append(tenant, 8);
    const key = { pk: eventKeys.ledger(tenant), sk: 5 };
    const { Item } = await tables.documentClient.send(
      new GetCommand({ TableName: tables.eventsTable, Key: key }),
    );
    await tables.documentClient.send(
      new PutCommand({
        TableName: tables.eventsTable,
        Item: { ...Item, body: String(Item?.body).replace('i-4', 'i-x') },
      }),
    );
    expect(await tree().extend(tenant, signer, now)).toMatchObject({ outcome: 'stalled', size: 4, seq: 5 });
    expect(await tree().state(tenant)).toMatchObject({ size: 4, stalled: { seq: 5 } });
    expect((await tree().latestCheckpoint(tenant))?.size).toBe(4);
  });

  it('two writers racing extend the tree once', async () => {
    const tenant = 'tree-d';
    await append(tenant, 40);
    const outcomes = await Promise.all([
      tree().extend(tenant, signer, now),
      tree().extend(tenant, signer, now),
    ]);
    // Whichever started second either lost the conditional write or found the tree current.
    expect(outcomes.filter((o) => o.outcome === 'extended')).toHaveLength(1);
    expect(outcomes.every((o) => ['extended', 'raced', 'current'].includes(o.outcome))).toBe(true);
    expect((await tree().state(tenant))?.size).toBe(40);
  });
});
