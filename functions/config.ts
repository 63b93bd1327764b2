import { DEFAULT_DORA_DEFINITIONS, type DoraDefinitions } from '../domain/dora/definitions.ts';

/** Every environment variable the functions read, read here and nowhere else. */
export interface FunctionConfig {
  readonly eventsTable: string;
  readonly stateTable: string;
  readonly region: string;
  /** Set locally (DynamoDB Local); absent on AWS. */
  readonly dynamoDbEndpoint: string | undefined;
  readonly eventBusName: string;
  /** Set locally (the bus stand-in); absent on AWS. */
  readonly eventBusEndpoint: string | undefined;
  /** EventBridge `source` of every event the relay publishes. */
  readonly eventSource: string;
  /** The Object Lock bucket of signed ledger digests (only the digest sealer has one). */
  readonly digestBucket: string | undefined;
  /** The KMS asymmetric key that signs ledger digests (only the digest sealer has one). */
  readonly digestSigningKey: string | undefined;
  /** The ledger's name in checkpoint origins and key names (`<ledgerName>/<tenant>`). */
  readonly ledgerName: string;
  /** The KMS ECC_NIST_EDWARDS25519 key that signs checkpoints (on AWS). */
  readonly checkpointSigningKey: string | undefined;
  /** The local Ed25519 checkpoint key file (PKCS#8 PEM), created on first use (local runtime). */
  readonly checkpointKeyFile: string | undefined;
  /** Where the dashboard's files are: copied into the bundle on Lambda, the repository locally. */
  readonly dashboardDir: string;
  /** Where the dashboard's chart library is (uPlot's dist files). */
  readonly dashboardVendorDir: string;
  /** DORA definitions: which environments count as production, and the incident attribution gap. */
  readonly doraDefinitions: DoraDefinitions;
  /** CodePipeline's endpoint for job results: set locally to a stand-in; absent on AWS (the regional one). */
  readonly codePipelineEndpoint: string | undefined;
  /** GitHub's REST API, where GitHub App tokens and protection-rule reviews go (a stand-in in tests). */
  readonly githubApiUrl: string;
  /**
   * What an append does after losing the tenant's head to another container (`LEDGER_APPEND_CONTENTION`):
   * `rebase` (default) or the opt-in `inbox`; see DynamoDbEventStoreOptions.contention.
   */
  readonly appendContention: 'inbox' | 'rebase';
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  return {
    eventsTable: env.LEDGER_EVENTS_TABLE ?? 'release-ledger-events',
    stateTable: env.LEDGER_STATE_TABLE ?? 'release-ledger-state',
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    dynamoDbEndpoint: env.LEDGER_DYNAMODB_ENDPOINT || undefined,
    eventBusName: env.LEDGER_EVENT_BUS_NAME ?? 'release-ledger',
    eventBusEndpoint: env.LEDGER_EVENT_BUS_ENDPOINT || undefined,
    eventSource: env.LEDGER_EVENT_SOURCE ?? 'release-ledger',
    digestBucket: env.LEDGER_DIGEST_BUCKET || undefined,
    digestSigningKey: env.LEDGER_DIGEST_SIGNING_KEY || undefined,
    ledgerName: env.LEDGER_NAME || 'release-ledger',
    checkpointSigningKey: env.LEDGER_CHECKPOINT_SIGNING_KEY || undefined,
    checkpointKeyFile: env.LEDGER_CHECKPOINT_KEY_FILE || undefined,
    dashboardDir: env.LEDGER_DASHBOARD_DIR ?? `${env.LAMBDA_TASK_ROOT ?? '.'}/static/dashboard`,
    dashboardVendorDir: env.LEDGER_DASHBOARD_VENDOR_DIR ?? `${env.LAMBDA_TASK_ROOT ?? '.'}/static/vendor`,
    doraDefinitions: doraDefinitions(env),
    codePipelineEndpoint: env.LEDGER_CODEPIPELINE_ENDPOINT || undefined,
    githubApiUrl: env.LEDGER_GITHUB_API_URL || 'https://api.github.com',
    appendContention: env.LEDGER_APPEND_CONTENTION === 'inbox' ? 'inbox' : 'rebase',
  };
}

/**
 * `LEDGER_DORA_PRODUCTION_ENVIRONMENTS` (comma-separated), `LEDGER_DORA_INCIDENT_GAP_HOURS` and
 * `LEDGER_DORA_LOOKBACK_DAYS`.
 */
function doraDefinitions(env: NodeJS.ProcessEnv): DoraDefinitions {
  const environments = (env.LEDGER_DORA_PRODUCTION_ENVIRONMENTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const gap = Number(env.LEDGER_DORA_INCIDENT_GAP_HOURS);
  const lookback = Number(env.LEDGER_DORA_LOOKBACK_DAYS);
  return {
    productionEnvironments:
      environments.length > 0 ? environments : DEFAULT_DORA_DEFINITIONS.productionEnvironments,
    incidentGapHours: Number.isFinite(gap) && gap >= 0 ? gap : DEFAULT_DORA_DEFINITIONS.incidentGapHours,
    lookbackDays:
      env.LEDGER_DORA_LOOKBACK_DAYS !== undefined && Number.isInteger(lookback) && lookback >= 1
        ? lookback
        : DEFAULT_DORA_DEFINITIONS.lookbackDays,
  };
}
