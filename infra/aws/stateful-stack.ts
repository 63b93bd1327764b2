import { Aws, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { LEDGER_BUS_SOURCE } from '../topology.ts';
import { ledgerTable } from './ledger-table.ts';

export interface StatefulStackProps extends StackProps {
  /** Suffix of every physical name, so several stages can share an account. */
  readonly stage: string;
  /** How long each signed digest stays locked (compliance mode: nobody, root included, can shorten it). */
  readonly digestRetentionDays: number;
  /** @default 365 */
  readonly busArchiveRetentionDays?: number;
}

/**
 * The digest bucket's name, known before deployment so the sealer's grant names the bucket itself rather than
 * a cross-stack import (and auditors can find it).
 */
export function digestBucketName(stage: string): string {
  return `release-ledger-${stage}-digests-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** Actions that would change or remove an event item; the events table's own policy denies them to everyone. */
export const EVENT_MUTATIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
] as const;

/**
 * Everything that holds data, kept apart from the functions so those can be redeployed or torn down
 * freely: the two tables, their key, the digest signing key and bucket, and the event bus with its
 * archive. Every stateful resource is retained when the stack is deleted.
 */
export class StatefulStack extends Stack {
  readonly eventsTable: Table;
  readonly stateTable: Table;
  readonly dataKey: Key;
  readonly digestSigningKey: Key;
  readonly checkpointSigningKey: Key;
  readonly digestBucket: Bucket;
  readonly eventBus: EventBus;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const name = (suffix: string) => `release-ledger-${props.stage}-${suffix}`;

    this.dataKey = new Key(this, 'DataKey', {
      alias: `alias/${name('data')}`,
      description: 'Release Ledger: encrypts the events and state tables',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const eventsTableName = name('events');
    // The table's own resource policy, so no role — a function's, an operator's, a future one's — can
    // change or delete an event item; only Put is left, which the store always conditions on
    // attribute_not_exists. (IAM cannot condition Put on that, so an overwrite is caught by the hash chain
    // and the sealed digests rather than prevented.) The ARN is built from the name: the table cannot
    // reference its own ARN in its own properties.
    const eventsTableArn = this.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: eventsTableName,
    });
    this.eventsTable = ledgerTable(this, 'EventsTable', 'events', {
      tableName: eventsTableName,
      encryptionKey: this.dataKey,
      resourcePolicy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'EventsAreImmutable',
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: [...EVENT_MUTATIONS],
            resources: [eventsTableArn],
          }),
        ],
      }),
    });
    this.stateTable = ledgerTable(this, 'StateTable', 'state', {
      tableName: name('state'),
      encryptionKey: this.dataKey,
    });

    this.digestSigningKey = new Key(this, 'DigestSigningKey', {
      alias: `alias/${name('digest-signing')}`,
      description: 'Release Ledger: signs ledger digests (ECDSA P-256)',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      // Digests signed with it must stay verifiable after the stack is gone.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.checkpointSigningKey = new Key(this, 'CheckpointSigningKey', {
      alias: `alias/${name('checkpoint-signing')}`,
      description: 'Release Ledger: signs Merkle tree checkpoints (C2SP signed notes, Ed25519)',
      keySpec: KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: KeyUsage.SIGN_VERIFY,
      // Checkpoints signed with it must stay verifiable after the stack is gone.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const accessLogs = new Bucket(this, 'AccessLogsBucket', {
      // S3 server access logs can only be delivered to a bucket with S3-managed encryption.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the digest bucket; logging its own access would log forever.',
    });

    this.digestBucket = new Bucket(this, 'DigestBucket', {
      bucketName: digestBucketName(props.stage),
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(props.digestRetentionDays)),
      // Digests are hashes and signatures, meant to be shown to auditors; S3-managed keys keep them
      // readable even if the ledger's KMS key is ever disabled, which is when they matter most.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'digests/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: name('bus') });
    new Archive(this, 'EventBusArchive', {
      sourceEventBus: this.eventBus,
      archiveName: name('archive'),
      description: 'Every ledger event published on the bus, for replay to new or repaired consumers',
      eventPattern: { source: [LEDGER_BUS_SOURCE] },
      retention: Duration.days(props.busArchiveRetentionDays ?? 365),
    });
  }
}
