import { readFileSync } from 'node:fs';
import { canonicalJson } from '../domain/ledger/canonical-json.ts';
import {
  type Checkpoint,
  parseVerifierKey,
  type VerifierKey,
  verifyCheckpoint,
} from '../domain/ledger/checkpoint.ts';
import { eventHash } from '../domain/ledger/hash-chain.ts';
import { HASH_SIZE, verifyConsistency, verifyLeafInclusion } from '../domain/ledger/merkle.ts';

/**
 * Offline checks of one event against a signed checkpoint, and of two checkpoints against each other,
 * from files alone (nothing is asked of the service):
 *
 *   verify-event --event event.json --proof proof.json --checkpoint checkpoint.txt --key key.txt
 *   verify-consistency --old a.txt --new b.txt --proof p.json --key key.txt
 *
 * event.json is one ledger entry as GET /v1/audit/export?format=jsonl&from=N&to=N returns it (its stored
 * canonical `body`), or an event as GET /v1/events returns it (the body is rebuilt as RFC 8785 JSON of
 * the envelope, which is how it was stored). proof.json is the answer of GET /v1/audit/proof/inclusion
 * (or /consistency), checkpoint.txt GET /v1/audit/checkpoint, key.txt GET /v1/audit/public-key — which
 * the auditor should pin once, not fetch with every check. Exit 0 verified, 1 not, 2 usage.
 */

export const PROOF_USAGE = `usage:
  verify-event --event event.json --proof proof.json --checkpoint checkpoint.txt --key key.txt
      exit 0 only if the event's body hashes to the leaf at its seq, the proof leads from it to the
      checkpoint's root, and the checkpoint is signed by the key (with the key's origin)
  verify-consistency --old old-checkpoint.txt --new new-checkpoint.txt --proof proof.json --key key.txt
      exit 0 only if both checkpoints are signed by the key and the proof shows the old tree is a
      prefix of the new one

event.json: one line of GET /v1/audit/export?format=jsonl&from=N&to=N (with its stored body), or an
event of GET /v1/events. proof.json: GET /v1/audit/proof/inclusion?seq=N&treeSize=<checkpoint size>
(or /proof/consistency?from=A&to=B). checkpoint.txt: GET /v1/audit/checkpoint. key.txt: GET
/v1/audit/public-key. Exit codes: 0 verified, 1 does not verify, 2 usage or unreadable input.`;

export type ProofOutcome =
  | { readonly ok: true; readonly message: string }
  | { readonly ok: false; readonly reason: string; readonly usage?: boolean };

const usage = (reason: string): ProofOutcome => ({ ok: false, reason, usage: true });
const fail = (reason: string): ProofOutcome => ({ ok: false, reason });

/** The stored body of an event file, and the seq it records. */
export function eventBody(event: unknown): { body: string; seq: number } | string {
  if (typeof event !== 'object' || event === null) return 'the event is not a JSON object';
  const record = event as Record<string, unknown>;
  let body: string;
  if (typeof record.body === 'string') {
    body = record.body;
    if (typeof record.eventHash === 'string' && record.eventHash !== eventHash(body))
      return 'the event body does not hash to its eventHash';
  } else {
    const { hash: _hash, eventHash: storedHash, ...envelope } = record;
    body = canonicalJson(envelope);
    if (typeof storedHash === 'string' && storedHash !== eventHash(body))
      return 'the event does not hash to its eventHash (is it the whole event as GET /v1/events returns it?)';
  }
  let seq: unknown;
  try {
    seq = (JSON.parse(body) as { seq?: unknown }).seq;
  } catch {
    return 'the event body is not JSON';
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
    return 'the event body records no seq';
  return { body, seq };
}

function hashes(value: unknown): Buffer[] | string {
  if (!Array.isArray(value)) return 'hashes must be an array';
  const out: Buffer[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(item))
      return 'hashes must be base64 strings';
    const bytes = Buffer.from(item, 'base64');
    if (bytes.length !== HASH_SIZE || bytes.toString('base64') !== item)
      return 'every hash must be base64 of 32 bytes';
    out.push(bytes);
  }
  return out;
}

const integer = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function checkpointOf(note: string, key: VerifierKey, label: string): Checkpoint | string {
  const checked = verifyCheckpoint(note, key);
  return checked.ok ? checked.value : `${label}: ${checked.reason}`;
}

/** verify-event, on the files' contents. */
export function verifyEventProof(input: {
  event: unknown;
  proof: unknown;
  checkpoint: string;
  key: string;
}): ProofOutcome {
  const key = parseVerifierKey(input.key);
  if (!key.ok) return fail(`key: ${key.reason}`);
  const checkpoint = checkpointOf(input.checkpoint, key.value, 'checkpoint');
  if (typeof checkpoint === 'string') return fail(checkpoint);
  const event = eventBody(input.event);
  if (typeof event === 'string') return fail(`event: ${event}`);
  const proof = input.proof as Record<string, unknown> | null;
  if (typeof proof !== 'object' || proof === null) return fail('proof: not a JSON object');
  if (!integer(proof.treeSize) || !integer(proof.leafIndex))
    return fail('proof: treeSize and leafIndex must be integers');
  if (proof.treeSize !== checkpoint.size)
    return fail(`proof is for tree size ${proof.treeSize}, the checkpoint is of size ${checkpoint.size}`);
  if (proof.leafIndex !== event.seq - 1 || (proof.seq !== undefined && proof.seq !== event.seq))
    return fail(
      `proof is for leaf ${proof.leafIndex}, the event is seq ${event.seq} (leaf ${event.seq - 1})`,
    );
  const path = hashes(proof.hashes);
  if (typeof path === 'string') return fail(`proof: ${path}`);
  const included = verifyLeafInclusion(event.body, event.seq - 1, checkpoint.size, path, checkpoint.rootHash);
  if (!included.ok) return fail(`the event is not in the checkpointed tree: ${included.reason}`);
  return {
    ok: true,
    message: `verified: event seq ${event.seq} is in ${checkpoint.origin} at tree size ${checkpoint.size}, signed by ${key.value.name}`,
  };
}

/** verify-consistency, on the files' contents. */
export function verifyConsistencyProof(input: {
  old: string;
  new: string;
  proof: unknown;
  key: string;
}): ProofOutcome {
  const key = parseVerifierKey(input.key);
  if (!key.ok) return fail(`key: ${key.reason}`);
  const older = checkpointOf(input.old, key.value, 'old checkpoint');
  if (typeof older === 'string') return fail(older);
  const newer = checkpointOf(input.new, key.value, 'new checkpoint');
  if (typeof newer === 'string') return fail(newer);
  const proof = input.proof as Record<string, unknown> | null;
  if (typeof proof !== 'object' || proof === null) return fail('proof: not a JSON object');
  if (proof.from !== older.size || proof.to !== newer.size)
    return fail(
      `proof is from ${String(proof.from)} to ${String(proof.to)}, the checkpoints are ${older.size} and ${newer.size}`,
    );
  const path = hashes(proof.hashes);
  if (typeof path === 'string') return fail(`proof: ${path}`);
  const consistent = verifyConsistency(older.size, newer.size, older.rootHash, newer.rootHash, path);
  if (!consistent.ok) return fail(`the new checkpoint does not extend the old one: ${consistent.reason}`);
  return {
    ok: true,
    message: `verified: ${newer.origin} at size ${newer.size} extends size ${older.size} (append-only), both signed by ${key.value.name}`,
  };
}

const COMMAND_FLAGS = {
  'verify-event': ['event', 'proof', 'checkpoint', 'key'],
  'verify-consistency': ['old', 'new', 'proof', 'key'],
} as const;
export type ProofCommand = keyof typeof COMMAND_FLAGS;
export const isProofCommand = (name: string | undefined): name is ProofCommand =>
  name === 'verify-event' || name === 'verify-consistency';

/** Runs a proof command on its arguments (after the command name), reading the files it names. */
export function runProofCommand(command: ProofCommand, args: readonly string[]): ProofOutcome | 'help' {
  const files: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (!name || !(COMMAND_FLAGS[command] as readonly string[]).includes(name))
      return usage(`unknown argument ${arg}`);
    const value = args[i + 1];
    if (!value || value.startsWith('--')) return usage(`--${name} needs a file`);
    files[name] = value;
    i += 1;
  }
  const missing = COMMAND_FLAGS[command].filter((name) => !files[name]);
  if (missing.length > 0) return usage(`missing ${missing.map((name) => `--${name}`).join(', ')}`);
  const text: Record<string, string> = {};
  for (const [name, file] of Object.entries(files)) {
    try {
      text[name] = readFileSync(file, 'utf8');
    } catch (error) {
      return usage(`cannot read ${file}: ${(error as Error).message}`);
    }
  }
  const json = (name: string): unknown | ProofOutcome => {
    try {
      return JSON.parse(String(text[name]));
    } catch {
      return usage(`${files[name]} is not JSON`);
    }
  };
  const proof = json('proof');
  if (isOutcome(proof)) return proof;
  if (command === 'verify-event') {
    const event = json('event');
    if (isOutcome(event)) return event;
    return verifyEventProof({ event, proof, checkpoint: String(text.checkpoint), key: String(text.key) });
  }
  return verifyConsistencyProof({
    old: String(text.old),
    new: String(text.new),
    proof,
    key: String(text.key),
  });
}

function isOutcome(value: unknown): value is ProofOutcome {
  return typeof value === 'object' && value !== null && (value as { usage?: unknown }).usage === true;
}

/** Prints the outcome and returns the exit code (0 verified, 1 not, `usageCode` for usage). */
export function proofMain(command: ProofCommand, args: readonly string[], usageCode = 2): number {
  const outcome = runProofCommand(command, args);
  if (outcome === 'help') {
    console.log(PROOF_USAGE);
    return 0;
  }
  if (outcome.ok) {
    console.log(outcome.message);
    return 0;
  }
  if (outcome.usage) {
    console.error(`${outcome.reason}\n\n${PROOF_USAGE}`);
    return usageCode;
  }
  console.error(`NOT VERIFIED: ${outcome.reason}`);
  return 1;
}
