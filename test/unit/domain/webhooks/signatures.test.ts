import { describe, expect, it } from 'vitest';
import {
  isFresh,
  PAGERDUTY_FRESHNESS,
  verifyGitHubSignature,
  verifyGitLabToken,
  verifyPagerDutySignature,
} from '../../../../domain/webhooks/signatures.ts';
import { hmacHex } from '../../../support/webhooks.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const SECRET = 'a-webhook-secret-of-some-length';
const BODY = '{"zen":"Design for failure."}';

describe('GitHub X-Hub-Signature-256', () => {
  it("accepts GitHub's documented test vector", () => {
    // From GitHub's "Validating webhook deliveries": secret "It's a Secret to Everybody", body "Hello, World!".
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(verifyGitHubSignature(bytes('Hello, World!'), signature, "It's a Secret to Everybody")).toBe(true);
  });

  it('accepts the HMAC of the raw body and refuses a wrong secret, a tampered body or a missing header', () => {
    const header = `sha256=${hmacHex(SECRET, BODY)}`;
    expect(verifyGitHubSignature(bytes(BODY), header, SECRET)).toBe(true);
    expect(verifyGitHubSignature(bytes(BODY), header, `${SECRET}x`)).toBe(false);
    expect(verifyGitHubSignature(bytes(BODY.replace('failure', 'success')), header, SECRET)).toBe(false);
    expect(verifyGitHubSignature(bytes(`${BODY} `), header, SECRET)).toBe(false);
    expect(verifyGitHubSignature(bytes(BODY), undefined, SECRET)).toBe(false);
  });

  it('refuses malformed headers: another algorithm, short or non-hex digests', () => {
    const hex = hmacHex(SECRET, BODY);
    for (const header of [
      hex,
      `sha1=${hex}`,
      `sha256=${hex.slice(2)}`,
      `sha256=${'z'.repeat(64)}`,
      'sha256=',
    ]) {
      expect(verifyGitHubSignature(bytes(BODY), header, SECRET)).toBe(false);
    }
  });
});

describe('GitLab X-Gitlab-Token', () => {
  it('accepts exactly the configured token', () => {
    expect(verifyGitLabToken(SECRET, SECRET)).toBe(true);
    expect(verifyGitLabToken(`${SECRET} `, SECRET)).toBe(false);
    expect(verifyGitLabToken(SECRET.slice(1), SECRET)).toBe(false);
    expect(verifyGitLabToken('', SECRET)).toBe(false);
    expect(verifyGitLabToken(undefined, SECRET)).toBe(false);
  });
});

describe('PagerDuty X-PagerDuty-Signature', () => {
  const valid = `v1=${hmacHex(SECRET, BODY)}`;
  const other = `v1=${hmacHex('the-previous-secret-before-rotation', BODY)}`;

  it('accepts any matching v1 signature of a list (secret rotation)', () => {
    expect(verifyPagerDutySignature(bytes(BODY), valid, SECRET)).toBe(true);
    expect(verifyPagerDutySignature(bytes(BODY), `${other},${valid}`, SECRET)).toBe(true);
    expect(verifyPagerDutySignature(bytes(BODY), `${other}, ${valid}`, SECRET)).toBe(true);
  });

  it('refuses no match, a tampered body, another version and a missing header', () => {
    expect(verifyPagerDutySignature(bytes(BODY), other, SECRET)).toBe(false);
    expect(verifyPagerDutySignature(bytes(`${BODY}\n`), valid, SECRET)).toBe(false);
    expect(verifyPagerDutySignature(bytes(BODY), valid.replace('v1=', 'v2='), SECRET)).toBe(false);
    expect(verifyPagerDutySignature(bytes(BODY), undefined, SECRET)).toBe(false);
    expect(verifyPagerDutySignature(bytes(BODY), '', SECRET)).toBe(false);
  });
});

describe('freshness of a signed occurrence time', () => {
  const now = new Date('2026-11-21T10:00:00Z');

  it('accepts up to an hour old and five minutes ahead, and refuses beyond or unreadable times', () => {
    expect(isFresh('2026-11-21T09:00:00Z', now, PAGERDUTY_FRESHNESS)).toBe(true);
    expect(isFresh('2026-11-21T10:05:00Z', now, PAGERDUTY_FRESHNESS)).toBe(true);
    expect(isFresh('2026-11-21T08:59:59Z', now, PAGERDUTY_FRESHNESS)).toBe(false);
    expect(isFresh('2026-11-21T10:05:01Z', now, PAGERDUTY_FRESHNESS)).toBe(false);
    expect(isFresh('not a time', now, PAGERDUTY_FRESHNESS)).toBe(false);
  });
});
