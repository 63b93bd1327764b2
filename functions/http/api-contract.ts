import * as z from 'zod';
import type { RoleSchema } from '../../domain/auth/roles.ts';
import { nativeEventSchemas } from '../../domain/events/native-events.ts';
import { GateEvaluationBodySchema } from '../../domain/gates/gate-evaluation.ts';
import { CloudEventEnvelopeSchema } from '../../domain/ingest/normalise-event.ts';
import { PolicySchema } from '../../domain/policies/policy.ts';
import { ConsistencyQuerySchema, InclusionQuerySchema } from './audit-proof-query.ts';
import { ChangesQuerySchema } from './changes-query.ts';
import { DoraQuerySchema } from './dora-query.ts';
import { TimeWindowQuerySchema } from './query-params.ts';
import {
  DoraEvidenceQuerySchema,
  ExportQuerySchema,
  GitHubAppBodySchema,
  LedgerQuerySchema,
  ReleaseListQuerySchema,
  StreamQuerySchema,
  TokenCreateBodySchema,
  TokenRevokeBodySchema,
  WebhookSecretBodySchemas,
} from './request-schemas.ts';

/**
 * What each route accepts, for the OpenAPI document: the very zod schemas the handlers parse with, so
 * the document cannot drift from the code. A test checks these entries match the topology's routes.
 */
export interface RouteContract {
  readonly summary: string;
  /** Roles that may call it; empty for public routes. */
  readonly roles: readonly z.infer<typeof RoleSchema>[];
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly bodyMediaTypes?: readonly string[];
  /** Success status and what it returns. */
  readonly success: { readonly status: number; readonly description: string };
}

/** A CloudEvent whose `type` names a native event and whose `data` is that type's schema. */
const cloudEventOf = (type: string, data: z.ZodType) =>
  CloudEventEnvelopeSchema.extend({ type: z.literal(type), data }).meta({ title: `CloudEvent ${type}` });
const ingestVariants: z.ZodType[] = Object.entries(nativeEventSchemas).map(([type, data]) =>
  cloudEventOf(type, data),
);
export const IngestBodySchema = z.union(ingestVariants as [z.ZodType, z.ZodType, ...z.ZodType[]]);

const readers = ['reader', 'admin'] as const;

export const apiContract: Readonly<Record<string, RouteContract>> = {
  'GET /v1/health': {
    summary: 'Liveness',
    roles: [],
    success: { status: 200, description: '`{"status":"ok"}`' },
  },
  'POST /v1/events': {
    summary:
      'Append one event, or a batch all-or-nothing (CloudEvents binary, structured or batched; or a raw CDEvent)',
    roles: ['writer', 'admin'],
    body: IngestBodySchema,
    bodyMediaTypes: [
      'application/json',
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
    ],
    success: {
      status: 201,
      description:
        '`{event}` or `{events}`; an identical replay answers 200 with `Idempotent-Replayed: true`',
    },
  },
  'GET /v1/events': {
    summary: 'The tenant ledger in seq order',
    roles: readers,
    query: LedgerQuerySchema,
    success: { status: 200, description: '`{events, next}`' },
  },
  'GET /v1/releases': {
    summary: 'Releases newest first',
    roles: readers,
    query: ReleaseListQuerySchema,
    success: { status: 200, description: '`{releases, next}`' },
  },
  'GET /v1/releases/{releaseId}': {
    summary:
      'One release with commits, approvals, tests, deployments per environment, and deployed vs released to users (`delivery`)',
    roles: readers,
    success: { status: 200, description: '`{release}`' },
  },
  'GET /v1/releases/{releaseId}/events': {
    summary: 'Every event of a release, in ledger order, a page at a time',
    roles: readers,
    query: StreamQuerySchema,
    success: { status: 200, description: '`{events, next}`; pass `next` as `after` until it is null' },
  },
  'GET /v1/deployments/{deploymentId}': {
    summary: 'A deployment’s status, gate, rollback state and traffic history (`traffic`)',
    roles: ['reader', 'writer', 'admin'],
    success: { status: 200, description: '`{deployment}`' },
  },
  'GET /v1/deployments/{deploymentId}/handoff': {
    summary:
      'The on-call briefing of a deployment: what changed, open incidents, rollback triggers, procedure and target, runbooks, dashboards, escalation, and who acknowledged it',
    roles: ['reader', 'writer', 'admin'],
    success: { status: 200, description: '`{handoff}`' },
  },
  'GET /v1/audit/verify': {
    summary: 'Verify the hash chain from the last verified checkpoint to the head (bounded time)',
    roles: readers,
    success: {
      status: 200,
      description:
        '`{ok, checked, head, from, complete, ledgerHead, checkpoint, lastFullVerification}` or `{ok: false, firstBadSeq, reason, checked, from, checkpoint, lastFullVerification}`',
    },
  },
  'GET /v1/audit/checkpoint': {
    summary: 'The latest signed checkpoint (C2SP tlog-checkpoint signed note), exactly as signed',
    roles: readers,
    success: {
      status: 200,
      description: 'text/plain: origin, tree size, base64 root hash, blank line, signature',
    },
  },
  'GET /v1/audit/public-key': {
    summary: 'The checkpoint verifier key (`<origin>+<key id>+<base64(0x01 ‖ Ed25519 public key)>`)',
    roles: readers,
    success: { status: 200, description: 'text/plain, one line' },
  },
  'GET /v1/audit/proof/inclusion': {
    summary: 'RFC 9162 inclusion proof of the entry `seq` in the tree of `treeSize` leaves',
    roles: readers,
    query: InclusionQuerySchema,
    success: {
      status: 200,
      description: '`{seq, treeSize, leafIndex, hashes}` (base64, nearest the leaf first)',
    },
  },
  'GET /v1/audit/proof/consistency': {
    summary: 'RFC 9162 consistency proof from tree size `from` to tree size `to`',
    roles: readers,
    query: ConsistencyQuerySchema,
    success: { status: 200, description: '`{from, to, hashes}`' },
  },
  'POST /v1/audit/verifications': {
    summary: 'Start a full re-verification of the chain from seq 1 (asynchronous job)',
    roles: readers,
    success: { status: 202, description: '`{id, status, checked, target, requestedAt, updatedAt}`' },
  },
  'GET /v1/audit/verifications/{id}': {
    summary: 'A full verification job: progress and, when done, its result',
    roles: readers,
    success: { status: 200, description: '`{id, status, checked, target, result?, completedAt?}`' },
  },
  'PUT /v1/policies/{service}/{environment}': {
    summary: 'Replace the gate policy of a service in an environment',
    roles: ['admin'],
    body: PolicySchema,
    bodyMediaTypes: ['application/json'],
    success: {
      status: 201,
      description: '`{policy, policyVersion, changed, previousVersion}`; 200 when replacing',
    },
  },
  'GET /v1/policies/{service}/{environment}': {
    summary: 'The gate policy in force',
    roles: readers,
    success: { status: 200, description: '`{policy, policyVersion, seq}`' },
  },
  'GET /v1/audit/gate-bypasses': {
    summary: 'Deployments that went ahead without a passed gate, newest first',
    roles: readers,
    query: TimeWindowQuerySchema,
    success: { status: 200, description: '`{bypasses, next}`' },
  },
  'GET /v1/audit/changes': {
    summary:
      'The change-management report: production changes of a window (each with separation of duties, tests, gate, emergency review, incidents, rollbacks) and the population proof; `sample` + `seed` draw a reproducible sample with inclusion proofs',
    roles: readers,
    query: ChangesQuerySchema,
    success: {
      status: 200,
      description:
        '`{window, population: {fromSeq, toSeq, scanned, count, treeSize, checkpoint, before, after}, items, next}` (JSON) or one CSV row per change with the population in `ledger-population-*` headers',
    },
  },
  'POST /v1/gates/evaluations': {
    summary:
      'Ask the gate asynchronously for a release (by id or version) in an environment; `dryRun: true` records the real verdict but answers passed. `Idempotency-Key` makes a retry the same evaluation',
    roles: ['writer', 'admin'],
    body: GateEvaluationBodySchema,
    bodyMediaTypes: ['application/json'],
    success: {
      status: 202,
      description:
        '`{id, status: "pending", location}`; a retry with the same `Idempotency-Key` answers the same id with `Idempotent-Replayed: true`',
    },
  },
  'GET /v1/gates/evaluations/{evaluationId}': {
    summary: 'A gate evaluation: pending, or passed | failed with every check (a dry run answers passed)',
    roles: ['reader', 'writer', 'admin'],
    success: {
      status: 200,
      description:
        '`{id, status, verdict, dryRun, service, environment, releaseId, version, deploymentId, requestedAt, requestSeq, evaluatedAt, decisionSeq, policyVersion, checks}`',
    },
  },
  'POST /v1/tokens': {
    summary: 'Create a token for the caller’s tenant',
    roles: ['admin'],
    body: TokenCreateBodySchema,
    bodyMediaTypes: ['application/json'],
    success: { status: 201, description: '`{token, tenant, role}` (the token is shown once)' },
  },
  'POST /v1/tokens/revoke': {
    summary: 'Revoke a token of the caller’s tenant',
    roles: ['admin'],
    body: TokenRevokeBodySchema,
    bodyMediaTypes: ['application/json'],
    success: { status: 200, description: '`{revoked: true}`' },
  },
  'GET /v1/metrics/dora': {
    summary:
      'The five DORA metrics of a scope over a window, with tiers and a series per bucket (asOf replays)',
    roles: readers,
    query: DoraQuerySchema,
    success: {
      status: 200,
      description:
        '`{scope, window, deploymentFrequency, leadTimeForChanges, changeFailureRate, failedDeploymentRecoveryTime, deploymentReworkRate, reworkRate: {readings}, releaseFrequency, leadTimeToRelease, rollbackRate, postReleaseAlertVolume: {medianRatio, shareAboveBaseline, above, watched, samples}, series, definitionsVersion, asOf, tiers: {edition}, targets: {rollbackRate: {below, met}, postReleaseAlertVolume: {below, met}}}`',
    },
  },
  'GET /v1/metrics/dora/evidence': {
    summary:
      'The deployments, commits and incidents behind one metric, with the linking rule of each (releases released to users and their commits for `releaseFrequency` and `leadTimeToRelease`; the watched deployments with their `alertVolume` for `postReleaseAlertVolume`)',
    roles: readers,
    query: DoraEvidenceQuerySchema,
    success: { status: 200, description: '`{metric, total, items, next, tiers}`' },
  },
  'GET /v1/audit/digest': {
    summary: 'The current head as a receipt',
    roles: readers,
    success: { status: 200, description: '`{seq, chainHash, recordedAt}`' },
  },
  'GET /v1/audit/export': {
    summary: 'The ledger with hashes, in seq order (jsonl or csv)',
    roles: readers,
    query: ExportQuerySchema,
    success: { status: 200, description: 'one stored event per line; verify offline with `npm run verify`' },
  },
  'POST /v1/webhooks/{provider}': {
    summary:
      'A GitHub, GitLab, PagerDuty, Flux, Alertmanager or LaunchDarkly delivery, verified by the provider’s signature (`?tenant=` names the tenant)',
    roles: [],
    success: {
      status: 201,
      description: 'the events recorded; 200 for a redelivery, 202 for an ignored kind',
    },
  },
  'PUT /v1/webhooks/{provider}/secret': {
    summary: 'Set or rotate the tenant’s webhook secret for a provider',
    roles: ['admin'],
    body: z.union([
      WebhookSecretBodySchemas.github,
      WebhookSecretBodySchemas.gitlab,
      WebhookSecretBodySchemas.pagerduty,
      WebhookSecretBodySchemas.alertmanager,
      WebhookSecretBodySchemas.launchdarkly,
    ]),
    bodyMediaTypes: ['application/json'],
    success: { status: 200, description: 'the provider and that a secret is configured (never the secret)' },
  },
  'PUT /v1/integrations/github-app': {
    summary:
      'Set or replace the tenant’s GitHub App (id and RSA private key), which answers deployment_protection_rule deliveries',
    roles: ['admin'],
    body: GitHubAppBodySchema,
    bodyMediaTypes: ['application/json'],
    success: { status: 201, description: '`{appId, configured: true}` (never the key); 200 when replacing' },
  },
  'GET /': { summary: 'The dashboard (HTML)', roles: [], success: { status: 200, description: 'text/html' } },
  'GET /docs': {
    summary: 'This document as a readable page',
    roles: [],
    success: { status: 200, description: 'text/html' },
  },
  'GET /dashboard/{file+}': {
    summary: 'The dashboard’s scripts, styles and chart library',
    roles: [],
    success: { status: 200, description: 'the file' },
  },
  'GET /v1/openapi.json': {
    summary: 'This document',
    roles: [],
    success: { status: 200, description: 'OpenAPI 3.1' },
  },
};
