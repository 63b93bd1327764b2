import { describe, expect, it } from 'vitest';
import { mapAlertmanagerWebhook } from '../../../../domain/webhooks/alertmanager.ts';
import { readWebhook } from '../../../../domain/webhooks/read-webhook.ts';
import { delivery, webhookFixture, withField } from '../../../support/webhooks.ts';

const group = webhookFixture('alertmanager', 'group');
const now = new Date('2026-12-03T07:35:00Z');
const request = (body: unknown, authorization: string | undefined, config = { secret: 's3cret' }) => ({
  provider: 'alertmanager' as const,
  headers: { authorization },
  body: new TextEncoder().encode(JSON.stringify(body)),
  config,
  now,
});

describe('Alertmanager webhook (payload version 4)', () => {
  it('each placed alert becomes alert.fired or alert.resolved keyed by fingerprint and startsAt', () => {
    // Given a group with a firing alert, a resolved one, and one without a service label
    const mapping = mapAlertmanagerWebhook(delivery('alertmanager', 'firing', group));
    // Then the two placed alerts are events, and the unplaced one is left out
    expect(mapping.outcome).toBe('events');
    if (mapping.outcome !== 'events') return;
    expect(mapping.events.map((e) => [e.type, e.id, e.occurredAt, e.data])).toEqual([
      [
        'alert.fired',
        'alert/b7e2a6f1c0d93e45/2026-12-03T07:30:00.000Z/firing',
        '2026-12-03T07:30:00.000Z',
        expect.objectContaining({
          alertId: 'b7e2a6f1c0d93e45',
          name: 'HighErrorRate',
          service: 'payments-api',
          environment: 'staging',
          severity: 'critical',
        }),
      ],
      [
        'alert.resolved',
        'alert/0c1d2e3f4a5b6c7d/2026-12-03T07:00:00.000Z/resolved',
        '2026-12-03T07:20:00.000Z',
        expect.objectContaining({
          alertId: '0c1d2e3f4a5b6c7d',
          service: 'checkout',
          environment: 'production',
        }),
      ],
    ]);
    expect(mapping.events[0]?.source).toBe('http://alertmanager.example.com:9093');
  });

  it('the same firing delivered again maps to the same identity and payload hash', () => {
    const first = mapAlertmanagerWebhook(delivery('alertmanager', 'firing', group));
    const repeat = mapAlertmanagerWebhook({
      ...delivery('alertmanager', 'firing', group),
      deliveryId: 'later',
    });
    if (first.outcome !== 'events' || repeat.outcome !== 'events') throw new Error('expected events');
    expect(repeat.events.map((e) => [e.id, e.payloadHash])).toEqual(
      first.events.map((e) => [e.id, e.payloadHash]),
    );
  });

  it('the service and environment labels are configurable', () => {
    const body = withField(
      group,
      ['alerts'],
      [
        {
          ...(group.alerts as Record<string, unknown>[])[2],
          labels: { alertname: 'NodeDiskFull', app: 'disk', env: 'prod' },
        },
      ],
    );
    const mapping = mapAlertmanagerWebhook(delivery('alertmanager', 'firing', body), {
      serviceLabel: 'app',
      environmentLabel: 'env',
    });
    expect(mapping.outcome === 'events' && mapping.events[0]?.data).toMatchObject({
      service: 'disk',
      environment: 'prod',
    });
  });

  it('a delivery whose alerts all lack the service label is ignored with the reason per alert', () => {
    const body = withField(group, ['alerts'], [(group.alerts as unknown[])[2]]);
    expect(mapAlertmanagerWebhook(delivery('alertmanager', 'firing', body))).toEqual({
      outcome: 'ignored',
      reason: "alerts[0] (ffee00112233aabb) has no 'service' label",
    });
  });

  it('another payload version is refused with the field path', () => {
    const mapping = mapAlertmanagerWebhook(
      delivery('alertmanager', 'firing', withField(group, ['version'], '3')),
    );
    expect(mapping.outcome === 'invalid' && mapping.issues.map((i) => i.path)).toContainEqual(['version']);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong bearer credential', 'Bearer nope'],
    ['the secret without the Bearer scheme', 's3cret'],
  ])('%s is unauthorized', (_, authorization) => {
    expect(readWebhook(request(group, authorization)).status).toBe('unauthorized');
  });

  it('the bearer credential Alertmanager sends is accepted', () => {
    const verdict = readWebhook(request(group, 'Bearer s3cret'));
    expect(verdict.status === 'accepted' && verdict.events.length).toBe(2);
  });
});
