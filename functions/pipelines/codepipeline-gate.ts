import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { TenantSchema } from '../../domain/auth/roles.ts';
import { evaluationIdFor, GateEvaluationBodySchema } from '../../domain/gates/gate-evaluation.ts';
import { pipelineOutcome } from '../../domain/gates/pipeline-answer.ts';
import { zodIssues } from '../../domain/ingest/field-issues.ts';
import { EventRefusedError } from '../../domain/ports/event-store.ts';
import { adapters } from '../adapters/clients.ts';
import { CodePipelineJobResults, type PipelineJobResults } from '../adapters/codepipeline-job-results.ts';
import { localCredentials } from '../adapters/local-credentials.ts';
import { perContainer } from '../adapters/per-configuration.ts';
import { askGate } from './ask-gate.ts';

/**
 * The event CodePipeline invokes a Lambda function with (`CodePipeline.job`): the job id to report to,
 * and the rule's or action's configuration, whose `UserParameters` names what to gate.
 */
const CodePipelineJobEventSchema = z.looseObject({
  'CodePipeline.job': z.looseObject({
    id: z.string().min(1),
    accountId: z.string().optional(),
    data: z.looseObject({
      actionConfiguration: z.looseObject({
        configuration: z.looseObject({ UserParameters: z.string().optional() }),
      }),
    }),
  }),
});

/** `UserParameters` (JSON): the tenant, and what `POST /v1/gates/evaluations` takes. */
const UserParametersSchema = z.looseObject({ tenant: TenantSchema });

/** Seconds kept back from the function's timeout to report the result. */
const REPORT_MARGIN_MS = 5_000;
/** When there is no Lambda context (a direct call in a test): how long to wait for the decision. */
const DEFAULT_WAIT_MS = 45_000;

const jobResults = /* @__PURE__ */ perContainer(
  (config): PipelineJobResults =>
    new CodePipelineJobResults({
      region: config.region,
      endpoint: config.codePipelineEndpoint,
      // A local stand-in checks the request's form, not its signature; Lambda's role signs on AWS.
      ...(config.codePipelineEndpoint ? { credentials: async () => localCredentials } : {}),
    }),
);

/**
 * A CodePipeline V2 stage condition's `LambdaInvoke` rule (or a Lambda invoke action): asks the release
 * gate through the same evaluation the API records, and reports PutJobSuccessResult only when it answered
 * `passed`. The job id is the evaluation's idempotency key, so a re-invocation of the job records nothing
 * new and reports the same decision. A gate that does not decide before the function's time runs out is
 * a failure naming that, never a success.
 */
export async function handler(event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) {
  const started = Date.now();
  const parsed = CodePipelineJobEventSchema.safeParse(event);
  // Without a job id there is nobody to report to: CodePipeline never sends such an event.
  if (!parsed.success) throw new Error('not a CodePipeline job event');
  const job = parsed.data['CodePipeline.job'];
  const results = jobResults();
  const parameters = readParameters(job.data.actionConfiguration.configuration.UserParameters);
  if (!parameters.ok) {
    await results.fail(job.id, 'ConfigurationError', `UserParameters: ${parameters.message}`);
    return;
  }
  const { tenant, body } = parameters;
  const evaluationId = evaluationIdFor(`codepipeline:${job.id}`);
  const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_WAIT_MS + REPORT_MARGIN_MS;
  const deadline = started + Math.max(0, remaining - REPORT_MARGIN_MS);
  try {
    const view = await askGate(adapters().eventStore, tenant, evaluationId, body, deadline);
    const outcome = pipelineOutcome(view, Math.round((Date.now() - started) / 1000));
    if (outcome.go) await results.succeed(job.id, outcome.message, evaluationId);
    else await results.fail(job.id, 'JobFailed', outcome.message, evaluationId);
  } catch (error) {
    if (!(error instanceof EventRefusedError)) throw error;
    await results.fail(job.id, 'ConfigurationError', `the ledger refused the request: ${error.message}`);
  }
}

type Parameters =
  | { ok: true; tenant: string; body: z.infer<typeof GateEvaluationBodySchema> }
  | { ok: false; message: string };

function readParameters(text: string | undefined): Parameters {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    return {
      ok: false,
      message: 'must be a JSON object with tenant, service, environment and releaseId or version',
    };
  }
  const tenant = UserParametersSchema.safeParse(value);
  if (!tenant.success) return { ok: false, message: describe(zodIssues(tenant.error.issues)) };
  const { tenant: name, ...rest } = tenant.data;
  const body = GateEvaluationBodySchema.safeParse(rest);
  if (!body.success) return { ok: false, message: describe(zodIssues(body.error.issues)) };
  return { ok: true, tenant: name, body: body.data };
}

function describe(issues: readonly { path: readonly (string | number)[]; message: string }[]): string {
  return issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
