import * as z from 'zod';
import type { CheckResult } from '../events/decision-events.ts';
import { id, name } from '../events/event-fields.ts';
import { canonicalJson } from '../ledger/canonical-json.ts';
import { sha256Hex } from '../ledger/hash-chain.ts';
import type { IncomingEvent, StoredEvent } from '../ledger/ledger-event.ts';
import { pipelineAnswer } from './pipeline-answer.ts';

/**
 * The gate as an asynchronous evaluate API (`POST /v1/gates/evaluations`). An evaluation is a
 * `deployment.requested` recorded under (EVALUATION_SOURCE, evaluation id) and carrying `evaluationId`:
 * the gate-evaluation rule decides it like every other request, and its `gate.evaluated` carries the
 * same `evaluationId`, so both land in the stream `evaluation/<id>` that the status route reads.
 */
export const EVALUATION_SOURCE = '/v1/gates/evaluations';

/** POST /v1/gates/evaluations: a release by id or by version, and the deployment it is for when known. */
export const GateEvaluationBodySchema = z
  .strictObject({
    service: name,
    environment: name,
    releaseId: id.optional(),
    version: name.optional(),
    /** The deployment this evaluation is for; without it the evaluation id is the deployment's id. */
    deploymentId: id.optional(),
    /** Record the real verdict, answer `passed` (the policy's `mode: "dry-run"` does the same). */
    dryRun: z.boolean().optional(),
  })
  .refine((body) => body.releaseId !== undefined || body.version !== undefined, {
    message: 'releaseId or version is required',
    path: ['releaseId'],
  });
export type GateEvaluationBody = z.infer<typeof GateEvaluationBodySchema>;

/** An `Idempotency-Key` header: any printable ASCII, as the IETF Idempotency-Key draft allows. */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isEvaluationId(value: string): boolean {
  return UUID.test(value);
}

/**
 * The evaluation id a retried request gets again: a UUID (version 8, name-based) of its idempotency key.
 * The ledger is per tenant, so two tenants using the same key never meet.
 */
export function evaluationIdFor(idempotencyKey: string): string {
  const hex = sha256Hex(`gate-evaluation:${idempotencyKey}`).slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The request an evaluation records. Its payload hash covers only type and data, so a retry of the same
 * request under the same key replays and a different request under that key is an idempotency conflict.
 */
export function evaluationRequest(evaluationId: string, body: GateEvaluationBody): IncomingEvent {
  const data: Record<string, unknown> = {
    deploymentId: body.deploymentId ?? evaluationId,
    environment: body.environment,
    service: body.service,
    ...(body.releaseId !== undefined ? { releaseId: body.releaseId } : {}),
    ...(body.version !== undefined ? { version: body.version } : {}),
    ...(body.dryRun === true ? { dryRun: true } : {}),
    evaluationId,
  };
  const type = 'deployment.requested' as const;
  return {
    source: EVALUATION_SOURCE,
    id: evaluationId,
    type,
    data,
    original: { format: 'api', payload: { route: 'POST /v1/gates/evaluations', body } },
    payloadHash: sha256Hex(canonicalJson({ type, data })),
  };
}

export type EvaluationStatus = 'pending' | 'passed' | 'failed';

/** What a pipeline polling an evaluation reads. */
export interface GateEvaluationView {
  readonly id: string;
  /** What the pipeline acts on: a dry run answers `passed` whatever its verdict. */
  readonly status: EvaluationStatus;
  /** The gate's real verdict, null while pending. */
  readonly verdict: 'passed' | 'failed' | null;
  readonly dryRun: boolean;
  readonly service: string | null;
  readonly environment: string;
  readonly releaseId: string | null;
  readonly version: string | null;
  readonly deploymentId: string;
  readonly requestedAt: string;
  readonly requestSeq: number;
  readonly evaluatedAt: string | null;
  readonly decisionSeq: number | null;
  readonly policyVersion: string | null;
  readonly checks: readonly CheckResult[];
}

/**
 * Folds an evaluation's stream: its request (only the one recorded under this id by the evaluate route
 * counts) and the decision answering that request's seq. Undefined when there is no such request.
 */
export function evaluationView(
  evaluationId: string,
  events: readonly StoredEvent[],
): GateEvaluationView | undefined {
  const request = events.find(
    (e) => e.type === 'deployment.requested' && e.source === EVALUATION_SOURCE && e.id === evaluationId,
  );
  if (!request) return undefined;
  const asked = request.data as Record<string, unknown>;
  const decision = events.find(
    (e) => e.type === 'gate.evaluated' && (e.data as Record<string, unknown>).requestSeq === request.seq,
  );
  const decided = decision?.data as
    | { decision: 'passed' | 'failed'; dryRun?: true; checks: CheckResult[]; policyVersion: string | null }
    | undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return {
    id: evaluationId,
    status: decided ? pipelineAnswer(decided) : 'pending',
    verdict: decided?.decision ?? null,
    dryRun: decided ? decided.dryRun === true : asked.dryRun === true,
    service: text(asked.service),
    environment: String(asked.environment),
    releaseId: text(asked.releaseId),
    version: text(asked.version),
    deploymentId: String(asked.deploymentId),
    requestedAt: request.recordedAt,
    requestSeq: request.seq,
    evaluatedAt: decision ? decision.recordedAt : null,
    decisionSeq: decision?.seq ?? null,
    policyVersion: decided?.policyVersion ?? null,
    checks: decided?.checks ?? [],
  };
}
