import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { WebhookDelivery, WebhookProvider } from '../../domain/webhooks/webhook-event.ts';

export type Json = Record<string, unknown>;

/** A provider's documented example payload from `test/fixtures/webhooks/<provider>/<name>.json`. */
export function webhookFixture(provider: WebhookProvider, name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/webhooks/${provider}/${name}.json`, import.meta.url), 'utf8'),
  );
}

/** A copy of `body` with the value at `path` replaced (or removed when `value` is undefined). */
export function withField(body: Json, path: readonly (string | number)[], value: unknown): Json {
  const copy = structuredClone(body);
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

export function delivery(provider: WebhookProvider, kind: string, body: unknown): WebhookDelivery {
  return { provider, kind, deliveryId: 'delivery-1', body };
}

export function hmacHex(secret: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The headers each provider signs a delivery with. */
export function signedHeaders(
  provider: WebhookProvider,
  secret: string,
  body: string,
  kind: string,
): Record<string, string> {
  switch (provider) {
    case 'github':
      return { 'x-github-event': kind, 'x-hub-signature-256': `sha256=${hmacHex(secret, body)}` };
    case 'gitlab':
      return { 'x-gitlab-event': kind, 'x-gitlab-token': secret };
    case 'pagerduty':
      return { 'x-pagerduty-signature': `v1=${hmacHex(secret, body)}` };
    case 'flux':
      return { 'x-signature': `sha256=${hmacHex(secret, body)}` };
    case 'alertmanager':
      return { authorization: `Bearer ${secret}` };
    case 'launchdarkly':
      return { 'x-ld-signature': hmacHex(secret, body) };
  }
}
