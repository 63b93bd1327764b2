import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../../domain/ledger/canonical-json.ts';
import {
  type ChainEntry,
  chainHash,
  eventHash,
  GENESIS_HASH,
  sha256Hex,
  verifyChain,
} from '../../../../domain/ledger/hash-chain.ts';

function chainOf(count: number): ChainEntry[] {
  const entries: ChainEntry[] = [];
  let previous = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const body = canonicalJson({ seq, type: 'incident.resolved', data: { incidentId: `i-${seq}` } });
    const hash = eventHash(body);
    previous = chainHash(previous, seq, hash);
    entries.push({ seq, body, eventHash: hash, chainHash: previous });
  }
  return entries;
}
const headOf = (entries: ChainEntry[]) => {
  const last = entries.at(-1);
  return last ? { seq: last.seq, chainHash: last.chainHash } : undefined;
};

describe('the hash chain', () => {
  it('hashes with SHA-256 as lowercase hex', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('links each event to its position and predecessor', () => {
    const h = eventHash('{}');
    expect(chainHash(GENESIS_HASH, 1, h)).toBe(sha256Hex(`v1|1|${GENESIS_HASH}|${h}`));
    expect(chainHash(GENESIS_HASH, 2, h)).not.toBe(chainHash(GENESIS_HASH, 1, h));
  });

  it('verifies an intact ledger and reports its head', () => {
    const entries = chainOf(5);
    expect(verifyChain(entries, headOf(entries))).toEqual({
      ok: true,
      checked: 5,
      head: { seq: 5, hash: entries[4]?.chainHash },
    });
  });

  it('verifies an empty ledger', () => {
    expect(verifyChain([], undefined)).toEqual({
      ok: true,
      checked: 0,
      head: { seq: 0, hash: GENESIS_HASH },
    });
  });

  it('catches a modified body at its seq', () => {
    const entries = chainOf(5);
    const head = headOf(entries);
    entries[2] = {
      ...(entries[2] as ChainEntry),
      body: (entries[2] as ChainEntry).body.replace('i-3', 'i-9'),
    };
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('catches a body re-hashed after editing: the link to the next event breaks', () => {
    const entries = chainOf(5);
    const head = headOf(entries);
    const forged = (entries[1] as ChainEntry).body.replace('i-2', 'i-X');
    const forgedHash = eventHash(forged);
    entries[1] = {
      seq: 2,
      body: forged,
      eventHash: forgedHash,
      chainHash: chainHash((entries[0] as ChainEntry).chainHash, 2, forgedHash),
    };
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('catches a deleted event at the missing seq', () => {
    const entries = chainOf(5);
    const head = headOf(entries);
    entries.splice(3, 1);
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('catches two swapped events at the first of them', () => {
    const entries = chainOf(5);
    const head = headOf(entries);
    const [second, third] = [entries[1] as ChainEntry, entries[2] as ChainEntry];
    entries[1] = { ...third, seq: 2 };
    entries[2] = { ...second, seq: 3 };
    expect(verifyChain(entries, head)).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('catches a head that disagrees with the last event', () => {
    const entries = chainOf(3);
    expect(verifyChain(entries, { seq: 2, chainHash: (entries[1] as ChainEntry).chainHash })).toMatchObject({
      ok: false,
      firstBadSeq: 3,
    });
    expect(verifyChain(entries.slice(0, 2), headOf(entries))).toMatchObject({ ok: false, firstBadSeq: 3 });
  });
});
