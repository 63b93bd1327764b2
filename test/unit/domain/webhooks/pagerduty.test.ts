import { describe, expect, it } from 'vitest';
import { mapPagerDutyWebhook, severityOf } from '../../../../domain/webhooks/pagerduty.ts';
import { delivery, webhookFixture, withField } from '../../../support/webhooks.ts';

const triggered = webhookFixture('pagerduty', 'incident.triggered');
const resolved = webhookFixture('pagerduty', 'incident.resolved');

describe('PagerDuty v3 incidents', () => {
  it('opens an incident on the PagerDuty service, in production, with severity from the priority', () => {
    const mapping = mapPagerDutyWebhook(delivery('pagerduty', 'incident.triggered', triggered));
    expect(mapping).toMatchObject({
      outcome: 'events',
      events: [
        {
          source: 'https://acme.pagerduty.com',
          id: 'incident/PGR0VU2/opened',
          type: 'incident.opened',
          occurredAt: '2020-10-02T18:45:22.169Z',
          data: {
            incidentId: 'pagerduty-PGR0VU2',
            service: 'API Service',
            environment: 'production',
            severity: 'sev1',
            title: 'A little bump in the road',
            url: 'https://acme.pagerduty.com/incidents/PGR0VU2',
            priority: 'P1',
            urgency: 'high',
          },
          original: { format: 'webhook', payload: { provider: 'pagerduty', body: triggered } },
        },
      ],
    });
  });

  it("opens it in the tenant's configured environment when there is one", () => {
    const mapping = mapPagerDutyWebhook(delivery('pagerduty', 'incident.triggered', triggered), {
      environment: 'staging',
    });
    expect(mapping).toMatchObject({ outcome: 'events', events: [{ data: { environment: 'staging' } }] });
  });

  it('resolves the same incident', () => {
    const mapping = mapPagerDutyWebhook(delivery('pagerduty', 'incident.resolved', resolved));
    expect(mapping).toMatchObject({
      outcome: 'events',
      events: [
        {
          id: 'incident/PGR0VU2/resolved',
          type: 'incident.resolved',
          data: { incidentId: 'pagerduty-PGR0VU2' },
        },
      ],
    });
  });

  it('ignores the other incident events and pings', () => {
    const priority = webhookFixture('pagerduty', 'incident.priority_updated');
    expect(mapPagerDutyWebhook(delivery('pagerduty', 'incident.priority_updated', priority))).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringContaining('incident.priority_updated'),
    });
    expect(mapPagerDutyWebhook(delivery('pagerduty', 'pagey.ping', {}))).toMatchObject({
      outcome: 'ignored',
    });
  });

  it('refuses an incident without a service, naming the path', () => {
    const body = withField(triggered, ['event', 'data', 'service'], undefined);
    expect(mapPagerDutyWebhook(delivery('pagerduty', 'incident.triggered', body))).toMatchObject({
      outcome: 'invalid',
      issues: [{ path: ['event', 'data', 'service'] }],
    });
  });

  it.each([
    ['P1', 'low', 'sev1'],
    ['P2', 'high', 'sev2'],
    ['p3', 'high', 'sev3'],
    ['P4', 'high', 'sev4'],
    ['P5', 'high', 'sev4'],
    [undefined, 'high', 'sev2'],
    [null, 'low', 'sev3'],
    ['Critical', undefined, 'sev3'],
  ])('reads priority %s with urgency %s as %s', (priority, urgency, severity) => {
    expect(severityOf(priority, urgency)).toBe(severity);
  });
});
