import * as z from 'zod';
import type { DeploymentEventType } from '../events/native-events.ts';
import {
  DEFAULT_ENVIRONMENT,
  ignored,
  parsePayload,
  type WebhookDelivery,
  type WebhookMapping,
  webhookEvent,
} from './webhook-event.ts';

/**
 * Flux notification-controller deliveries (its `generic-hmac` Provider, https://fluxcd.io/flux/components/notification/providers/)
 * → deployments. A Kustomization or HelmRelease reconciliation is a deployment of the applied source
 * revision to the cluster the hook stands for (the hook's `environment`, default `production`):
 * `ReconciliationSucceeded` (HelmRelease: `InstallSucceeded`/`UpgradeSucceeded`) → `deployment.succeeded`,
 * failures → `deployment.failed`. Pure.
 */

const text = z.string().trim().min(1);

export const FluxEventSchema = z.looseObject({
  involvedObject: z.looseObject({
    kind: text,
    name: text,
    namespace: z.string().nullish(),
    uid: z.string().nullish(),
    apiVersion: z.string().nullish(),
  }),
  severity: z.string().nullish(),
  timestamp: z.iso.datetime({ offset: true }),
  message: z.string().nullish(),
  reason: text,
  metadata: z.record(z.string(), z.string()).nullish(),
  reportingController: z.string().nullish(),
});

const DEPLOYED_KINDS = new Set(['Kustomization', 'HelmRelease']);

const SUCCEEDED = new Set(['ReconciliationSucceeded', 'InstallSucceeded', 'UpgradeSucceeded']);
const FAILED = new Set([
  'ReconciliationFailed',
  'HealthCheckFailed',
  'BuildFailed',
  'ArtifactFailed',
  'DependencyNotReady',
  'InstallFailed',
  'UpgradeFailed',
  'TestFailed',
  'RollbackFailed',
]);

/** The `kind` of a Flux delivery: its involved object's kind (`Kustomization`, `HelmRelease`, …). */
export function fluxKind(body: unknown): string | undefined {
  const kind = (body as { involvedObject?: { kind?: unknown } } | null)?.involvedObject?.kind;
  return typeof kind === 'string' && kind.trim() !== '' ? kind.trim() : undefined;
}

/**
 * `main@sha1:<sha>` (Flux 2.x revision) → `<sha>`, `main/<sha>` (older) → `<sha>`, a chart revision
 * `1.2.3` stays as is: the version matches a release created for the commit or the chart version.
 */
export function fluxVersion(revision: string): string {
  const digest = /(?:@|^)(?:sha1|sha256):([0-9a-f]+)$/i.exec(revision)?.[1];
  if (digest) return digest;
  const legacy = /^[^/]+\/([0-9a-f]{40})$/i.exec(revision)?.[1];
  return legacy ?? revision;
}

export function mapFluxWebhook(
  delivery: WebhookDelivery,
  options: { environment?: string | undefined },
): WebhookMapping {
  const payload = parsePayload(FluxEventSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const event = payload.value;
  const { kind, name, namespace } = event.involvedObject;
  if (!DEPLOYED_KINDS.has(kind))
    return ignored(`Flux ${kind} events are not deployments; alert on Kustomization or HelmRelease`);
  const type: DeploymentEventType | undefined = SUCCEEDED.has(event.reason)
    ? 'deployment.succeeded'
    : FAILED.has(event.reason)
      ? 'deployment.failed'
      : undefined;
  if (!type) return ignored(`Flux reason '${event.reason}' is not a reconciliation outcome`);
  const metadata = event.metadata ?? {};
  // kustomize-controller sends `revision`; helm-controller the chart version as `revision` too.
  const revision = metadata.revision ?? metadata[`${kind.toLowerCase()}.toolkit.fluxcd.io/revision`];
  if (!revision)
    return {
      outcome: 'invalid',
      issues: [{ path: ['metadata', 'revision'], message: 'is required to tell the deployed version' }],
    };
  const version = fluxVersion(revision);
  const object = `${namespace || 'default'}/${kind}/${name}`;
  const environment = options.environment ?? DEFAULT_ENVIRONMENT;
  return webhookEvent(delivery, {
    // One source per object: a Flux delivery carries no URL, so the object's API path names it.
    source: `flux://${object}`,
    id: `${revision}/${type.slice('deployment.'.length)}`,
    type,
    occurredAt: event.timestamp,
    data: {
      deploymentId: `flux-${object.replaceAll('/', '-')}-${version.slice(0, 40)}`,
      environment,
      service: name,
      version,
      revision,
      fluxObject: object,
      message: event.message || undefined,
      ...(type === 'deployment.failed' ? { reason: event.message || `Flux ${event.reason}` } : {}),
    },
  });
}
