import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkpointText,
  ed25519KeyId,
  formatVerifierKey,
  type NoteSigner,
  parseCheckpointText,
  parseVerifierKey,
  signCheckpoint,
  verifierKey,
  verifyCheckpoint,
} from '../../../../domain/ledger/checkpoint.ts';
import { leafHash } from '../../../../domain/ledger/merkle.ts';

function signer(): NoteSigner & { raw: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url');
  return { raw, publicKey: async () => raw, sign: async (message) => sign(null, message, privateKey) };
}

const ORIGIN = 'release-ledger.example/acme';
const checkpoint = { origin: ORIGIN, size: 42, rootHash: leafHash('root'), extensions: [] };

describe('C2SP checkpoints and signed notes', () => {
  it('formats the note text as origin, size and base64 root, and signs it as a signed note', async () => {
    const key = signer();
    const note = await signCheckpoint(key, checkpoint);
    const [text, signature] = note.split('\n\n');
    expect(`${text}\n`).toBe(checkpointText(checkpoint));
    expect(text?.split('\n')).toEqual([ORIGIN, '42', leafHash('root').toString('base64')]);
    expect(signature).toMatch(/^\u2014 release-ledger\.example\/acme [A-Za-z0-9+/]+=*\n$/u);
    const bytes = Buffer.from(String(signature?.split(' ')[2]).trim(), 'base64');
    expect(bytes.length).toBe(4 + 64);
    expect(bytes.subarray(0, 4)).toEqual(ed25519KeyId(ORIGIN, key.raw));
    const verified = verifyCheckpoint(note, verifierKey(ORIGIN, key.raw));
    expect(verified).toEqual({
      ok: true,
      value: { ...checkpoint, rootHash: Buffer.from(checkpoint.rootHash) },
    });
  });

  it('derives the key id as the spec does and round-trips the verifier key', () => {
    const key = signer();
    const vkey = verifierKey(ORIGIN, key.raw);
    const text = formatVerifierKey(vkey);
    expect(text).toMatch(/^release-ledger\.example\/acme\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(Buffer.from(text.split('+').slice(2).join('+'), 'base64')[0]).toBe(0x01);
    expect(parseVerifierKey(text)).toEqual({ ok: true, value: vkey });
    // A key id that does not match its name and key is refused.
    expect(parseVerifierKey(text.replace(/\+[0-9a-f]{8}\+/, '+00000000+')).ok).toBe(false);
    expect(parseVerifierKey(`other.example/acme${text.slice(ORIGIN.length)}`).ok).toBe(false);
  });

  it('rejects a bad signature, the wrong key, another origin and an edited body', async () => {
    const key = signer();
    const note = await signCheckpoint(key, checkpoint);
    const vkey = verifierKey(ORIGIN, key.raw);
    const sigStart = note.lastIndexOf(' ') + 1;
    const sig = Buffer.from(note.slice(sigStart, -1), 'base64');
    sig[10] = (sig[10] ?? 0) ^ 1;
    expect(verifyCheckpoint(`${note.slice(0, sigStart)}${sig.toString('base64')}\n`, vkey)).toMatchObject({
      ok: false,
      reason: 'signature does not verify',
    });
    expect(verifyCheckpoint(note, verifierKey(ORIGIN, signer().raw)).ok).toBe(false);
    expect(verifyCheckpoint(note.replace('\n42\n', '\n43\n'), vkey)).toMatchObject({ ok: false });
    // A checkpoint another tenant's origin signed with the same key material: the name differs.
    const other = await signCheckpoint(key, { ...checkpoint, origin: 'release-ledger.example/other' });
    expect(verifyCheckpoint(other, vkey)).toMatchObject({ ok: false });
    // Even under a key of that name, the origin must be the one the auditor expects.
    expect(
      verifyCheckpoint(other, verifierKey('release-ledger.example/other', key.raw), ORIGIN),
    ).toMatchObject({
      ok: false,
    });
    expect(verifyCheckpoint(note.replace('\n\n', '\n'), vkey).ok).toBe(false);
    expect(verifyCheckpoint('', vkey).ok).toBe(false);
  });

  it('parses only well-formed checkpoint text', () => {
    const good = checkpointText(checkpoint);
    expect(parseCheckpointText(good).ok).toBe(true);
    expect(parseCheckpointText(good.replace('\n42\n', '\n042\n')).ok).toBe(false);
    expect(parseCheckpointText(good.replace('\n42\n', '\n-1\n')).ok).toBe(false);
    expect(parseCheckpointText(`${ORIGIN}\n42\n${Buffer.alloc(31).toString('base64')}\n`).ok).toBe(false);
    expect(parseCheckpointText(good.slice(0, -1)).ok).toBe(false);
  });
});
