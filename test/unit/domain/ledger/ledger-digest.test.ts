import { createVerify, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type DigestPorts,
  digestMessage,
  digestObjectKey,
  type LedgerHead,
  type SignedDigest,
  sealDigests,
} from '../../../../domain/ledger/ledger-digest.ts';

const now = new Date('2026-11-21T10:00:00.000Z');
const head = (tenant: string, seq: number): LedgerHead => ({ tenant, seq, chainHash: 'ab'.repeat(32) });

/** Ports over an in-memory bucket, signing like KMS does: ECDSA P-256 over SHA-256, DER-encoded. */
function memoryPorts(heads: LedgerHead[]) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const objects = new Map<string, SignedDigest>();
  const ports: DigestPorts = {
    async *heads() {
      yield* heads;
    },
    sign: async (message) => ({
      signature: sign('sha256', Buffer.from(message), privateKey).toString('base64'),
      keyId: 'arn:aws:kms:eu-west-1:123456789012:key/test',
    }),
    store: async (key, digest) => {
      if (objects.has(key)) return 'exists';
      objects.set(key, digest);
      return 'stored';
    },
  };
  return { ports, objects, publicKey };
}

describe('sealing ledger digests', () => {
  it('writes one signed digest per tenant head that verifies with the public key', async () => {
    const { ports, objects, publicKey } = memoryPorts([head('acme', 42), head('globex', 7)]);

    const result = await sealDigests(ports, now);

    expect(result).toEqual({ sealed: 2, unchanged: 0 });
    const digest = objects.get(digestObjectKey(head('acme', 42)));
    expect(digest).toMatchObject({
      tenant: 'acme',
      seq: 42,
      chainHash: 'ab'.repeat(32),
      recordedAt: now.toISOString(),
    });
    const { signature, keyId, ...claim } = digest as SignedDigest;
    expect(keyId).toMatch(/^arn:aws:kms:/);
    const verifier = createVerify('sha256').update(digestMessage(claim));
    expect(verifier.verify(publicKey, Buffer.from(signature, 'base64'))).toBe(true);
  });

  it('leaves the first digest of an unchanged head in place', async () => {
    const { ports, objects } = memoryPorts([head('acme', 42)]);
    await sealDigests(ports, now);

    const again = await sealDigests(ports, new Date('2026-11-21T11:00:00.000Z'));

    expect(again).toEqual({ sealed: 0, unchanged: 1 });
    expect(objects.get(digestObjectKey(head('acme', 42)))?.recordedAt).toBe(now.toISOString());
  });

  it('signs the canonical claim, so the signature covers exactly tenant, seq, chainHash and recordedAt', () => {
    expect(digestMessage({ recordedAt: 'r', seq: 1, chainHash: 'c', tenant: 't' })).toBe(
      '{"chainHash":"c","recordedAt":"r","seq":1,"tenant":"t"}',
    );
  });

  it('keys digests by tenant and zero-padded seq, escaping tenants so none can leave its prefix', () => {
    expect(digestObjectKey({ tenant: 'a/../b', seq: 7, chainHash: 'ff' })).toBe(
      'digests/a%2F..%2Fb/000000000007-ff.json',
    );
  });
});
