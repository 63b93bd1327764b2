import { describe, expect, it } from 'vitest';
import type { GateEvaluationView } from '../../../../domain/gates/gate-evaluation.ts';
import { pipelineOutcome } from '../../../../domain/gates/pipeline-answer.ts';
import { mapGitHubWebhook } from '../../../../domain/webhooks/github.ts';
import {
  onGitHubApi,
  protectionRuleReview,
  reviewTargetOf,
} from '../../../../domain/webhooks/github-protection-rule.ts';
import { delivery } from '../../../support/webhooks.ts';

const decided = (overrides: Partial<GateEvaluationView>): GateEvaluationView => ({
  id: 'e-1',
  status: 'failed',
  verdict: 'failed',
  dryRun: false,
  service: 'api',
  environment: 'production',
  releaseId: 'api-1',
  version: '1',
  deploymentId: 'd-1',
  requestedAt: '2026-12-03T12:00:00Z',
  requestSeq: 4,
  evaluatedAt: '2026-12-03T12:00:01Z',
  decisionSeq: 5,
  policyVersion: 'v',
  checks: [
    { name: 'approvals', passed: false, detail: '0 of 1 required approvals for production', observed: {} },
    { name: 'tests-passed', passed: true, detail: 'all suites passed', observed: {} },
  ],
  ...overrides,
});

describe('what a pipeline integration answers', () => {
  it('given a failed evaluation, when answered, then it is a no-go naming only the failing checks', () => {
    const outcome = pipelineOutcome(decided({}), 1);
    expect(outcome.go).toBe(false);
    expect(outcome.message).toContain('approvals: 0 of 1 required approvals for production');
    expect(outcome.message).not.toContain('tests-passed');
  });

  it('given a gate still pending when time ran out, when answered, then it never approves and says it did not decide', () => {
    const outcome = pipelineOutcome(decided({ status: 'pending', verdict: null, checks: [] }), 5);
    expect(outcome).toEqual({ go: false, message: expect.stringContaining('did not decide within 5 s') });
    expect(pipelineOutcome(undefined, 5).go).toBe(false);
  });

  it('given a dry run that would have failed, when answered, then it goes and says what it would have blocked', () => {
    const outcome = pipelineOutcome(decided({ status: 'passed', dryRun: true }), 1);
    expect(outcome.go).toBe(true);
    expect(outcome.message).toContain('Dry run: the gate would have failed (approvals: 0 of 1');
  });

  it('given a long list of failing checks, when answered under a limit, then the message is clipped to it', () => {
    const checks = Array.from({ length: 200 }, (_, i) => ({
      name: `check-${i}`,
      passed: false,
      detail: 'x'.repeat(50),
      observed: {},
    }));
    expect(pipelineOutcome(decided({ checks }), 1, 500).message).toHaveLength(500);
  });
});

describe('a GitHub deployment_protection_rule delivery', () => {
  const payload = {
    action: 'requested',
    environment: 'production',
    deployment_callback_url:
      'https://api.github.com/repos/acme/api/actions/runs/7/deployment_protection_rule',
    deployment: { id: 9, sha: 'abc123' },
    repository: { name: 'api', full_name: 'acme/api', html_url: 'https://github.com/acme/api' },
    installation: { id: 42 },
  };

  it('given a delivery, when mapped, then it is a deployment request of the repository at the commit, carrying where to answer', () => {
    const mapping = mapGitHubWebhook(delivery('github', 'deployment_protection_rule', payload));
    expect(mapping.outcome).toBe('events');
    const [event] = mapping.outcome === 'events' ? mapping.events : [];
    expect(event?.type).toBe('deployment.requested');
    expect(event?.data).toMatchObject({
      deploymentId: 'github-deployment-9',
      environment: 'production',
      service: 'api',
      version: 'abc123',
    });
    expect(reviewTargetOf(event?.data ?? {})).toEqual({
      callbackUrl: payload.deployment_callback_url,
      installationId: 42,
    });
  });

  it('given a delivery without its installation, when mapped, then the path names it', () => {
    const { installation: _drop, ...rest } = payload;
    const mapping = mapGitHubWebhook(delivery('github', 'deployment_protection_rule', rest));
    expect(mapping.outcome === 'invalid' && mapping.issues.map((i) => i.path)).toEqual([['installation']]);
  });

  it('given callback URLs, when checked against the configured API, then only those on it are answered', () => {
    expect(onGitHubApi(payload.deployment_callback_url, 'https://api.github.com')).toBe(true);
    expect(onGitHubApi('https://attacker.example.com/repos/x', 'https://api.github.com')).toBe(false);
    expect(onGitHubApi('https://ghe.example.com/api/v3/repos/x', 'https://ghe.example.com/api/v3')).toBe(
      true,
    );
    expect(onGitHubApi('https://ghe.example.com/other', 'https://ghe.example.com/api/v3')).toBe(false);
  });

  it('given an outcome, when reviewed, then a no-go is rejected and a go approved, with the message as comment', () => {
    expect(protectionRuleReview('production', { go: false, message: 'no' })).toEqual({
      environment_name: 'production',
      state: 'rejected',
      comment: 'no',
    });
    expect(protectionRuleReview('production', { go: true, message: 'yes' }).state).toBe('approved');
  });
});
