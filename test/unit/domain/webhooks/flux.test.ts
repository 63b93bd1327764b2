import { describe, expect, it } from 'vitest';
import { fluxVersion, mapFluxWebhook } from '../../../../domain/webhooks/flux.ts';
import { readWebhook } from '../../../../domain/webhooks/read-webhook.ts';
import { verifyFluxSignature } from '../../../../domain/webhooks/signatures.ts';
import { delivery, hmacHex, type Json, withField } from '../../../support/webhooks.ts';

/** The shape of notification-controller's generic event (fluxcd/pkg `runtime/events.Event`). */
const reconciled: Json = {
  involvedObject: {
    kind: 'Kustomization',
    namespace: 'flux-system',
    name: 'payments-api',
    uid: 'cc4d0095-e61e-4b3c-9b5b-7ff0f8f2a8b1',
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    resourceVersion: '56921',
  },
  severity: 'info',
  timestamp: '2026-12-01T16:10:00Z',
  message: 'Reconciliation finished in 1.2s, next run in 10m0s',
  reason: 'ReconciliationSucceeded',
  metadata: { revision: `main@sha1:${'f'.repeat(40)}`, summary: 'prod cluster' },
  reportingController: 'kustomize-controller',
  reportingInstance: 'kustomize-controller-7f5d8c9b4-2xk8p',
};

const map = (body: Json, environment?: string) =>
  mapFluxWebhook(delivery('flux', String((body.involvedObject as Json | undefined)?.kind), body), {
    environment,
  });

describe('Flux notification-controller deliveries', () => {
  it('given ReconciliationSucceeded of a Kustomization, records deployment.succeeded of its revision to the hook’s environment', () => {
    const mapping = map(reconciled, 'production');
    expect(mapping).toMatchObject({
      outcome: 'events',
      events: [
        {
          source: 'flux://flux-system/Kustomization/payments-api',
          id: `main@sha1:${'f'.repeat(40)}/succeeded`,
          type: 'deployment.succeeded',
          occurredAt: '2026-12-01T16:10:00Z',
          data: {
            deploymentId: `flux-flux-system-Kustomization-payments-api-${'f'.repeat(40)}`,
            environment: 'production',
            service: 'payments-api',
            version: 'f'.repeat(40),
          },
        },
      ],
    });
  });

  it.each(['ReconciliationFailed', 'HealthCheckFailed', 'UpgradeFailed', 'InstallFailed'])(
    'given %s, records deployment.failed with the message as reason',
    (reason) => {
      const failed = withField(withField(reconciled, ['reason'], reason), ['message'], 'apply failed: x');
      expect(map(failed)).toMatchObject({
        outcome: 'events',
        events: [
          { type: 'deployment.failed', data: { reason: 'apply failed: x', environment: 'production' } },
        ],
      });
    },
  );

  it('given a HelmRelease upgrade, the chart version is the version', () => {
    const helm = withField(
      withField(
        withField(reconciled, ['involvedObject', 'kind'], 'HelmRelease'),
        ['reason'],
        'UpgradeSucceeded',
      ),
      ['metadata'],
      { revision: '1.4.0' },
    );
    expect(map(helm)).toMatchObject({ outcome: 'events', events: [{ data: { version: '1.4.0' } }] });
  });

  it('ignores sources and non-outcome reasons with a reason, and needs a revision', () => {
    expect(map(withField(reconciled, ['involvedObject', 'kind'], 'GitRepository'))).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringMatching(/not deployments/),
    });
    expect(map(withField(reconciled, ['reason'], 'Progressing'))).toMatchObject({ outcome: 'ignored' });
    expect(map(withField(reconciled, ['metadata'], undefined))).toMatchObject({
      outcome: 'invalid',
      issues: [{ path: ['metadata', 'revision'] }],
    });
  });

  it('reads revisions of every Flux form', () => {
    expect(fluxVersion(`main@sha1:${'a'.repeat(40)}`)).toBe('a'.repeat(40));
    expect(fluxVersion(`v1.2.0@sha256:${'b'.repeat(64)}`)).toBe('b'.repeat(64));
    expect(fluxVersion(`main/${'c'.repeat(40)}`)).toBe('c'.repeat(40));
    expect(fluxVersion('1.4.0')).toBe('1.4.0');
  });

  it('authenticates X-Signature: sha256=<hex HMAC of the body> and nothing else', () => {
    const body = JSON.stringify(reconciled);
    const bytes = new TextEncoder().encode(body);
    expect(
      verifyFluxSignature(
        bytes,
        `sha256=${hmacHex('flux-secret-0000000001', body)}`,
        'flux-secret-0000000001',
      ),
    ).toBe(true);
    expect(
      verifyFluxSignature(
        bytes,
        `sha256=${hmacHex('other-secret-000000001', body)}`,
        'flux-secret-0000000001',
      ),
    ).toBe(false);
    expect(
      verifyFluxSignature(bytes, hmacHex('flux-secret-0000000001', body), 'flux-secret-0000000001'),
    ).toBe(false);
    const verdict = readWebhook({
      provider: 'flux',
      headers: { 'x-signature': `sha256=${hmacHex('flux-secret-0000000001', body)}` },
      body: bytes,
      config: { secret: 'flux-secret-0000000001', environment: 'staging' },
      now: new Date('2026-12-01T16:10:01Z'),
    });
    expect(verdict).toMatchObject({ status: 'accepted', events: [{ data: { environment: 'staging' } }] });
  });
});
