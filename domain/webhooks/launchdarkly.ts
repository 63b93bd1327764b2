import * as z from 'zod';
import type { IncomingEvent } from '../ledger/ledger-event.ts';
import {
  ignored,
  parsePayload,
  type WebhookDelivery,
  type WebhookMapping,
  webhookEvent,
} from './webhook-event.ts';

/**
 * LaunchDarkly webhooks (https://launchdarkly.com/docs/home/infrastructure/webhooks) → `feature.released`.
 * A delivery is a change history (audit log) entry; only flag entries (`kind: "flag"`) are recorded, one
 * event per environment the entry's `accesses` name (`proj/<p>:env/<env>:flag/<key>`), taken from the
 * flag's `currentVersion`. Pure.
 *
 * What the ledger can tell, and what it cannot:
 * - Exposure is the share of the **default rule** (fallthrough) serving the flag's `true` variation: 100 or
 *   0 for a fixed variation, the rollout weight (LaunchDarkly weights are thousandths of a percent) for a
 *   percentage rollout, and the off variation's when targeting is off. Individual targets and targeting
 *   rules are not counted: who they match is not in the payload.
 * - Only boolean flags: for a multivariate flag, which variation "releases" a version is unknown, so the
 *   entry is ignored.
 * - LaunchDarkly knows no service or release: the flag names them in custom properties `service`,
 *   `releaseId`, `version` (first value), or in tags `service:<name>`, `release:<id>`, `version:<v>`.
 *   A flag naming no service is ignored. The LaunchDarkly environment key is the ledger's environment.
 */

const text = z.string().trim().min(1);

const RolloutSchema = z.looseObject({
  variations: z.array(z.looseObject({ variation: z.number().int().min(0), weight: z.number().min(0) })),
});

const FlagEnvironmentSchema = z.looseObject({
  on: z.boolean(),
  offVariation: z.number().int().min(0).nullish(),
  fallthrough: z
    .looseObject({ variation: z.number().int().min(0).nullish(), rollout: RolloutSchema.nullish() })
    .nullish(),
});

const FlagSchema = z.looseObject({
  key: text,
  variations: z.array(z.looseObject({ value: z.unknown() })),
  tags: z.array(z.string()).nullish(),
  customProperties: z.record(z.string(), z.looseObject({ value: z.array(z.string()).nullish() })).nullish(),
  environments: z.record(z.string(), FlagEnvironmentSchema),
});

const FlagEntrySchema = z.looseObject({
  _id: text,
  date: z.number().int().min(0),
  kind: z.literal('flag'),
  accesses: z.array(z.looseObject({ action: z.string().nullish(), resource: z.string() })).nullish(),
  currentVersion: FlagSchema,
});

/** Weights of a LaunchDarkly percentage rollout add up to 100 000. */
const ROLLOUT_TOTAL = 100_000;

/** `kind` of the change history entry (the delivery kind) for a parsed body. */
export function launchDarklyKind(body: unknown): string | undefined {
  const kind = (body as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && kind.trim() !== '' ? kind.trim() : undefined;
}

/** Maps one LaunchDarkly delivery; `delivery.kind` is the entry's `kind`. */
export function mapLaunchDarklyWebhook(delivery: WebhookDelivery): WebhookMapping {
  if (delivery.kind !== 'flag')
    return ignored(`LaunchDarkly '${delivery.kind}' entries are not recorded; only flag changes`);
  const payload = parsePayload(FlagEntrySchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const entry = payload.value;
  const flag = entry.currentVersion;
  const on = flag.variations.findIndex((v) => v.value === true);
  if (on === -1 || flag.variations.some((v) => typeof v.value !== 'boolean'))
    return ignored(`flag '${flag.key}' is not boolean: which variation releases a version is unknown`);
  const names = releaseNames(flag);
  if (names.service === undefined)
    return ignored(
      `flag '${flag.key}' names no service: set custom property 'service' or tag 'service:<name>'`,
    );
  const environments = environmentsOf(entry.accesses ?? [], flag.key).filter((env) =>
    Object.hasOwn(flag.environments, env),
  );
  if (environments.length === 0)
    return ignored(`the entry changes flag '${flag.key}' in no environment its current version holds`);
  const events: IncomingEvent[] = [];
  for (const environment of environments) {
    const mapped = webhookEvent(delivery, {
      source: 'https://app.launchdarkly.com',
      // The change history entry and the environment: a redelivery replays instead of conflicting.
      id: `launchdarkly/${entry._id}/${environment}`,
      type: 'feature.released',
      occurredAt: new Date(entry.date).toISOString(),
      data: {
        flag: flag.key,
        service: names.service,
        environment,
        exposure: exposureOf(flag.environments[environment] as z.infer<typeof FlagEnvironmentSchema>, on),
        version: names.version,
        releaseId: names.releaseId,
      },
    });
    if (mapped.outcome !== 'events') return mapped;
    events.push(...mapped.events);
  }
  return { outcome: 'events', events };
}

/** The share (0–100) of the default rule that serves variation `on`. */
export function exposureOf(environment: z.infer<typeof FlagEnvironmentSchema>, on: number): number {
  if (!environment.on) return environment.offVariation === on ? 100 : 0;
  const fallthrough = environment.fallthrough;
  if (fallthrough?.rollout) {
    const weight = fallthrough.rollout.variations
      .filter((v) => v.variation === on)
      .reduce((sum, v) => sum + v.weight, 0);
    return Math.min(100, (weight / ROLLOUT_TOTAL) * 100);
  }
  return fallthrough?.variation === on ? 100 : 0;
}

function releaseNames(flag: z.infer<typeof FlagSchema>): {
  service?: string;
  version?: string;
  releaseId?: string;
} {
  const property = (key: string) => flag.customProperties?.[key]?.value?.[0]?.trim() || undefined;
  const tag = (prefix: string) =>
    flag.tags
      ?.find((t) => t.startsWith(`${prefix}:`))
      ?.slice(prefix.length + 1)
      .trim() || undefined;
  const out: { service?: string; version?: string; releaseId?: string } = {};
  const service = property('service') ?? tag('service');
  const version = property('version') ?? tag('version');
  const releaseId = property('releaseId') ?? tag('release');
  if (service) out.service = service;
  if (version) out.version = version;
  if (releaseId) out.releaseId = releaseId;
  return out;
}

/** Environment keys of the accesses that name this flag, in first-seen order. */
function environmentsOf(accesses: readonly { readonly resource: string }[], key: string): string[] {
  const environments = new Set<string>();
  for (const { resource } of accesses) {
    const match = /(?:^|:)env\/([^:;]+)(?:;[^:]*)?:flag\/([^:;]+)/.exec(resource);
    if (match?.[1] && match[2] === key) environments.add(match[1]);
  }
  return [...environments];
}
