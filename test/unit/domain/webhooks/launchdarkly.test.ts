import { describe, expect, it } from 'vitest';
import { mapLaunchDarklyWebhook } from '../../../../domain/webhooks/launchdarkly.ts';
import { readWebhook, type WebhookRequest } from '../../../../domain/webhooks/read-webhook.ts';
import { delivery, hmacHex, type Json, webhookFixture, withField } from '../../../support/webhooks.ts';

const SECRET = 'tenant-acme-launchdarkly-secret';
const rollout = webhookFixture('launchdarkly', 'flag.fallthrough-rollout');

function request(body: Json | string, headers: Record<string, string | undefined>): WebhookRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    provider: 'launchdarkly',
    headers,
    body: new TextEncoder().encode(text),
    config: { secret: SECRET },
    now: new Date('2025-12-03T14:00:00Z'),
  };
}

const signed = (body: Json) => request(body, { 'x-ld-signature': hmacHex(SECRET, JSON.stringify(body)) });
const mapped = (body: Json) => mapLaunchDarklyWebhook(delivery('launchdarkly', 'flag', body));
const production = ['currentVersion', 'environments', 'production'];

describe('LaunchDarkly X-LD-Signature', () => {
  it('accepts the hex HMAC-SHA256 of the raw body with the tenant secret', () => {
    expect(readWebhook(signed(rollout)).status).toBe('accepted');
  });

  it('refuses a signature made with another secret, a missing one, and a tenant with no secret', () => {
    const text = JSON.stringify(rollout);
    expect(
      readWebhook(request(rollout, { 'x-ld-signature': hmacHex('another-secret-value', text) })),
    ).toEqual({
      status: 'unauthorized',
    });
    expect(readWebhook(request(rollout, {}))).toEqual({ status: 'unauthorized' });
    expect(
      readWebhook({ ...request(rollout, { 'x-ld-signature': hmacHex(SECRET, text) }), config: undefined }),
    ).toEqual({ status: 'unauthorized' });
  });

  it('refuses a body changed after signing (the HMAC is over the bytes received)', () => {
    const text = JSON.stringify(rollout);
    const tampered = request(`${text} `, { 'x-ld-signature': hmacHex(SECRET, text) });
    expect(readWebhook(tampered).status).toBe('unauthorized');
  });
});

describe('LaunchDarkly flag changes map to feature.released', () => {
  it('takes exposure from the default rule’s rollout in the environment the entry changed', () => {
    expect(mapped(rollout)).toMatchObject({
      outcome: 'events',
      events: [
        {
          type: 'feature.released',
          id: 'launchdarkly/6564a1f2c3b4d5e6f7a8b9c0/production',
          source: 'https://app.launchdarkly.com',
          occurredAt: '2025-12-03T14:00:00.000Z',
          data: {
            flag: 'new-checkout',
            service: 'checkout',
            version: '2.4.0',
            environment: 'production',
            exposure: 25,
          },
        },
      ],
    });
  });

  it('is 100 when the default rule serves true, and the off variation’s share when targeting is off', () => {
    const full = withField(rollout, [...production, 'fallthrough'], { variation: 0 });
    expect(mapped(full)).toMatchObject({ events: [{ data: { exposure: 100 } }] });
    const off = withField(full, [...production, 'on'], false);
    expect(mapped(off)).toMatchObject({ events: [{ data: { exposure: 0 } }] });
  });

  it('prefers custom properties naming the release over tags', () => {
    const body = withField(rollout, ['currentVersion', 'customProperties'], {
      releaseId: { name: 'Release', value: ['checkout-2.4.0'] },
      service: { name: 'Service', value: ['checkout-api'] },
    });
    expect(mapped(body)).toMatchObject({
      events: [{ data: { service: 'checkout-api', releaseId: 'checkout-2.4.0', version: '2.4.0' } }],
    });
  });

  it('ignores entries that are not flags, flags naming no service, and multivariate flags', () => {
    expect(mapLaunchDarklyWebhook(delivery('launchdarkly', 'segment', rollout)).outcome).toBe('ignored');
    expect(mapped(withField(rollout, ['currentVersion', 'tags'], [])).outcome).toBe('ignored');
    const multivariate = withField(
      rollout,
      ['currentVersion', 'variations'],
      [{ value: 'red' }, { value: 'blue' }],
    );
    expect(mapped(multivariate).outcome).toBe('ignored');
  });

  it('names the failing field of a malformed flag entry', () => {
    const verdict = readWebhook(signed(withField(rollout, ['date'], 'yesterday')));
    expect(verdict).toMatchObject({ status: 'invalid', issues: [{ path: ['date'] }] });
  });
});
