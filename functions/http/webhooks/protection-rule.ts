import { pipelineOutcome } from '../../../domain/gates/pipeline-answer.ts';
import { EventRefusedError } from '../../../domain/ports/event-store.ts';
import {
  protectionRuleRequest,
  protectionRuleReview,
} from '../../../domain/webhooks/github-protection-rule.ts';
import { adapters } from '../../adapters/clients.ts';
import { DynamoDbGitHubAppStore } from '../../adapters/dynamodb-github-app-store.ts';
import { GitHubAppClient } from '../../adapters/github-app.ts';
import { askGate } from '../../pipelines/ask-gate.ts';
import { type HttpResult, json } from '../http-api.ts';
import { HttpError } from '../http-error.ts';

/**
 * How long the receiver waits for the gate. GitHub gives a webhook 10 s to be answered and the function
 * has 10 s; the decision usually lands well within one.
 */
const WAIT_MS = 5_000;

/**
 * A signed `deployment_protection_rule` delivery: asks the gate (the same evaluation the API records),
 * then reviews the deployment on the delivery's callback URL with an installation token of the tenant's
 * GitHub App: `approved` only when the gate answered passed, else `rejected` with the failing checks —
 * or saying the gate did not decide in time. Answers 200 with the review it posted.
 */
export async function answerProtectionRule(tenant: string, body: Buffer): Promise<HttpResult> {
  const started = Date.now();
  const parsed = protectionRuleRequest(JSON.parse(body.toString('utf8')));
  if (!parsed.ok)
    throw new HttpError(400, 'validation_failed', 'the github payload is not valid', parsed.issues);
  const { request } = parsed;
  const { dynamoDb, config, eventStore } = adapters();
  // The ledger sends an installation token to this URL: only ever to the GitHub API it is configured with.
  if (!new GitHubAppClient(config.githubApiUrl).isOnApi(request.callbackUrl))
    throw new HttpError(400, 'validation_failed', 'the github payload is not valid', [
      { path: ['deployment_callback_url'], message: `must be on the GitHub API (${config.githubApiUrl})` },
    ]);
  const app = await new DynamoDbGitHubAppStore({ client: dynamoDb, stateTable: config.stateTable }).find(
    tenant,
  );
  // Without the app there is no way to answer GitHub; the deployment waits for a human reviewer.
  if (!app) return json(202, { ignored: true, reason: 'no GitHub App is configured for this tenant' });
  let view: Awaited<ReturnType<typeof askGate>>;
  try {
    view = await askGate(eventStore, tenant, request.evaluationId, request.body, started + WAIT_MS);
  } catch (error) {
    if (!(error instanceof EventRefusedError)) throw error;
    const review = protectionRuleReview(request.environment, {
      go: false,
      message: `The release ledger refused the request: ${error.message}`,
    });
    await postReview(config.githubApiUrl, app, request, review);
    return json(200, { review });
  }
  const review = protectionRuleReview(
    request.environment,
    pipelineOutcome(view, Math.round(WAIT_MS / 1000), 65_000),
  );
  await postReview(config.githubApiUrl, app, request, review);
  return json(200, { evaluationId: request.evaluationId, review });
}

async function postReview(
  apiUrl: string,
  app: { appId: string; privateKey: string },
  request: { installationId: number; callbackUrl: string },
  review: Record<string, unknown>,
): Promise<void> {
  const github = new GitHubAppClient(apiUrl);
  const token = await github.installationToken(app, request.installationId, new Date());
  await github.review(request.callbackUrl, token, review);
}
