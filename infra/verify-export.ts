import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { type ChainHead, createChainVerifier, type VerificationResult } from '../domain/ledger/hash-chain.ts';
import { isProofCommand, proofMain } from './verify-proofs.ts';

/**
 * `npm run verify -- <export.jsonl> [--digest <seq>:<chainHash>]...` — recomputes the hash chain of a
 * ledger export (GET /v1/audit/export) from the file alone, and checks it reaches each digest kept
 * from GET /v1/audit/digest. Nothing is asked of the service, so an auditor need not trust it.
 * Exit codes: 0 verified, 1 tampered or not matching a digest, 2 usage error.
 */

const USAGE = `usage: npm run verify -- <export.jsonl> [--digest <seq>:<chainHash>]...
       npm run verify -- verify-event --event e.json --proof p.json --checkpoint c.txt --key k.txt
       npm run verify -- verify-consistency --old a.txt --new b.txt --proof p.json --key k.txt

Recomputes every event hash and chain link of a jsonl ledger export (pages may be concatenated),
and checks the chain hash at each digest's seq. Exit 0 verified, 1 tampered or mismatch, 2 usage.`;

interface Options {
  readonly file: string;
  readonly digests: readonly ChainHead[];
}

export type VerifyOutcome =
  | { readonly ok: true; readonly first: number; readonly last: number; readonly digests: number }
  | { readonly ok: false; readonly seq: number | null; readonly reason: string };

/** Parses arguments; a string is a usage error. */
export function parseArgs(args: readonly string[]): Options | string | 'help' {
  let file: string | undefined;
  const digests: ChainHead[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--digest') {
      const match = /^(\d+):([0-9a-f]{64})$/.exec(args[i + 1] ?? '');
      if (!match) return `--digest needs <seq>:<64 hex chainHash>, got '${args[i + 1] ?? ''}'`;
      digests.push({ seq: Number(match[1]), chainHash: match[2] as string });
      i += 1;
    } else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (file === undefined) file = arg;
    else return `unexpected argument ${arg}`;
  }
  return file === undefined ? 'an export file is required' : { file, digests };
}

/** Verifies export lines (as read from the file, in order) against the digests. */
export async function verifyExport(
  lines: AsyncIterable<string>,
  digests: readonly ChainHead[],
): Promise<VerifyOutcome> {
  let verifier: ReturnType<typeof createChainVerifier> | undefined;
  let first: number | undefined;
  let last: { seq: number; hash: string } | undefined;
  const wanted = new Map(digests.map((d) => [d.seq, d.chainHash]));
  let checked = 0;
  for await (const raw of lines) {
    if (raw.trim() === '') continue;
    let line: { seq?: unknown; hash?: unknown; eventHash?: unknown; body?: unknown; previousHash?: unknown };
    try {
      line = JSON.parse(raw);
    } catch {
      return { ok: false, seq: last ? last.seq + 1 : null, reason: 'a line is not JSON' };
    }
    const { seq, hash, eventHash, body, previousHash } = line;
    if (
      typeof seq !== 'number' ||
      typeof hash !== 'string' ||
      typeof eventHash !== 'string' ||
      typeof body !== 'string'
    ) {
      return {
        ok: false,
        seq: typeof seq === 'number' ? seq : null,
        reason: 'a line lacks seq, hash, eventHash or body',
      };
    }
    if (!verifier) {
      // An export that starts after seq 1 carries the chain hash before it; a digest at that seq checks it.
      const start =
        seq > 1 && typeof previousHash === 'string' ? { seq: seq - 1, chainHash: previousHash } : undefined;
      verifier = createChainVerifier(start);
      first = seq;
      if (start && wanted.has(start.seq)) {
        if (wanted.get(start.seq) !== start.chainHash) return mismatch(start.seq);
        checked += 1;
      }
    } else if (typeof previousHash === 'string' && last && previousHash !== last.hash) {
      return { ok: false, seq, reason: 'previousHash does not match the line before it' };
    }
    const failure: VerificationResult | undefined = verifier.next({ seq, body, eventHash, chainHash: hash });
    if (failure && !failure.ok) return { ok: false, seq: failure.firstBadSeq, reason: failure.reason };
    last = { seq, hash };
    if (wanted.has(seq)) {
      if (wanted.get(seq) !== hash) return mismatch(seq);
      checked += 1;
    }
  }
  if (!last || first === undefined) return { ok: false, seq: null, reason: 'the export holds no events' };
  const unreached = digests.find((d) => d.seq > (last?.seq ?? 0) || d.seq < (first as number) - 1);
  if (unreached) {
    return {
      ok: false,
      seq: unreached.seq,
      reason: `the export (seq ${first}–${last.seq}) does not cover digest seq ${unreached.seq}`,
    };
  }
  return { ok: true, first, last: last.seq, digests: checked };
}

function mismatch(seq: number): VerifyOutcome {
  return { ok: false, seq, reason: `the recomputed chain hash at seq ${seq} differs from the digest` };
}

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (isProofCommand(command)) return proofMain(command, rest);
  const options = parseArgs(args);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof options === 'string') {
    console.error(`${options}\n\n${USAGE}`);
    return 2;
  }
  const input = createReadStream(options.file, 'utf8');
  const opened = await new Promise<Error | undefined>((resolve) => {
    input.once('readable', () => resolve(undefined));
    input.once('error', resolve);
  });
  if (opened) {
    console.error(`cannot read ${options.file}: ${opened.message}`);
    return 2;
  }
  const outcome = await verifyExport(
    createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }),
    options.digests,
  );
  if (outcome.ok) {
    console.log(
      `verified: seq ${outcome.first}–${outcome.last}, every event hash and chain link recomputed` +
        (outcome.digests > 0 ? `, ${outcome.digests} digest(s) matched` : ''),
    );
    return 0;
  }
  console.error(
    `TAMPERED or incomplete${outcome.seq !== null ? ` at seq ${outcome.seq}` : ''}: ${outcome.reason}`,
  );
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(2);
    },
  );
}
