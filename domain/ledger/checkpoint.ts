import { createHash, createPublicKey, verify } from 'node:crypto';
import { HASH_SIZE } from './merkle.ts';

/**
 * Checkpoints as C2SP tlog-checkpoint notes, signed as C2SP signed-note Ed25519 notes:
 *
 *   release-ledger/acme          ← origin: the ledger's name and the tenant (also the key name)
 *   1234                         ← tree size (= the ledger's seq it covers)
 *   3Wq…=                        ← base64 root hash
 *                                ← blank line
 *   — release-ledger/acme AbCd…  ← em dash, key name, base64(4-byte key id ‖ 64-byte signature)
 *
 * The signature is over the note text (the three lines, final newline included). The key id is
 * SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]; the verifier key is `name+keyidhex+base64(0x01 ‖
 * public key)`. Formatting, parsing and verification live here (pure); signing is a port.
 */

export const ED25519_SIGNATURE_TYPE = 0x01;
const EM_DASH = '\u2014';
const MAX_NOTE_BYTES = 16 * 1024;
const MAX_SIGNATURES = 16;

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Extension lines after the root hash (none written by this ledger; kept when parsed). */
  readonly extensions: readonly string[];
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };
const bad = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** The origin (and key name) of a tenant's ledger: `<ledger name>/<tenant>`. */
export function checkpointOrigin(ledgerName: string, tenant: string): string {
  return `${ledgerName}/${tenant}`;
}

/** Key names must be non-empty with no Unicode spaces or '+' (signed-note). */
export function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(name);
}

export function checkpointText(checkpoint: Checkpoint): string {
  const lines = [
    checkpoint.origin,
    String(checkpoint.size),
    Buffer.from(checkpoint.rootHash).toString('base64'),
    ...checkpoint.extensions,
  ];
  return `${lines.join('\n')}\n`;
}

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeBase64(text: string): Buffer | undefined {
  if (!CANONICAL_BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** Parses a checkpoint's note text (not the signatures): origin, decimal size, base64 32-byte root. */
export function parseCheckpointText(text: string): Parsed<Checkpoint> {
  if (!text.endsWith('\n')) return bad('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!origin) return bad('checkpoint has no origin line');
  if (sizeLine === undefined || !/^(0|[1-9][0-9]*)$/.test(sizeLine))
    return bad('tree size is not a decimal number');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) return bad('tree size is too large');
  const rootHash = rootLine === undefined ? undefined : decodeBase64(rootLine);
  if (!rootHash || rootHash.length !== HASH_SIZE) return bad('root hash is not base64 of 32 bytes');
  if (extensions.some((line) => line.length === 0)) return bad('checkpoint text has an empty line');
  return { ok: true, value: { origin, size, rootHash, extensions } };
}

export interface NoteSignature {
  readonly name: string;
  /** 4 bytes, big-endian key id. */
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
}

export interface SignedNote {
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export function formatSignedNote(note: SignedNote): string {
  const lines = note.signatures.map(
    (s) =>
      `${EM_DASH} ${s.name} ${Buffer.concat([Buffer.from(s.keyId), Buffer.from(s.signature)]).toString('base64')}\n`,
  );
  return `${note.text}\n${lines.join('')}`;
}

/** Splits a signed note at its last blank line; every line after it must be a signature line. */
export function parseSignedNote(note: string): Parsed<SignedNote> {
  if (Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) return bad('note is too large');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the spec forbids these control characters
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) return bad('note contains control characters');
  if (!note.endsWith('\n')) return bad('note must end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return bad('note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const signatureLines = note.slice(split + 2, -1).split('\n');
  if (signatureLines.length > MAX_SIGNATURES) return bad('note has too many signatures');
  const signatures: NoteSignature[] = [];
  for (const line of signatureLines) {
    const match = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!match?.[1] || !match[2]) return bad('malformed signature line');
    const bytes = decodeBase64(match[2]);
    if (!bytes || bytes.length < 5) return bad('malformed signature');
    if (!validKeyName(match[1])) return bad('invalid key name in signature line');
    signatures.push({ name: match[1], keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) });
  }
  return { ok: true, value: { text, signatures } };
}

export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

export function ed25519KeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519_SIGNATURE_TYPE]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

export function verifierKey(name: string, publicKey: Uint8Array): VerifierKey {
  if (!validKeyName(name)) throw new RangeError(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return { name, keyId: ed25519KeyId(name, publicKey), publicKey };
}

/** `<name>+<keyid hex>+<base64(0x01 ‖ public key)>`, the note verifier key format. */
export function formatVerifierKey(key: VerifierKey): string {
  const encoded = Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), Buffer.from(key.publicKey)]);
  return `${key.name}+${Buffer.from(key.keyId).toString('hex')}+${encoded.toString('base64')}`;
}

export function parseVerifierKey(text: string): Parsed<VerifierKey> {
  const parts = text.trim().split('+');
  // The base64 part may itself contain '+': name and key id are the first two fields.
  const [name, idHex, ...rest] = parts;
  const encoded = rest.join('+');
  if (!name || !validKeyName(name)) return bad('verifier key has no valid name');
  if (!idHex || !/^[0-9a-f]{8}$/.test(idHex)) return bad('verifier key id is not 8 lowercase hex digits');
  const bytes = decodeBase64(encoded);
  if (bytes?.length !== 33 || bytes[0] !== ED25519_SIGNATURE_TYPE)
    return bad('verifier key is not an Ed25519 (type 0x01) key');
  const publicKey = bytes.subarray(1);
  const keyId = ed25519KeyId(name, publicKey);
  if (keyId.toString('hex') !== idHex) return bad('verifier key id does not match its name and key');
  return { ok: true, value: { name, keyId, publicKey } };
}

/** Ed25519 (RFC 8032, pure) verification of `message` under a raw 32-byte public key. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies a signed note against one trusted key: a signature whose name and key id both match must
 * verify; signatures of other keys are ignored; no matching signature is a failure.
 */
export function verifyNote(note: string, key: VerifierKey): Parsed<string> {
  const parsed = parseSignedNote(note);
  if (!parsed.ok) return parsed;
  const matching = parsed.value.signatures.filter(
    (s) => s.name === key.name && Buffer.compare(Buffer.from(s.keyId), Buffer.from(key.keyId)) === 0,
  );
  if (matching.length === 0) return bad(`note is not signed by ${key.name}`);
  const message = Buffer.from(parsed.value.text, 'utf8');
  for (const s of matching) {
    if (!ed25519Verify(key.publicKey, message, s.signature)) return bad('signature does not verify');
  }
  return { ok: true, value: parsed.value.text };
}

/**
 * A checkpoint an auditor may trust: signed by `key` and with the expected origin (by default the
 * key's name, the convention this ledger follows).
 */
export function verifyCheckpoint(
  note: string,
  key: VerifierKey,
  origin: string = key.name,
): Parsed<Checkpoint> {
  const text = verifyNote(note, key);
  if (!text.ok) return text;
  const checkpoint = parseCheckpointText(text.value);
  if (!checkpoint.ok) return checkpoint;
  if (checkpoint.value.origin !== origin)
    return bad(
      `checkpoint origin ${JSON.stringify(checkpoint.value.origin)} is not ${JSON.stringify(origin)}`,
    );
  return checkpoint;
}

/** Signs note text with an Ed25519 key, wherever it is kept (a local key file, KMS). */
export interface NoteSigner {
  /** The raw 32-byte public key. */
  publicKey(): Promise<Uint8Array>;
  /** A 64-byte pure Ed25519 signature of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Signs a checkpoint as a note under `name` (the origin). */
export async function signCheckpoint(signer: NoteSigner, checkpoint: Checkpoint): Promise<string> {
  const text = checkpointText(checkpoint);
  const publicKey = await signer.publicKey();
  const signature = await signer.sign(Buffer.from(text, 'utf8'));
  if (signature.length !== 64) throw new Error('the signer returned no Ed25519 signature');
  return formatSignedNote({
    text,
    signatures: [{ name: checkpoint.origin, keyId: ed25519KeyId(checkpoint.origin, publicKey), signature }],
  });
}
