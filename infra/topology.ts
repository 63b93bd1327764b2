/**
 * The system's shape, declared once: functions, HTTP routes and EventBridge rules. The CDK stack and
 * the local runtime both read this, so what runs on one machine is what runs on AWS.
 */

export interface FunctionSpec {
  /** Source file (relative to the repository root) exporting `handler`. */
  readonly entry: string;
  readonly description: string;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /**
   * Files the function reads at run time, copied next to its bundle on AWS (`from` relative to the
   * repository root, `to` relative to the bundle). @default none
   */
  readonly staticAssets?: readonly { readonly from: string; readonly to: string }[];
}

export const functions = {
  tokenAuthorizer: {
    entry: 'functions/auth/token-authorizer.ts',
    description: 'Bearer token → tenant and role',
  },
  postEvents: {
    entry: 'functions/http/post-events.ts',
    description: 'Append events (CloudEvents, CDEvents)',
  },
  listEvents: { entry: 'functions/http/list-events.ts', description: 'Read the tenant ledger by seq' },
  listReleases: { entry: 'functions/http/list-releases.ts', description: 'List releases newest first' },
  getRelease: { entry: 'functions/http/get-release.ts', description: 'One release with its deployments' },
  getReleaseEvents: {
    entry: 'functions/http/get-release-events.ts',
    description: 'A release’s event history',
  },
  getDeployment: { entry: 'functions/http/get-deployment.ts', description: 'One deployment’s status' },
  getDeploymentHandoff: {
    entry: 'functions/http/get-deployment-handoff.ts',
    description: 'The on-call briefing of a deployment and who acknowledged it',
  },
  getDoraMetrics: { entry: 'functions/http/get-dora-metrics.ts', description: 'DORA metrics of a scope' },
  getDoraEvidence: {
    entry: 'functions/http/get-dora-evidence.ts',
    description: 'The deployments, commits and incidents behind a DORA metric',
  },
  getDigest: { entry: 'functions/http/get-digest.ts', description: 'The ledger head as a receipt' },
  exportLedger: {
    entry: 'functions/http/export-ledger.ts',
    description: 'The ledger with its hashes, jsonl or csv',
    timeoutSeconds: 60,
  },
  projectDora: {
    entry: 'functions/reactions/project-dora.ts',
    description: 'Any ledger event → catch the DORA projection up from its checkpoint',
    timeoutSeconds: 300,
  },
  verifyLedger: {
    entry: 'functions/http/verify-ledger.ts',
    description: 'Recompute the hash chain',
    timeoutSeconds: 60,
  },
  getCheckpoint: {
    entry: 'functions/http/get-checkpoint.ts',
    description: 'The latest signed checkpoint (C2SP tlog-checkpoint)',
  },
  getPublicKey: { entry: 'functions/http/get-public-key.ts', description: 'The checkpoint verifier key' },
  getInclusionProof: {
    entry: 'functions/http/get-inclusion-proof.ts',
    description: 'RFC 9162 inclusion proof of one entry',
  },
  getConsistencyProof: {
    entry: 'functions/http/get-consistency-proof.ts',
    description: 'RFC 9162 consistency proof between two tree sizes',
  },
  startVerification: {
    entry: 'functions/http/start-verification.ts',
    description: 'Start a full re-verification job',
  },
  getVerification: { entry: 'functions/http/get-verification.ts', description: 'A verification job' },
  extendTree: {
    entry: 'functions/reactions/extend-tree.ts',
    description: 'Any ledger event → extend the tenant Merkle tree and sign a checkpoint',
    timeoutSeconds: 300,
  },
  runVerification: {
    entry: 'functions/reactions/run-verification.ts',
    description: 'verification.requested → verify the chain from seq 1, continuing across invocations',
    timeoutSeconds: 900,
  },
  health: { entry: 'functions/http/health.ts', description: 'Liveness' },
  getOpenApi: { entry: 'functions/http/get-openapi.ts', description: 'OpenAPI 3.1 document' },
  getStaticFile: {
    entry: 'functions/http/get-static-file.ts',
    description: 'The dashboard and the API reference page',
    staticAssets: [
      { from: 'infra/dashboard', to: 'static/dashboard' },
      { from: 'node_modules/uplot/dist', to: 'static/vendor' },
    ],
  },
  createToken: {
    entry: 'functions/http/create-token.ts',
    description: 'Create a token for the caller’s tenant (admin)',
  },
  revokeToken: {
    entry: 'functions/http/revoke-token.ts',
    description: 'Revoke a token of the caller’s tenant (admin)',
  },
  putPolicy: { entry: 'functions/http/put-policy.ts', description: 'Replace a gate policy (admin)' },
  getPolicy: { entry: 'functions/http/get-policy.ts', description: 'The gate policy in force' },
  listGateBypasses: {
    entry: 'functions/http/list-gate-bypasses.ts',
    description: 'Deployments that went ahead without a passed gate',
  },
  listChanges: {
    entry: 'functions/http/list-changes.ts',
    description: 'The change-management report: production changes of a window with their population proof',
  },
  receiveWebhook: {
    entry: 'functions/http/webhooks/receive-webhook.ts',
    description: 'GitHub, GitLab, PagerDuty and Flux webhooks → ledger events (provider signature, no token)',
  },
  putWebhookSecret: {
    entry: 'functions/http/webhooks/put-webhook-secret.ts',
    description: 'Set a tenant’s webhook secret for a provider (admin)',
  },
  postGateEvaluation: {
    entry: 'functions/http/gates/post-gate-evaluation.ts',
    description: 'Ask the gate asynchronously (dry run optional) → 202 {id}',
  },
  getGateEvaluation: {
    entry: 'functions/http/gates/get-gate-evaluation.ts',
    description: 'A gate evaluation: pending, passed or failed with every check',
  },
  codePipelineGate: {
    entry: 'functions/pipelines/codepipeline-gate.ts',
    description:
      'CodePipeline LambdaInvoke rule → the gate’s evaluation → PutJobSuccessResult | PutJobFailureResult',
    timeoutSeconds: 60,
  },
  putGitHubApp: {
    entry: 'functions/http/integrations/put-github-app.ts',
    description: 'Set the tenant’s GitHub App (id, private key) for deployment protection rules (admin)',
  },
  answerGitHubProtectionRule: {
    entry: 'functions/reactions/answer-github-protection-rule.ts',
    description:
      'deployment.requested from a GitHub protection rule → the gate’s decision → the run’s review',
    timeoutSeconds: 30,
  },
  evaluateGate: {
    entry: 'functions/reactions/evaluate-gate.ts',
    description: 'deployment.requested → gate.evaluated',
  },
  checkGateBypass: {
    entry: 'functions/reactions/check-gate-bypass.ts',
    description: 'Deployments that went ahead without a passed gate → gate.bypassed',
  },
  requestRollback: {
    entry: 'functions/reactions/request-rollback.ts',
    description:
      'Incident, alarm or rollback trigger on a fresh deployment → rollback.requested | rollback.skipped; alarm → alert',
  },
  watchRelease: {
    entry: 'functions/reactions/watch-release.ts',
    description:
      'Production deployment.succeeded → open its post-release watch; on schedule → release.watch.completed',
    timeoutSeconds: 120,
  },
  sealDigest: {
    entry: 'functions/scheduled/seal-digest.ts',
    description: 'Sign every tenant’s ledger head into the Object Lock bucket',
    timeoutSeconds: 300,
  },
  streamRelay: {
    entry: 'functions/stream/relay-to-bus.ts',
    description: 'DynamoDB Streams → EventBridge PutEvents',
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

/**
 * Functions an AWS service invokes directly, asynchronously: CodePipeline runs the gate as a stage
 * condition's `LambdaInvoke` rule (see infra/aws/codepipeline-gate-rule.ts).
 */
export const pipelineFunctions: readonly FunctionName[] = ['codePipelineGate'];

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway v2 route path, `{name}` for path parameters. */
  readonly path: string;
  readonly function: FunctionName;
  /** Whether the token authorizer runs first; the handler decides which role it needs. */
  readonly authorized: boolean;
  /**
   * This route's own throttle, applied by API Gateway (route settings) and by the local HTTP adapter, so
   * a flood on one route cannot use up the whole stage's. @default the stage's (STAGE_THROTTLE)
   */
  readonly throttle?: Throttle;
}

/** Steady requests per second, and the burst a token bucket of that size allows. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** What every route without its own throttle shares: the whole stage's limit on AWS. */
export const STAGE_THROTTLE: Throttle = { rateLimit: 100, burstLimit: 200 };
/** Unauthenticated and cheap to send: a webhook flood must not take the API's capacity from tenants. */
const WEBHOOK_THROTTLE: Throttle = { rateLimit: 10, burstLimit: 20 };
/** Liveness probes need a few requests a second, never the API's share. */
const HEALTH_THROTTLE: Throttle = { rateLimit: 20, burstLimit: 40 };
/** Token changes are rare admin actions. */
const TOKEN_THROTTLE: Throttle = { rateLimit: 5, burstLimit: 10 };

export const routes: readonly RouteSpec[] = [
  { method: 'GET', path: '/v1/health', function: 'health', authorized: false, throttle: HEALTH_THROTTLE },
  { method: 'GET', path: '/v1/openapi.json', function: 'getOpenApi', authorized: false },
  { method: 'GET', path: '/', function: 'getStaticFile', authorized: false },
  { method: 'GET', path: '/docs', function: 'getStaticFile', authorized: false },
  { method: 'GET', path: '/dashboard/{file+}', function: 'getStaticFile', authorized: false },
  { method: 'POST', path: '/v1/tokens', function: 'createToken', authorized: true, throttle: TOKEN_THROTTLE },
  {
    method: 'POST',
    path: '/v1/tokens/revoke',
    function: 'revokeToken',
    authorized: true,
    throttle: TOKEN_THROTTLE,
  },
  { method: 'POST', path: '/v1/events', function: 'postEvents', authorized: true },
  { method: 'GET', path: '/v1/events', function: 'listEvents', authorized: true },
  { method: 'GET', path: '/v1/releases', function: 'listReleases', authorized: true },
  { method: 'GET', path: '/v1/releases/{releaseId}', function: 'getRelease', authorized: true },
  { method: 'GET', path: '/v1/releases/{releaseId}/events', function: 'getReleaseEvents', authorized: true },
  { method: 'GET', path: '/v1/deployments/{deploymentId}', function: 'getDeployment', authorized: true },
  {
    method: 'GET',
    path: '/v1/deployments/{deploymentId}/handoff',
    function: 'getDeploymentHandoff',
    authorized: true,
  },
  { method: 'GET', path: '/v1/audit/verify', function: 'verifyLedger', authorized: true },
  { method: 'GET', path: '/v1/audit/digest', function: 'getDigest', authorized: true },
  { method: 'GET', path: '/v1/audit/export', function: 'exportLedger', authorized: true },
  { method: 'GET', path: '/v1/audit/checkpoint', function: 'getCheckpoint', authorized: true },
  { method: 'GET', path: '/v1/audit/public-key', function: 'getPublicKey', authorized: true },
  { method: 'GET', path: '/v1/audit/proof/inclusion', function: 'getInclusionProof', authorized: true },
  { method: 'GET', path: '/v1/audit/proof/consistency', function: 'getConsistencyProof', authorized: true },
  { method: 'POST', path: '/v1/audit/verifications', function: 'startVerification', authorized: true },
  { method: 'GET', path: '/v1/audit/verifications/{id}', function: 'getVerification', authorized: true },
  { method: 'GET', path: '/v1/metrics/dora', function: 'getDoraMetrics', authorized: true },
  { method: 'GET', path: '/v1/metrics/dora/evidence', function: 'getDoraEvidence', authorized: true },
  { method: 'PUT', path: '/v1/policies/{service}/{environment}', function: 'putPolicy', authorized: true },
  { method: 'GET', path: '/v1/policies/{service}/{environment}', function: 'getPolicy', authorized: true },
  { method: 'GET', path: '/v1/audit/gate-bypasses', function: 'listGateBypasses', authorized: true },
  { method: 'POST', path: '/v1/gates/evaluations', function: 'postGateEvaluation', authorized: true },
  {
    method: 'GET',
    path: '/v1/gates/evaluations/{evaluationId}',
    function: 'getGateEvaluation',
    authorized: true,
  },
  { method: 'GET', path: '/v1/audit/changes', function: 'listChanges', authorized: true },
  // Providers cannot send a bearer token: the tenant is in the URL and the provider's signature authenticates.
  {
    method: 'POST',
    path: '/v1/webhooks/{provider}',
    function: 'receiveWebhook',
    authorized: false,
    throttle: WEBHOOK_THROTTLE,
  },
  { method: 'PUT', path: '/v1/webhooks/{provider}/secret', function: 'putWebhookSecret', authorized: true },
  { method: 'PUT', path: '/v1/integrations/github-app', function: 'putGitHubApp', authorized: true },
];

export interface RuleSpec {
  readonly name: string;
  readonly description: string;
  /** An EventBridge event pattern, matched by EventBridge on AWS and by the in-repo matcher locally. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  readonly target: FunctionName;
  /**
   * Which bus the rule listens on: the ledger's own bus, or the account's default bus where AWS services
   * (CloudWatch alarms) publish. Locally there is one bus for both. @default 'ledger'
   */
  readonly bus?: 'ledger' | 'default';
}

/** The source every ledger event carries on the bus (see LEDGER_EVENT_SOURCE). */
export const LEDGER_BUS_SOURCE = 'release-ledger';
/** The source of verification job requests (not ledger events: the ledger's rules never see them). */
export const VERIFICATION_BUS_SOURCE = 'release-ledger.audit';

/**
 * EventBridge rules. Targets are invoked at least once and in any order; each reacts idempotently (a
 * decision's identity is derived from what triggered it) and reads the ledger rather than trusting the
 * bus event's position.
 */
export const rules: readonly RuleSpec[] = [
  {
    name: 'gate-evaluation',
    description: 'Evaluate the gate of every requested deployment',
    eventPattern: { source: [LEDGER_BUS_SOURCE], 'detail-type': ['deployment.requested'] },
    target: 'evaluateGate',
  },
  {
    name: 'github-protection-rule',
    description: 'Review a GitHub deployment protection rule once the gate decided its request',
    eventPattern: {
      source: [LEDGER_BUS_SOURCE],
      'detail-type': ['deployment.requested'],
      detail: { data: { githubReview: { callbackUrl: [{ exists: true }] } } },
    },
    target: 'answerGitHubProtectionRule',
  },
  {
    name: 'gate-bypass-check',
    description: 'Mark deployments that started, took traffic or succeeded without a passed gate',
    eventPattern: {
      source: [LEDGER_BUS_SOURCE],
      'detail-type': ['deployment.started', 'deployment.progressed', 'deployment.succeeded'],
    },
    target: 'checkGateBypass',
  },
  {
    name: 'rollback-on-incident',
    description: 'Roll back a fresh deployment when an incident opens on it',
    eventPattern: { source: [LEDGER_BUS_SOURCE], 'detail-type': ['incident.opened'] },
    target: 'requestRollback',
  },
  {
    name: 'rollback-on-alarm',
    description:
      'Record a policy’s CloudWatch alarm entering ALARM or OK as alert.fired/resolved; roll back a fresh deployment on ALARM',
    eventPattern: {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { state: { value: ['ALARM', 'OK'] } },
    },
    target: 'requestRollback',
    bus: 'default',
  },
  {
    name: 'rollback-on-trigger',
    description: 'Roll back the latest production deployment when a rollback trigger agreed for it fires',
    eventPattern: { source: [LEDGER_BUS_SOURCE], 'detail-type': ['metric.observed'] },
    target: 'requestRollback',
  },
  {
    name: 'release-watch',
    description: 'Open the post-release watch of every successful production deployment',
    eventPattern: {
      source: [LEDGER_BUS_SOURCE],
      'detail-type': ['deployment.succeeded', 'deployment.progressed'],
    },
    target: 'watchRelease',
  },
  {
    name: 'dora-projection',
    description: 'Nudge the DORA projector to catch up on the tenant ledger',
    eventPattern: { source: [LEDGER_BUS_SOURCE] },
    target: 'projectDora',
  },
  {
    name: 'merkle-tree',
    description: 'Nudge the tenant Merkle tree to catch up on the ledger and sign a checkpoint',
    eventPattern: { source: [LEDGER_BUS_SOURCE] },
    target: 'extendTree',
  },
  {
    name: 'full-verification',
    description: 'Run (or continue) a full verification job',
    eventPattern: { source: [VERIFICATION_BUS_SOURCE], 'detail-type': ['verification.requested'] },
    target: 'runVerification',
  },
];

export interface ScheduleSpec {
  readonly name: string;
  readonly function: FunctionName;
  /** An EventBridge rate expression. */
  readonly rate: `rate(${number} ${'minute' | 'minutes' | 'hour' | 'hours' | 'day' | 'days'})`;
  /**
   * Whether the local runtime runs it on its own timer too (at the rate, or the runtime's
   * `scheduleIntervalMs`). @default false
   */
  readonly local?: boolean;
}

/** Functions run on a schedule (on AWS; locally only those marked `local`: the runtime seals no digests). */
export const schedules: readonly ScheduleSpec[] = [
  { name: 'seal-digest', function: 'sealDigest', rate: 'rate(1 hour)' },
  // A watch ends at most this long before its outcome is recorded.
  { name: 'release-watch', function: 'watchRelease', rate: 'rate(5 minutes)', local: true },
];

/** The DynamoDB Streams → relay wiring. */
export const streamRelay = { function: 'streamRelay', batchSize: 100 } as const satisfies {
  function: FunctionName;
  batchSize: number;
};
