import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { formatVerifierKey } from '../../domain/ledger/checkpoint.ts';
import { type ChainHead, chainHash, eventHash } from '../../domain/ledger/hash-chain.ts';
import {
  createVerificationJob,
  runVerificationJob,
  verifyIncrementally,
} from '../../functions/adapters/audit-verification.ts';
import { eventKeys, stateKeys } from '../../functions/adapters/ledger-tables.ts';
import { checkpointSigner, merkleTree, tenantVerifierKey } from '../../functions/adapters/merkle-adapters.ts';
import { readConfig } from '../../functions/config.ts';
import { handler as exportLedger } from '../../functions/http/export-ledger.ts';
import { handler as getDigest } from '../../functions/http/get-digest.ts';
import type { HttpEvent, HttpResult } from '../../functions/http/http-api.ts';
import { verifyExport } from '../../infra/verify-export.ts';
import { verifyEventProof } from '../../infra/verify-proofs.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';
import { incoming } from '../support/incoming-events.ts';

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
  // The audit handlers read their tables from the environment, as on Lambda.
  Object.assign(process.env, {
    LEDGER_EVENTS_TABLE: tables.eventsTable,
    LEDGER_STATE_TABLE: tables.stateTable,
    LEDGER_DYNAMODB_ENDPOINT: tables.endpoint,
  });
});

const EVENTS = 6;

/** A tenant ledger of six events, verified intact, and the digest an auditor would have kept of it. */
async function ledger(tenant: string): Promise<ChainHead> {
  const store = tables.store();
  for (let n = 1; n <= EVENTS; n += 1) {
    await store.appendEvents(tenant, [incoming('incident.resolved', { incidentId: `i-${n}`, amount: n })]);
  }
  const verified = await store.verifyLedger(tenant);
  expect(verified).toMatchObject({ ok: true, checked: EVENTS });
  if (!verified.ok) throw new Error('unreachable');
  return { seq: verified.head.seq, chainHash: verified.head.hash };
}

const verify = (tenant: string) => tables.store().verifyLedger(tenant);
const entryKey = (tenant: string, seq: number) => ({ pk: eventKeys.ledger(tenant), sk: seq });
async function entry(tenant: string, seq: number): Promise<Record<string, unknown>> {
  const { Item } = await tables.documentClient.send(
    new GetCommand({ TableName: tables.eventsTable, Key: entryKey(tenant, seq) }),
  );
  return Item as Record<string, unknown>;
}
const put = (Item: Record<string, unknown>, table = tables.eventsTable) =>
  tables.documentClient.send(new PutCommand({ TableName: table, Item }));
const setHead = (tenant: string, head: ChainHead) =>
  put({ ...stateKeys.ledgerHead(tenant), seq: head.seq, chainHash: head.chainHash }, tables.stateTable);

/**
 * What an attacker with write access to the tables can do at best: change event `seq`'s data, then
 * recompute its eventHash, every later chainHash and the head, so the stored chain is consistent again.
 */
async function rewriteHistory(tenant: string, seq: number, data: Record<string, unknown>): Promise<void> {
  let previous = seq === 1 ? '0'.repeat(64) : String((await entry(tenant, seq - 1)).chainHash);
  for (let n = seq; n <= EVENTS; n += 1) {
    const item = await entry(tenant, n);
    const envelope = JSON.parse(String(item.body)) as Record<string, unknown>;
    const body = canonicalJson(n === seq ? { ...envelope, data } : envelope);
    const hashOfEvent = eventHash(body);
    previous = chainHash(previous, n, hashOfEvent);
    await put({ ...item, body, eventHash: hashOfEvent, chainHash: previous });
  }
  await setHead(tenant, { seq: EVENTS, chainHash: previous });
}

/** What an auditor downloads and keeps: the export (`GET /v1/audit/export`) and receipts (`/digest`). */
async function audit(route: typeof exportLedger | typeof getDigest, tenant: string): Promise<string> {
  const event = {
    headers: {},
    queryStringParameters: { format: 'jsonl' },
    requestContext: { authorizer: { lambda: { tenant, role: 'reader' } } },
  } as unknown as HttpEvent;
  const result = (await route(event, {} as Context)) as HttpResult;
  expect(result.statusCode).toBe(200);
  return String(result.body);
}
const digestOf = async (tenant: string): Promise<ChainHead> => {
  const { seq, chainHash } = JSON.parse(await audit(getDigest, tenant)) as ChainHead;
  return { seq, chainHash };
};
/** `npm run verify`'s check, on the export's lines alone. */
const verifyOffline = async (tenant: string, digest: ChainHead) => {
  const lines = (await audit(exportLedger, tenant)).split('\n');
  return verifyExport(
    (async function* () {
      yield* lines;
    })(),
    [digest],
  );
};

describe('verify after the tables were edited behind the store', () => {
  it('reports a changed stored body at its seq', async () => {
    await ledger('edit-body');
    const item = await entry('edit-body', 3);
    await put({ ...item, body: String(item.body).replace('"amount":3', '"amount":300') });
    expect(await verify('edit-body')).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('reports a changed eventHash or chainHash attribute at its seq', async () => {
    await ledger('edit-hashes');
    await tables.documentClient.send(
      new UpdateCommand({
        TableName: tables.eventsTable,
        Key: entryKey('edit-hashes', 5),
        UpdateExpression: 'SET chainHash = :h',
        ExpressionAttributeValues: { ':h': 'f'.repeat(64) },
      }),
    );
    expect(await verify('edit-hashes')).toMatchObject({ ok: false, firstBadSeq: 5 });
    await tables.documentClient.send(
      new UpdateCommand({
        TableName: tables.eventsTable,
        Key: entryKey('edit-hashes', 2),
        UpdateExpression: 'SET eventHash = :h',
        ExpressionAttributeValues: { ':h': 'e'.repeat(64) },
      }),
    );
    expect(await verify('edit-hashes')).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('reports a deleted event at its seq', async () => {
    await ledger('delete');
    await tables.documentClient.send(
      new DeleteCommand({ TableName: tables.eventsTable, Key: entryKey('delete', 4) }),
    );
    expect(await verify('delete')).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('reports a forged event with correctly recomputed hashes: past the head at its seq, in place at the next', async () => {
    await ledger('forge-append');
    const last = await entry('forge-append', EVENTS);
    const envelope = { ...JSON.parse(String(last.body)), seq: EVENTS + 1, data: { incidentId: 'forged' } };
    const body = canonicalJson(envelope);
    const forgedHash = eventHash(body);
    await put({
      ...last,
      sk: EVENTS + 1,
      body,
      eventHash: forgedHash,
      chainHash: chainHash(String(last.chainHash), EVENTS + 1, forgedHash),
    });
    expect(await verify('forge-append')).toMatchObject({ ok: false, firstBadSeq: EVENTS + 1 });

    await ledger('forge-in-place');
    const third = await entry('forge-in-place', 3);
    const second = await entry('forge-in-place', 2);
    const forgedBody = canonicalJson({ ...JSON.parse(String(third.body)), data: { incidentId: 'forged' } });
    await put({
      ...third,
      body: forgedBody,
      eventHash: eventHash(forgedBody),
      chainHash: chainHash(String(second.chainHash), 3, eventHash(forgedBody)),
    });
    // Seq 3 is now internally consistent; the link from 4 to it is what breaks.
    expect(await verify('forge-in-place')).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('reports two swapped events at the first of them', async () => {
    await ledger('swap');
    const two = await entry('swap', 2);
    const five = await entry('swap', 5);
    await put({ ...five, sk: 2 });
    await put({ ...two, sk: 5 });
    expect(await verify('swap')).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('reports a tenant head rolled back at the first event past it', async () => {
    await ledger('head-back');
    const fourth = await entry('head-back', 4);
    await setHead('head-back', { seq: 4, chainHash: String(fourth.chainHash) });
    expect(await verify('head-back')).toMatchObject({ ok: false, firstBadSeq: 5 });
  });
});

describe('an exported ledger checked offline against an earlier digest', () => {
  it('passes for the untouched history', async () => {
    await ledger('offline-ok');
    const digest = await digestOf('offline-ok');
    expect(await verifyOffline('offline-ok', digest)).toEqual({
      ok: true,
      first: 1,
      last: EVENTS,
      digests: 1,
    });
  });

  it('catches a history rewritten consistently (event, every later link and the head), which verify alone cannot', async () => {
    await ledger('rewrite');
    const digest = await digestOf('rewrite');
    await rewriteHistory('rewrite', 2, { incidentId: 'i-2', amount: 2_000_000 });
    // The stored chain is consistent again: this is why digests are kept outside the tables.
    expect(await verify('rewrite')).toMatchObject({ ok: true, checked: EVENTS });
    expect(await verifyOffline('rewrite', digest)).toMatchObject({
      ok: false,
      seq: EVENTS,
      reason: expect.stringContaining('differs from the digest'),
    });
    // The same check from the command line, as an auditor runs it on the downloaded file.
    const file = join(mkdtempSync(join(tmpdir(), 'ledger-export-')), 'ledger.jsonl');
    writeFileSync(file, await audit(exportLedger, 'rewrite'));
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'infra/verify-export.ts', file, '--digest', `${digest.seq}:${digest.chainHash}`],
      { cwd: resolve(import.meta.dirname, '../..'), encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(1);
  });

  it('catches a history truncated with a consistent head', async () => {
    await ledger('truncate');
    const digest = await digestOf('truncate');
    for (const seq of [5, 6])
      await tables.documentClient.send(
        new DeleteCommand({ TableName: tables.eventsTable, Key: entryKey('truncate', seq) }),
      );
    await setHead('truncate', { seq: 4, chainHash: String((await entry('truncate', 4)).chainHash) });
    expect(await verify('truncate')).toMatchObject({ ok: true, checked: 4 });
    expect(await verifyOffline('truncate', digest)).toMatchObject({
      ok: false,
      seq: EVENTS,
      reason: expect.stringContaining('does not cover digest'),
    });
  });

  it('accepts events appended after the digest: a digest vouches for a prefix', async () => {
    await ledger('grown');
    const digest = await digestOf('grown');
    await tables.store().appendEvents('grown', [incoming('incident.resolved', { incidentId: 'later' })]);
    expect(await verifyOffline('grown', digest)).toEqual({
      ok: true,
      first: 1,
      last: EVENTS + 1,
      digests: 1,
    });
  });
});

describe('with the Merkle tree: bounded verify, the full job and the signed checkpoint', () => {
  const config = () => readConfig();
  const keyFile = join(mkdtempSync(join(tmpdir(), 'ledger-key-')), 'checkpoint-ed25519.pem');
  const covered = async (tenant: string) => {
    process.env.LEDGER_CHECKPOINT_KEY_FILE = keyFile;
    await ledger(tenant);
    const extended = await merkleTree(config()).extend(tenant, checkpointSigner(config()), () => new Date());
    expect(extended).toMatchObject({ outcome: 'extended', size: EVENTS });
  };
  const fullJob = async (tenant: string) => {
    const job = await createVerificationJob(config(), tenant, new Date());
    return (
      await runVerificationJob(
        config(),
        tenant,
        job.id,
        () => false,
        async () => undefined,
      )
    )?.result;
  };

  it('catches a history rewritten consistently behind the tree at the checkpoint, which the full walk cannot', async () => {
    await covered('tree-rewrite');
    expect(await verifyIncrementally(config(), 'tree-rewrite')).toMatchObject({
      ok: true,
      checked: EVENTS,
      from: EVENTS + 1,
    });
    await rewriteHistory('tree-rewrite', 2, { incidentId: 'i-2', amount: 2_000_000 });
    expect(await verifyIncrementally(config(), 'tree-rewrite')).toMatchObject({
      ok: false,
      firstBadSeq: EVENTS,
      reason: expect.stringContaining('differs from the one verified when the checkpoint was signed'),
    });
    // The rewritten body no longer proves against the signed checkpoint either.
    const checkpoint = await merkleTree(config()).latestCheckpoint('tree-rewrite');
    const proof = await merkleTree(config()).inclusionProof('tree-rewrite', 2, EVENTS);
    const key = await tenantVerifierKey(config(), 'tree-rewrite');
    const rewritten = { body: String((await entry('tree-rewrite', 2)).body) };
    expect(
      verifyEventProof({
        event: rewritten,
        proof,
        checkpoint: String(checkpoint?.note),
        key: formatVerifierKey(key),
      }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('not in the checkpointed tree') });
  });

  it('leaves an edit inside the covered range to the full job, which reports it at its seq', async () => {
    await covered('tree-edit');
    const item = await entry('tree-edit', 3);
    await put({ ...item, body: String(item.body).replace('"amount":3', '"amount":300') });
    // The bounded answer checks only past the checkpoint (and the link at it), as documented.
    expect(await verifyIncrementally(config(), 'tree-edit')).toMatchObject({ ok: true, checked: EVENTS });
    expect(await fullJob('tree-edit')).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect(await verifyIncrementally(config(), 'tree-edit')).toMatchObject({
      lastFullVerification: { status: 'done', result: { ok: false, firstBadSeq: 3 } },
    });
  });

  it('reports tampering past the checkpoint at its first bad seq, and a deleted checkpoint entry', async () => {
    await covered('tree-past');
    await tables
      .store()
      .appendEvents('tree-past', [incoming('incident.resolved', { incidentId: 'later', amount: 7 })]);
    const item = await entry('tree-past', EVENTS + 1);
    await put({ ...item, body: String(item.body).replace('"amount":7', '"amount":700') });
    expect(await verifyIncrementally(config(), 'tree-past')).toMatchObject({
      ok: false,
      firstBadSeq: EVENTS + 1,
    });
    await tables.documentClient.send(
      new DeleteCommand({ TableName: tables.eventsTable, Key: entryKey('tree-past', EVENTS) }),
    );
    expect(await verifyIncrementally(config(), 'tree-past')).toMatchObject({
      ok: false,
      firstBadSeq: EVENTS,
    });
    expect(await fullJob('tree-past')).toMatchObject({ ok: false, firstBadSeq: EVENTS });
  });
});
