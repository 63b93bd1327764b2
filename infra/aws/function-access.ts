import { Aws } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { stateKeys } from '../../functions/adapters/ledger-tables.ts';
import type { FunctionName } from '../topology.ts';

/**
 * What a function may touch, by what it does:
 * - `ledger-read`: read both tables (queries, consistent gets and batch gets).
 * - `ledger-append`: read, plus the conditional puts and updates of one append transaction.
 * - `token-read`: get token records, and nothing else, from the state table.
 * - `token-admin`: get, put and delete token records (an admin managing its tenant's tokens), nothing else.
 * - `token-check`: condition-check token records inside a transaction, nothing else: an append whose
 *   caller's grant the authorizer did not re-read proves the token still exists in its own write.
 * - `projection-write`: put, update and delete projection items in the state table (not tokens).
 * - `bus-publish`: PutEvents on the ledger's bus (the relay also reads the stream; the event source grants that).
 * - `digest-seal`: scan the state table for ledger heads, sign with the digest key, write digests.
 */
export type Access =
  | 'ledger-read'
  | 'ledger-append'
  | 'token-read'
  | 'token-admin'
  | 'token-check'
  | 'projection-write'
  | 'bus-publish'
  | 'digest-seal';

/**
 * Each function's access. A function added to the topology without an entry here gets
 * `DEFAULT_ACCESS` (what every reaction needs) and a synth warning asking for a deliberate choice.
 */
export const functionAccess: Partial<Record<FunctionName, readonly Access[]>> = {
  tokenAuthorizer: ['token-read'],
  health: [],
  getOpenApi: [],
  getStaticFile: [],
  postEvents: ['ledger-append', 'token-check'],
  putPolicy: ['ledger-append'],
  // The webhook secret is a tenant-prefixed state item, inside what an append may already read and put.
  putWebhookSecret: ['ledger-append'],
  receiveWebhook: ['ledger-append'],
  createToken: ['token-admin'],
  revokeToken: ['token-admin'],
  listEvents: ['ledger-read'],
  listReleases: ['ledger-read'],
  getRelease: ['ledger-read'],
  getReleaseEvents: ['ledger-read'],
  getDeployment: ['ledger-read'],
  verifyLedger: ['ledger-read'],
  getPolicy: ['ledger-read'],
  listGateBypasses: ['ledger-read'],
  getDigest: ['ledger-read'],
  exportLedger: ['ledger-read'],
  getDoraMetrics: ['ledger-read'],
  getDoraEvidence: ['ledger-read'],
  // The projector rewrites its read model (documents come and go) and its checkpoint; it appends nothing.
  projectDora: ['ledger-read', 'projection-write'],
  evaluateGate: ['ledger-append'],
  checkGateBypass: ['ledger-append'],
  requestRollback: ['ledger-append'],
  streamRelay: ['bus-publish'],
  sealDigest: ['digest-seal'],
};

export const DEFAULT_ACCESS: readonly Access[] = ['ledger-append'];

export interface LedgerResources {
  readonly eventsTableArn: string;
  readonly stateTableArn: string;
  /** The customer-managed key both tables are encrypted with. */
  readonly dataKeyArn: string;
  readonly eventBusArn: string;
  readonly digestBucketArn: string;
  readonly digestSigningKeyArn: string;
}

const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
// One append is a TransactWriteItems; IAM authorises each of its items as the item's own action.
const APPEND_EVENTS = ['dynamodb:PutItem'];
const APPEND_STATE = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
const TOKEN_PREFIX = `${stateKeys.token('').pk}*`;

/**
 * Token records share the state table with tenant data. `dynamodb:LeadingKeys` can fence them off by
 * prefix because their partition keys are fixed strings. It cannot fence one tenant from another: a
 * function serves whichever tenant the caller's token names, known only at request time, so its role must
 * cover every `<tenant>#` prefix. Per-tenant isolation in IAM would need the handler to assume a
 * per-request role with the tenant as a session tag and `dynamodb:LeadingKeys` matching
 * `${aws:PrincipalTag/tenant}#*` — a deliberate trade of latency for isolation this stack does not make.
 */
const NOT_TOKENS = { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': [TOKEN_PREFIX] } };
const ONLY_TOKENS = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [TOKEN_PREFIX] } };

/** Only through DynamoDB: the data key cannot be used directly to decrypt anything else. */
const VIA_DYNAMODB = { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } };

/** The IAM statements that grant exactly `access` — a pure function of the access and the resource ARNs. */
export function accessStatements(access: readonly Access[], resources: LedgerResources): PolicyStatement[] {
  return [...new Set(access)].flatMap((kind) => statementsFor(kind, resources));
}

function statementsFor(kind: Access, r: LedgerResources): PolicyStatement[] {
  switch (kind) {
    case 'ledger-read':
      return [
        allow(READ, [r.eventsTableArn]),
        allow(READ, [r.stateTableArn], NOT_TOKENS),
        allow(['kms:Decrypt', 'kms:DescribeKey'], [r.dataKeyArn], VIA_DYNAMODB),
      ];
    case 'ledger-append':
      return [
        allow([...READ, ...APPEND_EVENTS], [r.eventsTableArn]),
        allow([...READ, ...APPEND_STATE], [r.stateTableArn], NOT_TOKENS),
        allow(
          ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          [r.dataKeyArn],
          VIA_DYNAMODB,
        ),
      ];
    case 'token-read':
      return [
        allow(['dynamodb:GetItem'], [r.stateTableArn], ONLY_TOKENS),
        allow(['kms:Decrypt', 'kms:DescribeKey'], [r.dataKeyArn], VIA_DYNAMODB),
      ];
    case 'token-check':
      // Neither reads nor writes: a failed check only cancels the caller's own transaction.
      return [allow(['dynamodb:ConditionCheckItem'], [r.stateTableArn], ONLY_TOKENS)];
    case 'token-admin':
      // Which tenant a token belongs to is an attribute, not the key (the key is the token's hash), so
      // the handler, not IAM, keeps an admin to its own tenant's tokens.
      return [
        allow(
          ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
          [r.stateTableArn],
          ONLY_TOKENS,
        ),
        allow(
          ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          [r.dataKeyArn],
          VIA_DYNAMODB,
        ),
      ];
    case 'projection-write':
      return [
        allow(
          ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          [r.stateTableArn],
          NOT_TOKENS,
        ),
        allow(
          ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          [r.dataKeyArn],
          VIA_DYNAMODB,
        ),
      ];
    case 'bus-publish':
      return [allow(['events:PutEvents'], [r.eventBusArn])];
    case 'digest-seal':
      return [
        // A scan has no leading key to condition on; the sealer projects only heads' pk, seq and chainHash.
        allow(['dynamodb:Scan'], [r.stateTableArn]),
        allow(['kms:Decrypt', 'kms:DescribeKey'], [r.dataKeyArn], VIA_DYNAMODB),
        allow(['kms:Sign'], [r.digestSigningKeyArn], {
          StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' },
        }),
        allow(['s3:PutObject'], [`${r.digestBucketArn}/digests/*`]),
      ];
    default:
      return assertNever(kind);
  }
}

function allow(
  actions: string[],
  resources: string[],
  conditions?: Record<string, unknown>,
): PolicyStatement {
  return new PolicyStatement({
    effect: Effect.ALLOW,
    actions,
    resources,
    ...(conditions ? { conditions } : {}),
  });
}

function assertNever(value: never): never {
  throw new Error(`unknown access ${String(value)}`);
}
