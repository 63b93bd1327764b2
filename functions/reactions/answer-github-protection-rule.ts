import type { EventBridgeEvent } from 'aws-lambda';
import type { CheckResult } from '../../domain/events/decision-events.ts';
import { pipelineOutcome } from '../../domain/gates/pipeline-answer.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import {
  onGitHubApi,
  protectionRuleReview,
  reviewTargetOf,
} from '../../domain/webhooks/github-protection-rule.ts';
import { adapters } from '../adapters/clients.ts';
import { DynamoDbGitHubAppStore } from '../adapters/dynamodb-github-app-store.ts';
import { GitHubAppClient } from '../adapters/github-app.ts';
import { verifiedTrigger } from './ledger-reader.ts';

/** How long to wait for the gate's decision before answering that it did not decide. */
const WAIT_MS = 20_000;
const POLL_MS = 250;

/**
 * A `deployment.requested` from a GitHub `deployment_protection_rule` delivery → the review of that run:
 * `approved` only when the gate's decision of this request answered passed, else `rejected` with the
 * failing checks, or saying the gate did not decide within the wait. Posted with an installation token
 * of the tenant's GitHub App, only to a callback URL on the configured GitHub API.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const started = Date.now();
  const { eventStore: store, dynamoDb, config } = adapters();
  const trigger = await verifiedTrigger(store, event, ['deployment.requested']);
  if (!trigger) return;
  const target = reviewTargetOf(trigger.data);
  if (!target) return;
  const { tenant, seq } = trigger.detail;
  const log = (message: string) =>
    console.error(JSON.stringify({ level: 'error', message, tenant, seq, callbackUrl: target.callbackUrl }));
  if (!onGitHubApi(target.callbackUrl, config.githubApiUrl))
    return log(`the callback URL is not on the GitHub API ${config.githubApiUrl}; not answered`);
  const app = await new DynamoDbGitHubAppStore({ client: dynamoDb, stateTable: config.stateTable }).find(
    tenant,
  );
  if (!app) return log('no GitHub App is configured for this tenant; the deployment waits for a reviewer');

  const deploymentId = String(trigger.data.deploymentId);
  let decision: Record<string, unknown> | undefined;
  for (;;) {
    const events = await store.readStream(tenant, streamName('deployment', deploymentId));
    decision = events.find((e) => e.type === 'gate.evaluated' && e.data.requestSeq === seq)?.data as
      | Record<string, unknown>
      | undefined;
    if (decision || Date.now() + POLL_MS > started + WAIT_MS) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const view = decision
    ? {
        id: `gate:${deploymentId}:${seq}`,
        status: decision.dryRun === true ? ('passed' as const) : (decision.decision as 'passed' | 'failed'),
        verdict: decision.decision as 'passed' | 'failed',
        dryRun: decision.dryRun === true,
        checks: decision.checks as CheckResult[],
      }
    : undefined;
  const review = protectionRuleReview(
    String(trigger.data.environment),
    pipelineOutcome(view, Math.round(WAIT_MS / 1000), 65_000),
  );
  const github = new GitHubAppClient(config.githubApiUrl);
  const token = await github.installationToken(app, target.installationId, new Date());
  await github.review(target.callbackUrl, token, review);
}
