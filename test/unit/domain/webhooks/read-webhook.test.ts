import { describe, expect, it } from 'vitest';
import { readWebhook, type WebhookRequest } from '../../../../domain/webhooks/read-webhook.ts';
import type { WebhookProvider } from '../../../../domain/webhooks/webhook-event.ts';
import { type Json, signedHeaders, webhookFixture, withField } from '../../../support/webhooks.ts';

const SECRET = 'tenant-acme-github-secret';
const NOW = new Date('2020-10-02T18:50:00Z');

function request(
  provider: WebhookProvider,
  body: Json | string,
  kind: string,
  overrides: Partial<WebhookRequest> = {},
): WebhookRequest {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    provider,
    headers: signedHeaders(provider, SECRET, text, kind),
    body: new TextEncoder().encode(text),
    config: { secret: SECRET },
    now: NOW,
    ...overrides,
  };
}

const deploymentStatus = webhookFixture('github', 'deployment_status.success');
const triggered = webhookFixture('pagerduty', 'incident.triggered');

describe('reading a delivery', () => {
  it('accepts a signed GitHub delivery and records its delivery id', () => {
    const signed = request('github', deploymentStatus, 'deployment_status');
    const verdict = readWebhook({ ...signed, headers: { ...signed.headers, 'x-github-delivery': 'guid-1' } });
    expect(verdict).toMatchObject({
      status: 'accepted',
      events: [{ type: 'deployment.succeeded', original: { payload: { deliveryId: 'guid-1' } } }],
    });
  });

  it('answers an unknown tenant exactly like a bad signature', () => {
    expect(
      readWebhook(request('github', deploymentStatus, 'deployment_status', { config: undefined })),
    ).toEqual({
      status: 'unauthorized',
    });
    expect(
      readWebhook(
        request('github', deploymentStatus, 'deployment_status', { config: { secret: 'another' } }),
      ),
    ).toEqual({ status: 'unauthorized' });
  });

  it('checks the signature before parsing anything', () => {
    const unsigned = { ...request('github', 'not json', 'push'), headers: { 'x-github-event': 'push' } };
    expect(readWebhook(unsigned)).toEqual({ status: 'unauthorized' });
    expect(readWebhook(request('github', 'not json', 'push'))).toMatchObject({ status: 'invalid_json' });
  });

  it('names the missing event-kind header', () => {
    const signed = request('gitlab', webhookFixture('gitlab', 'push-hook'), 'Push Hook');
    const { 'x-gitlab-event': _kind, ...headers } = signed.headers;
    expect(readWebhook({ ...signed, headers })).toEqual({
      status: 'invalid',
      issues: [{ path: ['headers', 'x-gitlab-event'], message: 'is required to tell the event kind' }],
    });
  });

  it('refuses PagerDuty deliveries whose signed occurred_at is stale or in the future', () => {
    expect(readWebhook(request('pagerduty', triggered, ''))).toMatchObject({ status: 'accepted' });
    const old = withField(triggered, ['event', 'occurred_at'], '2020-10-02T17:45:00Z');
    expect(readWebhook(request('pagerduty', old, ''))).toMatchObject({ status: 'stale' });
    const ahead = withField(triggered, ['event', 'occurred_at'], '2020-10-02T19:00:00Z');
    expect(readWebhook(request('pagerduty', ahead, ''))).toMatchObject({ status: 'stale' });
  });

  it('passes the tenant’s environment to PagerDuty incidents', () => {
    const verdict = readWebhook(
      request('pagerduty', triggered, '', { config: { secret: SECRET, environment: 'eu' } }),
    );
    expect(verdict).toMatchObject({ status: 'accepted', events: [{ data: { environment: 'eu' } }] });
  });

  it('reports kinds the ledger does not record as ignored', () => {
    expect(readWebhook(request('github', { zen: 'hi' }, 'ping'))).toMatchObject({ status: 'ignored' });
  });
});
