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
  verifyLedger: {
    entry: 'functions/http/verify-ledger.ts',
    description: 'Recompute the hash chain',
    timeoutSeconds: 60,
  },
  health: { entry: 'functions/http/health.ts', description: 'Liveness' },
  streamRelay: {
    entry: 'functions/stream/relay-to-bus.ts',
    description: 'DynamoDB Streams → EventBridge PutEvents',
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functions;

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway v2 route path, `{name}` for path parameters. */
  readonly path: string;
  readonly function: FunctionName;
  /** Whether the token authorizer runs first; the handler decides which role it needs. */
  readonly authorized: boolean;
}

export const routes: readonly RouteSpec[] = [
  { method: 'GET', path: '/v1/health', function: 'health', authorized: false },
  { method: 'POST', path: '/v1/events', function: 'postEvents', authorized: true },
  { method: 'GET', path: '/v1/events', function: 'listEvents', authorized: true },
  { method: 'GET', path: '/v1/releases', function: 'listReleases', authorized: true },
  { method: 'GET', path: '/v1/releases/{releaseId}', function: 'getRelease', authorized: true },
  { method: 'GET', path: '/v1/releases/{releaseId}/events', function: 'getReleaseEvents', authorized: true },
  { method: 'GET', path: '/v1/deployments/{deploymentId}', function: 'getDeployment', authorized: true },
  { method: 'GET', path: '/v1/audit/verify', function: 'verifyLedger', authorized: true },
];

export interface RuleSpec {
  readonly name: string;
  readonly description: string;
  /** An EventBridge event pattern, matched by EventBridge on AWS and by the in-repo matcher locally. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  readonly target: FunctionName;
}

/** The source every ledger event carries on the bus (see LEDGER_EVENT_SOURCE). */
export const LEDGER_BUS_SOURCE = 'release-ledger';

/**
 * Rules on the ledger's bus. Gate evaluation and automated rollback (issue 3) and the DORA projector
 * (issue 4) add theirs here; the relay already publishes every ledger event for them.
 */
export const rules: readonly RuleSpec[] = [];

/** The DynamoDB Streams → relay wiring. */
export const streamRelay = { function: 'streamRelay', batchSize: 100 } as const satisfies {
  function: FunctionName;
  batchSize: number;
};
