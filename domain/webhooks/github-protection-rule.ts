import * as z from 'zod';
import { evaluationIdFor, type GateEvaluationBody } from '../gates/gate-evaluation.ts';
import type { PipelineOutcome } from '../gates/pipeline-answer.ts';
import { type FieldIssue, zodIssues } from '../ingest/field-issues.ts';
import { lastSegment } from './webhook-event.ts';

/** The fields of a `deployment_protection_rule` delivery the gate reads (GitHub's webhook payload). */
const ProtectionRuleSchema = z.looseObject({
  action: z.string().optional(),
  environment: z.string().trim().min(1).max(256),
  deployment_callback_url: z.url(),
  deployment: z.looseObject({ id: z.number().int(), sha: z.string().trim().min(1).max(256) }),
  repository: z.looseObject({ name: z.string().trim().min(1).max(256) }),
  installation: z.looseObject({ id: z.number().int().positive() }),
});

/** What the ledger does for one protection-rule delivery: ask the gate, then answer GitHub. */
export interface ProtectionRuleRequest {
  readonly evaluationId: string;
  readonly body: GateEvaluationBody;
  readonly environment: string;
  readonly callbackUrl: string;
  readonly installationId: number;
}

/**
 * A `deployment_protection_rule` delivery as a gate evaluation. Service = repository name and version =
 * the deployment's commit, as for GitHub deployments; the deployment id is the one the
 * `deployment`/`deployment_status` mapping gives, so the later status finds the passed gate. A
 * redelivery (same callback URL and environment) is the same evaluation.
 */
export function protectionRuleRequest(
  body: unknown,
): { ok: true; request: ProtectionRuleRequest } | { ok: false; issues: FieldIssue[] } {
  const parsed = ProtectionRuleSchema.safeParse(body);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error.issues) };
  const rule = parsed.data;
  return {
    ok: true,
    request: {
      evaluationId: evaluationIdFor(`github:${rule.deployment_callback_url}:${rule.environment}`),
      body: {
        service: lastSegment(rule.repository.name),
        environment: rule.environment,
        version: rule.deployment.sha,
        deploymentId: `github-deployment-${rule.deployment.id}`,
      },
      environment: rule.environment,
      callbackUrl: rule.deployment_callback_url,
      installationId: rule.installation.id,
    },
  };
}

/** The body GitHub's "Review custom deployment protection rules" endpoint takes. */
export function protectionRuleReview(environment: string, outcome: PipelineOutcome) {
  return {
    environment_name: environment,
    state: outcome.go ? ('approved' as const) : ('rejected' as const),
    comment: outcome.message,
  };
}
