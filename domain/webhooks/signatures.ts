import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signature checks of the three providers. Every comparison is constant-time over equal-length digests,
 * so neither the content nor the length of the expected value leaks through timing. HMACs are computed
 * over the raw body bytes exactly as received: re-serialised JSON would not match. Pure (node:crypto only).
 */

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function hmacSha256(secret: string, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

function sameHex(candidate: string, expected: Buffer): boolean {
  return HEX_SHA256.test(candidate) && timingSafeEqual(Buffer.from(candidate, 'hex'), expected);
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`. */
export function verifyGitHubSignature(body: Uint8Array, header: string | undefined, secret: string): boolean {
  const value = header?.trim() ?? '';
  if (!value.startsWith('sha256=')) return false;
  return sameHex(value.slice('sha256='.length), hmacSha256(secret, body));
}

/** Flux `generic-hmac` Provider: `X-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
export function verifyFluxSignature(body: Uint8Array, header: string | undefined, secret: string): boolean {
  const value = header?.trim() ?? '';
  if (!value.startsWith('sha256=')) return false;
  return sameHex(value.slice('sha256='.length), hmacSha256(secret, body));
}

/** LaunchDarkly signed webhooks: `X-LD-Signature: <hex HMAC-SHA256 of the body>` (no prefix). */
export function verifyLaunchDarklySignature(
  body: Uint8Array,
  header: string | undefined,
  secret: string,
): boolean {
  return sameHex(header?.trim() ?? '', hmacSha256(secret, body));
}

/** GitLab sends the configured secret itself in `X-Gitlab-Token`; hashing both sides equalises lengths. */
export function verifyGitLabToken(header: string | undefined, secret: string): boolean {
  if (header === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(header), digest(secret));
}

/**
 * Alertmanager `http_config.authorization` (type Bearer by default): `Authorization: Bearer <secret>`.
 * Both sides are hashed first so the comparison is constant-time whatever their lengths.
 */
export function verifyBearerToken(header: string | undefined, secret: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return verifyGitLabToken(match?.[1] ?? '', secret) && match !== null;
}

/**
 * PagerDuty: `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]`, one signature per active secret while a secret
 * is rotated; any `v1` match is enough. Every candidate is compared, so timing does not tell which matched.
 */
export function verifyPagerDutySignature(
  body: Uint8Array,
  header: string | undefined,
  secret: string,
): boolean {
  if (!header) return false;
  const expected = hmacSha256(secret, body);
  let matched = false;
  for (const part of header.split(',')) {
    const signature = part.trim();
    if (signature.startsWith('v1=') && sameHex(signature.slice('v1='.length), expected)) matched = true;
  }
  return matched;
}

export interface FreshnessWindow {
  /** How old a delivery may be. */
  readonly maxAgeMs: number;
  /** How far in the future a delivery's time may be (clock skew). */
  readonly maxSkewMs: number;
}

/**
 * PagerDuty retries a failed delivery for about 20 minutes and queues later ones behind it; an hour covers
 * that with margin, while a captured delivery replayed later is refused.
 */
export const PAGERDUTY_FRESHNESS: FreshnessWindow = { maxAgeMs: 60 * 60_000, maxSkewMs: 5 * 60_000 };

/** Whether a signed occurrence time lies within the window around `now`. */
export function isFresh(occurredAt: string, now: Date, window: FreshnessWindow): boolean {
  const at = Date.parse(occurredAt);
  if (Number.isNaN(at)) return false;
  const age = now.getTime() - at;
  return age <= window.maxAgeMs && -age <= window.maxSkewMs;
}
