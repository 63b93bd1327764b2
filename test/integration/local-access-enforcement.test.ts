import { BatchGetItemCommand, DynamoDBServiceException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectionChange } from '../../domain/dora/projection.ts';
import { adapters } from '../../functions/adapters/clients.ts';
import { dynamoDbClient } from '../../functions/adapters/dynamodb-client.ts';
import { DynamoDbDoraStore } from '../../functions/adapters/dynamodb-dora-store.ts';
import { eventBus } from '../../functions/adapters/event-bus.ts';
import { stateKeys } from '../../functions/adapters/ledger-tables.ts';
import { hostedClient } from '../../functions/adapters/per-configuration.ts';
import { runAsFunction } from '../../infra/local/access-enforcement.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent } from '../support/http.ts';

const writer = { token: 'iam-writer-token-00000000001', tenant: 'iam', role: 'writer' } as const;
const reader = { token: 'iam-reader-token-00000000001', tenant: 'iam', role: 'reader' } as const;
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [writer, reader],
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

const refusal = (error: unknown) => ({
  name: (error as Error).name,
  message: (error as Error).message,
  fault: (error as { $fault?: string }).$fault,
});

describe('each function’s SDK calls are held to its role, as IAM holds them on AWS', () => {
  it('refuses a call outside the grant with the AccessDeniedException the SDK raises on AWS', async () => {
    const { config } = adapters();
    const client = dynamoDbClient(config);
    // A reader's function may not write, and may not read token records even in a batch.
    const write = new PutItemCommand({
      TableName: config.stateTable,
      Item: { pk: { S: 'iam#policy' }, sk: { S: 'x' } },
    });
    const error = await runAsFunction('listEvents', () => client.send(write)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBServiceException);
    expect(refusal(error)).toMatchObject({
      name: 'AccessDeniedException',
      fault: 'client',
      message: expect.stringContaining('not authorized to perform: dynamodb:PutItem on resource:'),
    });
    const tokens = new BatchGetItemCommand({
      RequestItems: { [config.stateTable]: { Keys: [{ ...key(stateKeys.token('x')) }] } },
    });
    await expect(runAsFunction('listEvents', () => client.send(tokens))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    // The authorizer reads token records and nothing else.
    const head = new BatchGetItemCommand({
      RequestItems: { [config.stateTable]: { Keys: [key(stateKeys.ledgerHead('iam'))] } },
    });
    await expect(runAsFunction('tokenAuthorizer', () => client.send(head))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    // What a function is granted passes: the same write as the policy function.
    await expect(runAsFunction('putPolicy', () => client.send(write))).resolves.toBeDefined();
  });

  it('authorises each item of a transaction and each key of a batch on its own', async () => {
    const { config } = adapters();
    const client = dynamoDbClient(config);
    // One token key among tenant keys: neither the token grant nor the tenant grant covers the batch.
    const mixed = new BatchGetItemCommand({
      RequestItems: {
        [config.stateTable]: { Keys: [key(stateKeys.ledgerHead('iam')), key(stateKeys.token('x'))] },
      },
    });
    await expect(runAsFunction('postEvents', () => client.send(mixed))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('dynamodb:BatchGetItem'),
    });
  });

  it('holds the bus, the signing key and the digest bucket to their grants too', async () => {
    const { config } = adapters();
    const publish = new PutEventsCommand({
      Entries: [{ EventBusName: config.eventBusName, Source: 's', DetailType: 't', Detail: '{}' }],
    });
    await expect(runAsFunction('postEvents', () => eventBus(config).send(publish))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('events:PutEvents'),
    });
    // Refused before anything is sent, so no KMS or S3 is needed here.
    const nowhere = { region: config.region, endpoint: 'http://127.0.0.1:9', credentials: LOCAL_CREDENTIALS };
    const kms = hostedClient(new KMSClient(nowhere));
    const sign = new SignCommand({
      KeyId: 'local-signing-key',
      Message: Buffer.from('m'),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    await expect(runAsFunction('sealDigest', () => kms.send(sign))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    const s3 = hostedClient(new S3Client(nowhere));
    const outside = new PutObjectCommand({ Bucket: 'local-digests', Key: 'elsewhere/x.json', Body: '{}' });
    await expect(runAsFunction('sealDigest', () => s3.send(outside))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});

describe('paths that only ran on AWS before, now run here under the same grants', () => {
  it('answers a replay from a caller whose grant the authorizer remembered (its token is re-read in a batch)', async () => {
    const post = apiClient(runtime.apiUrl, writer.token);
    const event = cloudEvent('incident.resolved', { incidentId: 'iam-replayed' });
    expect((await post('POST', '/v1/events', event)).status).toBe(201);
    // The authorizer read the grant for the first request and remembers it for the second.
    const replay = await post('POST', '/v1/events', event);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const conflict = await post('POST', '/v1/events', { ...event, data: { incidentId: 'changed' } });
    expect(conflict.status).toBe(409);
  });

  it('lets the DORA projector commit a change of more than one transaction (parts check its lease)', async () => {
    const { dynamoDb, config } = adapters();
    const store = new DynamoDbDoraStore({ client: dynamoDb, stateTable: config.stateTable });
    // One event whose change is 150 documents: more than one transaction holds, so it is written in parts.
    const changes: ProjectionChange[] = Array.from({ length: 150 }, (_, n) => ({
      key: ['dep', `d${n}`],
      before: undefined,
      after: { n },
    }));
    await expect(
      runAsFunction('projectDora', () =>
        store.commitInParts('projected', 'v-iam', changes, 0, 1, Date.now(), 60_000),
      ),
    ).resolves.toBe('committed');
    expect(await store.checkpoint('projected', 'v-iam')).toMatchObject({ seq: 1 });
  });
});

function key(item: { pk: string; sk: string }) {
  return { pk: { S: item.pk }, sk: { S: item.sk } };
}
