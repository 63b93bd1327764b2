/**
 * IP addresses in EventBridge patterns: `cidr` blocks, and exact values that are IP addresses, which the
 * service compares as addresses (`"2001:db8::1"` matches `"2001:0DB8:0000:0000:0000:0000:0000:0001"`).
 *
 * Pure: no I/O, no state.
 */

export interface IpAddress {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

export interface CidrBlock extends IpAddress {
  readonly prefixLength: number;
}

/** What event-ruler takes for an IPv4 literal before parsing it (anything else is plain text). */
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;

/** The address a string spells, when it is an IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (text.includes(':')) return parseIpv6(text);
  return undefined;
}

/** True when both are the same address (IPv4 and IPv6 never equal each other). */
export function sameIp(a: IpAddress, b: IpAddress | undefined): boolean {
  return b !== undefined && a.bits === b.bits && a.value === b.value;
}

/**
 * A block written `address/mask`. The mask is required and shorter than the address (/32 and /128 are
 * refused: an exact address is written as a plain value); host bits may be set.
 */
export function parseCidr(text: string): CidrBlock | undefined {
  const [addressText, prefixText, ...rest] = text.split('/');
  if (addressText === undefined || prefixText === undefined || rest.length > 0) return undefined;
  const address = parseIp(addressText);
  if (!address || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefixLength = Number(prefixText);
  return prefixLength < address.bits ? { ...address, prefixLength } : undefined;
}

/** True when `candidate` is an address inside `block`. */
export function inCidr(block: CidrBlock, candidate: string): boolean {
  const address = parseIp(candidate);
  if (!address || address.bits !== block.bits) return false;
  const shift = BigInt(block.bits - block.prefixLength);
  return block.value >> shift === address.value >> shift;
}

function parseIpv4(text: string): IpAddress | undefined {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
    return undefined;
  }
  return { bits: 32, value: octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n) };
}

function parseIpv6(text: string): IpAddress | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] | undefined => {
    if (!part) return [];
    const groups = part.split(':');
    const tail = groups[groups.length - 1] ?? '';
    if (tail.includes('.')) {
      const ipv4 = IPV4_SHAPE.test(tail) ? parseIpv4(tail) : undefined;
      if (!ipv4) return undefined;
      groups.splice(-1, 1, (ipv4.value >> 16n).toString(16), (ipv4.value & 0xffffn).toString(16));
    }
    return groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group)) ? groups : undefined;
  };
  const head = groupsOf(halves[0]);
  const tail = groupsOf(halves[1]);
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail];
  return { bits: 128, value: groups.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n) };
}
