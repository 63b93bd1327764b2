import { describe, expect, it } from 'vitest';
import { GateEvaluatedSchema } from '../../../../domain/events/decision-events.ts';
import { evaluateGate } from '../../../../domain/gates/evaluate-gate.ts';
import {
  EVALUATION_SOURCE,
  evaluationIdFor,
  evaluationRequest,
  evaluationView,
  GateEvaluationBodySchema,
  isEvaluationId,
} from '../../../../domain/gates/gate-evaluation.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { streamsOf } from '../../../../domain/ledger/streams.ts';
import { PolicySchema, policyVersion } from '../../../../domain/policies/policy.ts';
import { history } from '../../../support/stored-events.ts';

const id = evaluationIdFor('run-42');

/** The request an evaluation records, as the store would give it back at `seq`. */
function stored(seq: number, body: Record<string, unknown>): StoredEvent {
  const incoming = evaluationRequest(id, GateEvaluationBodySchema.parse(body));
  return {
    ...history().at(incoming.type, '2026-11-21T10:00:00Z', incoming.data as Record<string, unknown>),
    seq,
    source: incoming.source,
    id: incoming.id,
  };
}

/** The gate's decision of that request under a policy asking for one approval. */
function decisionOf(request: StoredEvent, mode?: 'dry-run'): StoredEvent {
  const policy = PolicySchema.parse({ requiredApprovals: 1, ...(mode ? { mode } : {}) });
  const data = request.data as Record<string, unknown>;
  const decision = evaluateGate({
    request: {
      deploymentId: String(data.deploymentId),
      releaseId: 'api-2',
      service: 'api',
      environment: 'production',
      seq: request.seq,
      recordedAt: request.recordedAt,
      ...(data.dryRun === true ? { dryRun: true } : {}),
      evaluationId: String(data.evaluationId),
    },
    policy: { policy, version: policyVersion(policy) },
    releaseEvents: [history().at('release.created', '2026-11-01T00:00:00Z', { releaseId: 'api-2' })],
    serviceEvents: [],
    resolvedIncidents: new Set(),
  });
  return { ...history().at('gate.evaluated', request.recordedAt, decision), seq: request.seq + 1 };
}

const body = { service: 'api', environment: 'production', releaseId: 'api-2' };

describe('gate evaluations', () => {
  it('given the same idempotency key, when the id is derived twice, then it is the same UUID; another key gives another', () => {
    expect(evaluationIdFor('run-42')).toBe(id);
    expect(isEvaluationId(id)).toBe(true);
    expect(evaluationIdFor('run-43')).not.toBe(id);
  });

  it('given a body without deploymentId, when the request is built, then the evaluation id is its deployment and both its streams hold it', () => {
    const request = evaluationRequest(id, GateEvaluationBodySchema.parse(body));
    expect(request).toMatchObject({ source: EVALUATION_SOURCE, id, type: 'deployment.requested' });
    expect(request.data).toEqual({ ...body, deploymentId: id, evaluationId: id });
    expect(streamsOf(request)).toEqual([
      `deployment/${id}`,
      'release/api-2',
      'service/api/production',
      `evaluation/${id}`,
    ]);
  });

  it('given the same body retried, when it is built again, then the payload hash is the same; dryRun changes it', () => {
    const first = evaluationRequest(id, GateEvaluationBodySchema.parse(body));
    const again = evaluationRequest(id, GateEvaluationBodySchema.parse({ ...body }));
    const dry = evaluationRequest(id, GateEvaluationBodySchema.parse({ ...body, dryRun: true }));
    expect(again.payloadHash).toBe(first.payloadHash);
    expect(dry.payloadHash).not.toBe(first.payloadHash);
  });

  it('given a body naming neither releaseId nor version, when it is parsed, then releaseId is the failing path', () => {
    const parsed = GateEvaluationBodySchema.safeParse({ service: 'api', environment: 'production' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path)).toEqual([['releaseId']]);
  });

  it('given a recorded request and no decision yet, when the evaluation is read, then it is pending', () => {
    const view = evaluationView(id, [stored(10, body)]);
    expect(view).toMatchObject({ id, status: 'pending', verdict: null, checks: [], requestSeq: 10 });
  });

  it('given a failing decision of the request, when the evaluation is read, then it failed with every check', () => {
    const request = stored(10, body);
    const decision = decisionOf(request);
    expect(GateEvaluatedSchema.parse(decision.data).evaluationId).toBe(id);
    const view = evaluationView(id, [request, decision]);
    expect(view).toMatchObject({ status: 'failed', verdict: 'failed', dryRun: false, decisionSeq: 11 });
    expect(view?.checks).toEqual([expect.objectContaining({ name: 'approvals', passed: false })]);
  });

  it('given a dry run (per request or by policy mode), when the gate fails it, then it answers passed and keeps the real verdict', () => {
    const perRequest = stored(10, { ...body, dryRun: true });
    expect(evaluationView(id, [perRequest, decisionOf(perRequest)])).toMatchObject({
      status: 'passed',
      verdict: 'failed',
      dryRun: true,
    });
    const byPolicy = stored(10, body);
    expect(evaluationView(id, [byPolicy, decisionOf(byPolicy, 'dry-run')])).toMatchObject({
      status: 'passed',
      verdict: 'failed',
      dryRun: true,
    });
  });

  it('given a request under another source in the stream, when the evaluation is read, then it is not found', () => {
    const forged = { ...stored(10, body), source: 'https://ci.example.com' };
    expect(evaluationView(id, [forged])).toBeUndefined();
  });
});
