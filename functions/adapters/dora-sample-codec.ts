/**
 * Compact binary encodings of the DORA projection's integer lists, stored in binary attributes instead
 * of JSON text (projection dora-2023.10). A day rollup of a whole tenant holds thousands of lead-time
 * seconds: as JSON each costs ~7 bytes, sorted and delta-encoded as varints 1–2. Exact: every integer
 * decodes to itself, and a list that is not made of safe integers (or not sorted, where sorted is
 * required) is refused, so the caller keeps it as JSON.
 */

const SORTED = 1;
const PAIRS = 2;

/** Sorted safe integers: count, the first value zigzag-encoded, then each (non-negative) difference. */
export function encodeSorted(values: readonly number[]): Uint8Array | undefined {
  if (!values.every(Number.isSafeInteger)) return undefined;
  for (let i = 1; i < values.length; i += 1) {
    if ((values[i] as number) < (values[i - 1] as number)) return undefined;
  }
  const out = new Writer(values.length + 8);
  out.byte(SORTED);
  out.varint(values.length);
  let previous = 0;
  values.forEach((value, i) => {
    if (i === 0) out.varint(zigzag(value));
    else out.varint(value - previous);
    previous = value;
  });
  // A difference of two safe integers may exceed 2^53: refuse rather than round.
  return out.exact ? out.bytes() : undefined;
}

export function decodeSorted(bytes: Uint8Array): number[] {
  const input = new Reader(bytes);
  if (input.byte() !== SORTED) throw new RangeError('not a sorted-integer list');
  const count = input.varint();
  const values: number[] = new Array(count);
  let previous = 0;
  for (let i = 0; i < count; i += 1) {
    previous = i === 0 ? unzigzag(input.varint()) : previous + input.varint();
    values[i] = previous;
  }
  input.end();
  return values;
}

/**
 * `[key, count]` pairs with strictly increasing integer keys (a month's per-bin sample counts): count,
 * the first key zigzag-encoded then each key's difference, and every count zigzag-encoded.
 */
export function encodePairs(pairs: readonly (readonly [number, number])[]): Uint8Array | undefined {
  const out = new Writer(pairs.length * 3 + 8);
  out.byte(PAIRS);
  out.varint(pairs.length);
  let previous = 0;
  for (const [i, pair] of pairs.entries()) {
    const [key, count] = pair;
    if (pair.length !== 2 || !Number.isSafeInteger(key) || !Number.isSafeInteger(count)) return undefined;
    if (i > 0 && key <= previous) return undefined;
    out.varint(i === 0 ? zigzag(key) : key - previous);
    out.varint(zigzag(count));
    previous = key;
  }
  return out.exact ? out.bytes() : undefined;
}

export function decodePairs(bytes: Uint8Array): [number, number][] {
  const input = new Reader(bytes);
  if (input.byte() !== PAIRS) throw new RangeError('not a list of pairs');
  const count = input.varint();
  const pairs: [number, number][] = new Array(count);
  let previous = 0;
  for (let i = 0; i < count; i += 1) {
    previous = i === 0 ? unzigzag(input.varint()) : previous + input.varint();
    pairs[i] = [previous, unzigzag(input.varint())];
  }
  input.end();
  return pairs;
}

/** Encodes either shape, or undefined when `value` is neither a sorted integer list nor such pairs. */
export function encodeList(value: unknown): Uint8Array | undefined {
  if (!Array.isArray(value)) return undefined;
  if (value.every((v) => typeof v === 'number')) return encodeSorted(value as number[]);
  if (value.every((v) => Array.isArray(v))) return encodePairs(value as [number, number][]);
  return undefined;
}

export function decodeList(bytes: Uint8Array): number[] | [number, number][] {
  return bytes[0] === PAIRS ? decodePairs(bytes) : decodeSorted(bytes);
}

// Arithmetic rather than bit operators: JavaScript's bit operators truncate to 32 bits.
function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

class Writer {
  private buffer: Uint8Array;
  private length = 0;
  /** False once a value beyond 2^53 was written (it would not decode to itself). */
  exact = true;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }

  byte(value: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length] = value;
    this.length += 1;
  }

  /** Unsigned LEB128: seven bits a byte, low bits first, the high bit set on every byte but the last. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) this.exact = false;
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 0x80) + 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.byte(rest);
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

class Reader {
  private at = 0;

  constructor(private readonly buffer: Uint8Array) {}

  byte(): number {
    const value = this.buffer[this.at];
    if (value === undefined) throw new RangeError('truncated sample list');
    this.at += 1;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  end(): void {
    if (this.at !== this.buffer.length) throw new RangeError('trailing bytes after a sample list');
  }
}
