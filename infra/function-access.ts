import { HEAD_INDEX, stateKeys } from '../functions/adapters/ledger-tables.ts';
import type { FunctionName } from './topology.ts';

/**
 * What each function may touch, declared once as plain data: the CDK stack renders it into each role's
 * policy (infra/aws/function-access.ts) and the local runtime enforces it on each function's SDK clients
 * (infra/local/access-enforcement.ts), so a call AWS would deny is denied on one machine too.
 *
 * - `ledger-read`: read both tables (queries, consistent gets and batch gets).
 * - `ledger-append`: read, plus the conditional puts and updates of one append transaction.
 * - `token-read`: get token records, and nothing else, from the state table.
 * - `token-admin`: get, put and delete token records (an admin managing its tenant's tokens), nothing else.
 * - `token-check`: prove token records still grant their caller, nothing else: condition-check them
 *   inside an append transaction and, for a replay or a conflict (which write nothing), batch-read them.
 *   Used where the authorizer passed a grant it did not re-read.
 * - `projection-write`: put, update, delete and condition-check projection items in the state table (not
 *   tokens): a multi-part commit checks its lease in every part but the last.
 * - `bus-publish`: PutEvents on the ledger's bus (the relay also reads the stream; the event source grants that).
 * - `tree-write`: put and condition-check the Merkle tree's items (tiles, state, checkpoints) in the state
 *   table, and sign checkpoints with the checkpoint key (pure Ed25519, RAW messages only).
 * - `checkpoint-key-read`: read the checkpoint key's public half (GetPublicKey), nothing else.
 * - `verification-run`: put verification job items (not tokens) and publish job requests to the bus.
 * - `checkpoint-archive`: write checkpoints under `checkpoints/` in the Object Lock bucket.
 * - `watch-index`: put, query and delete the open-watch index items (one partition), nothing else.
 * - `pipeline-job-result`: report a CodePipeline job's result (PutJobSuccessResult, PutJobFailureResult).
 * - `digest-seal`: list ledger heads through the sparse head index, read them, sign with the digest key,
 *   write digests, and keep the sealer's resume point.
 */
export type Access =
  | 'ledger-read'
  | 'ledger-append'
  | 'token-read'
  | 'token-admin'
  | 'token-check'
  | 'projection-write'
  | 'bus-publish'
  | 'digest-seal'
  | 'tree-write'
  | 'checkpoint-key-read'
  | 'verification-run'
  | 'checkpoint-archive'
  | 'watch-index'
  | 'pipeline-job-result';

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
  // Reads the request, its decision and the tenant's GitHub App (a tenant-prefixed state item); calls GitHub.
  answerGitHubProtectionRule: ['ledger-read'],
  // The GitHub App is a tenant-prefixed state item, like a webhook secret.
  putGitHubApp: ['ledger-append'],
  createToken: ['token-admin'],
  revokeToken: ['token-admin'],
  listEvents: ['ledger-read'],
  listReleases: ['ledger-read'],
  getRelease: ['ledger-read'],
  getReleaseEvents: ['ledger-read'],
  getDeployment: ['ledger-read'],
  getDeploymentHandoff: ['ledger-read'],
  verifyLedger: ['ledger-read'],
  getPolicy: ['ledger-read'],
  listGateBypasses: ['ledger-read'],
  listChanges: ['ledger-read'],
  getDigest: ['ledger-read'],
  exportLedger: ['ledger-read'],
  getDoraMetrics: ['ledger-read'],
  getDoraEvidence: ['ledger-read'],
  // The projector rewrites its read model (documents come and go) and its checkpoint; it appends nothing.
  projectDora: ['ledger-read', 'projection-write'],
  postGateEvaluation: ['ledger-append'],
  getGateEvaluation: ['ledger-read'],
  // Records the evaluation (an append), reads the decision, and reports it to CodePipeline.
  codePipelineGate: ['ledger-append', 'pipeline-job-result'],
  evaluateGate: ['ledger-append'],
  checkGateBypass: ['ledger-append'],
  requestRollback: ['ledger-append'],
  // Appends the watch outcome; the index it keeps is one partition only it writes and deletes in.
  watchRelease: ['ledger-append', 'watch-index'],
  streamRelay: ['bus-publish'],
  sealDigest: ['digest-seal', 'checkpoint-archive'],
  getCheckpoint: ['ledger-read'],
  getPublicKey: ['checkpoint-key-read'],
  getInclusionProof: ['ledger-read'],
  getConsistencyProof: ['ledger-read'],
  // Reads the tree state and the ledger; writes only its job item and asks the bus to run it.
  startVerification: ['ledger-read', 'verification-run'],
  getVerification: ['ledger-read'],
  extendTree: ['ledger-read', 'tree-write'],
  runVerification: ['ledger-read', 'verification-run'],
};

export const DEFAULT_ACCESS: readonly Access[] = ['ledger-append'];

/** The ledger's resources a grant can name; each runtime knows their ARNs. */
export type LedgerResource =
  | 'eventsTable'
  | 'stateTable'
  | 'dataKey'
  | 'eventBus'
  | 'digestBucket'
  | 'digestSigningKey'
  | 'checkpointSigningKey'
  /** CodePipeline jobs: `*`, since PutJob*Result have no resource-level permissions. */
  | 'pipelineJobs';

/** One resource of a grant: a ledger resource's ARN, with `path` appended (`/index/heads`, `/digests/*`). */
export interface GrantResource {
  readonly resource: LedgerResource;
  /** @default '' */
  readonly path?: string;
}

/** `{region}` in a condition value stands for the deployment's region. */
export type GrantConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** One IAM Allow statement, as data. */
export interface Grant {
  readonly actions: readonly string[];
  readonly resources: readonly GrantResource[];
  readonly conditions?: GrantConditions;
}

export const REGION_PLACEHOLDER = '{region}';

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
/**
 * An append that lost the race for a tenant's head waits in the tenant's inbox (`<tenant>#inbox`); the
 * transaction that appends it, or its own writer taking it back, deletes it. No other ledger item is
 * ever deleted by an appending function.
 */
const ONLY_INBOX = {
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`*${stateKeys.inbox('', '').pk}`] },
};
/** The sealer's own resume point, a runtime checkpoint (not a tenant item). */
const WATCH_INDEX = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [stateKeys.openWatches] } };
const SEALER_CHECKPOINT = {
  'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [stateKeys.checkpoint('seal-digest').pk] },
};

/** Only through DynamoDB: the data key cannot be used directly to decrypt anything else. */
const VIA_DYNAMODB = { StringEquals: { 'kms:ViaService': `dynamodb.${REGION_PLACEHOLDER}.amazonaws.com` } };

const events: GrantResource = { resource: 'eventsTable' };
const state: GrantResource = { resource: 'stateTable' };
const dataKey: GrantResource = { resource: 'dataKey' };
const DECRYPT = ['kms:Decrypt', 'kms:DescribeKey'];
const ENCRYPT = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** The grants of `access`, deduplicated by kind — a pure function of the access. */
export function accessGrants(access: readonly Access[]): Grant[] {
  return [...new Set(access)].flatMap(grantsFor);
}

function grantsFor(kind: Access): Grant[] {
  switch (kind) {
    case 'ledger-read':
      return [
        allow(READ, [events]),
        allow(READ, [state], NOT_TOKENS),
        allow(DECRYPT, [dataKey], VIA_DYNAMODB),
      ];
    case 'ledger-append':
      return [
        allow([...READ, ...APPEND_EVENTS], [events]),
        allow([...READ, ...APPEND_STATE], [state], NOT_TOKENS),
        allow(['dynamodb:DeleteItem'], [state], ONLY_INBOX),
        allow(ENCRYPT, [dataKey], VIA_DYNAMODB),
      ];
    case 'token-read':
      return [allow(['dynamodb:GetItem'], [state], ONLY_TOKENS), allow(DECRYPT, [dataKey], VIA_DYNAMODB)];
    case 'token-check':
      // A failed check only cancels the caller's own transaction; the batch read answers a replay.
      return [
        allow(['dynamodb:ConditionCheckItem', 'dynamodb:BatchGetItem'], [state], ONLY_TOKENS),
        allow(DECRYPT, [dataKey], VIA_DYNAMODB),
      ];
    case 'token-admin':
      // Which tenant a token belongs to is an attribute, not the key (the key is the token's hash), so
      // the handler, not IAM, keeps an admin to its own tenant's tokens.
      return [
        allow(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], [state], ONLY_TOKENS),
        allow(ENCRYPT, [dataKey], VIA_DYNAMODB),
      ];
    case 'projection-write':
      return [
        allow(
          ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
          [state],
          NOT_TOKENS,
        ),
        allow(ENCRYPT, [dataKey], VIA_DYNAMODB),
      ];
    case 'bus-publish':
      return [allow(['events:PutEvents'], [{ resource: 'eventBus' }])];
    case 'digest-seal':
      return [
        // The index holds only heads, keys only; a query of it has no table leading key to condition on.
        allow(['dynamodb:Query'], [{ resource: 'stateTable', path: `/index/${HEAD_INDEX.name}` }]),
        // Each page's heads are then read consistently (an index is eventually consistent).
        allow(['dynamodb:BatchGetItem'], [state], NOT_TOKENS),
        allow(['dynamodb:GetItem', 'dynamodb:PutItem'], [state], SEALER_CHECKPOINT),
        allow(ENCRYPT, [dataKey], VIA_DYNAMODB),
        allow(['kms:Sign'], [{ resource: 'digestSigningKey' }], {
          StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' },
        }),
        allow(['s3:PutObject'], [{ resource: 'digestBucket', path: '/digests/*' }]),
      ];
    case 'tree-write':
      return [
        allow(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], [state], NOT_TOKENS),
        allow(ENCRYPT, [dataKey], VIA_DYNAMODB),
        allow(['kms:Sign'], [{ resource: 'checkpointSigningKey' }], {
          StringEquals: { 'kms:SigningAlgorithm': 'ED25519_SHA_512', 'kms:MessageType': 'RAW' },
        }),
        allow(['kms:GetPublicKey'], [{ resource: 'checkpointSigningKey' }]),
      ];
    case 'checkpoint-key-read':
      return [allow(['kms:GetPublicKey'], [{ resource: 'checkpointSigningKey' }])];
    case 'verification-run':
      return [
        allow(['dynamodb:PutItem'], [state], NOT_TOKENS),
        allow(ENCRYPT, [dataKey], VIA_DYNAMODB),
        allow(['events:PutEvents'], [{ resource: 'eventBus' }]),
      ];
    case 'pipeline-job-result':
      return [
        allow(
          ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult'],
          [{ resource: 'pipelineJobs' }],
        ),
      ];
    case 'checkpoint-archive':
      return [
        allow(['dynamodb:GetItem'], [state], NOT_TOKENS),
        allow(DECRYPT, [dataKey], VIA_DYNAMODB),
        allow(['s3:PutObject'], [{ resource: 'digestBucket', path: '/checkpoints/*' }]),
      ];
    case 'watch-index':
      return [
        allow(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'], [state], WATCH_INDEX),
        allow(ENCRYPT, [dataKey], VIA_DYNAMODB),
      ];
    default:
      return assertNever(kind);
  }
}

function allow(
  actions: readonly string[],
  resources: readonly GrantResource[],
  conditions?: GrantConditions,
): Grant {
  return { actions, resources, ...(conditions ? { conditions } : {}) };
}

function assertNever(value: never): never {
  throw new Error(`unknown access ${String(value)}`);
}
