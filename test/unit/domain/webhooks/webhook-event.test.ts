import { describe, expect, it } from 'vitest';
import { mapGitHubWebhook } from '../../../../domain/webhooks/github.ts';
import { mapGitLabWebhook } from '../../../../domain/webhooks/gitlab.ts';
import { mapPagerDutyWebhook } from '../../../../domain/webhooks/pagerduty.ts';
import { webhookEvent } from '../../../../domain/webhooks/webhook-event.ts';
import { delivery, webhookFixture, withField } from '../../../support/webhooks.ts';

describe("webhooks never produce the ledger's own source", () => {
  it('refuses a mapping that would name the source release-ledger, with the field path', () => {
    const mapping = webhookEvent(delivery('github', 'push', {}), {
      source: 'release-ledger',
      id: 'rollback:evil-2',
      type: 'release.created',
      occurredAt: undefined,
      data: { releaseId: 'r1', service: 'api', version: '1.0' },
    });
    expect(mapping).toEqual({
      outcome: 'invalid',
      issues: [{ path: ['source'], message: expect.stringContaining('reserved') }],
    });
  });

  it.each([
    ['github', 'deployment_status', 'deployment_status.success', ['repository', 'html_url']],
    ['gitlab', 'Deployment Hook', 'deployment-hook.success', ['project', 'web_url']],
  ] as const)(
    'refuses a %s payload whose repository URL is the bare name release-ledger',
    (provider, kind, fixture, path) => {
      const body = withField(webhookFixture(provider, fixture), path, 'release-ledger');
      const map = provider === 'github' ? mapGitHubWebhook : mapGitLabWebhook;
      expect(map(delivery(provider, kind, body)).outcome).toBe('invalid');
    },
  );

  it('gives a PagerDuty incident without a URL the PagerDuty origin, never the ledger source', () => {
    const body = withField(
      webhookFixture('pagerduty', 'incident.triggered'),
      ['event', 'data', 'html_url'],
      'release-ledger',
    );
    const mapping = mapPagerDutyWebhook(delivery('pagerduty', 'incident.triggered', body));
    expect(mapping.outcome === 'events' && mapping.events[0]?.source).toBe('https://pagerduty.com');
  });
});
