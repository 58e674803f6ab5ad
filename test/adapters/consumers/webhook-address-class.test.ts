import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../../src/adapters/http/address-class.js';

/** Ranges a webhook may never reach unless the deployment allows its own network, written out independently of the classifier. */
const REFUSED_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const REFUSED_V6: [number, number][] = [
  [0xfc00, 7], // unique-local
  [0xfe80, 10], // link-local
  [0xff00, 8], // multicast
];

const toNumber = (dotted: string) => dotted.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** Any IPv4 address inside one of the refused ranges. */
const refusedV4 = fc.constantFrom(...REFUSED_V4).chain(([base, prefix]) => fc.integer({ min: 0, max: 2 ** (32 - prefix) - 1 }).map((offset) => dotted(toNumber(base) + offset)));

const hex = (n: number) => n.toString(16);
/** Eight groups, written out in full, compressed with ::, or in upper case, as a URL or DNS answer may carry them. */
function v6Text(groups: number[], style: 'full' | 'compressed' | 'upper'): string {
  const full = groups.map(hex).join(':');
  if (style === 'full') return full;
  if (style === 'upper') return full.toUpperCase();
  // Compress the longest run of zero groups, as inet_ntop does.
  let best = { at: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j;
  }
  if (best.length < 2) return full;
  return `${groups.slice(0, best.at).map(hex).join(':')}::${groups.slice(best.at + best.length).map(hex).join(':')}`;
}

const group = fc.integer({ min: 0, max: 0xffff });
const style = fc.constantFrom<'full' | 'compressed' | 'upper'>('full', 'compressed', 'upper');

const refusedV6 = fc.tuple(fc.constantFrom(...REFUSED_V6), fc.array(group, { minLength: 8, maxLength: 8 }), style).map(([[base, prefix], groups, s]) => {
  const mask = (0xffff << (16 - prefix)) & 0xffff;
  const first = (base & mask) | (groups[0]! & ~mask & 0xffff);
  return v6Text([first, ...groups.slice(1)], s);
});

/** A refused IPv4 address hidden in an IPv6 form that reaches it: mapped, mapped in hex, NAT64, 6to4. */
const refusedV4InV6 = fc.tuple(refusedV4, fc.constantFrom('mapped', 'mapped-hex', 'nat64', '6to4'), group).map(([address, form, subnet]) => {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  const high = hex(a * 256 + b);
  const low = hex(c * 256 + d);
  if (form === 'mapped') return `::ffff:${address}`;
  if (form === 'mapped-hex') return `::ffff:${high}:${low}`;
  if (form === 'nat64') return `64:ff9b::${high}:${low}`;
  return `2002:${high}:${low}:${hex(subnet)}::1`;
});

describe('classifyAddress', () => {
  it('refuses every generated IPv4 address in a private, loopback, link-local, CGNAT, multicast or reserved range', () => {
    fc.assert(fc.property(refusedV4, (address) => classifyAddress(address) !== 'public' && classifyAddress(address) !== undefined));
  });

  it('refuses every generated unique-local, link-local and multicast IPv6 address, in any textual form', () => {
    fc.assert(fc.property(refusedV6, (address) => classifyAddress(address) !== 'public' && classifyAddress(`[${address}]`) !== 'public'));
  });

  it('refuses a refused IPv4 address carried in IPv6 (mapped, NAT64, 6to4)', () => {
    fc.assert(fc.property(refusedV4InV6, (address) => classifyAddress(address) !== 'public'));
  });

  it('judges a public IPv4 address the same in its IPv6-mapped form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const address = dotted(n);
        expect(classifyAddress(`::ffff:${address}`)).toBe(classifyAddress(address));
      }),
    );
  });

  it.each([
    ['169.254.169.254', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['10.20.30.40', 'private'],
    ['172.31.255.255', 'private'],
    ['100.127.255.255', 'cgnat'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('names %s %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each(['8.8.8.8', '20.42.65.92', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a01:111:f400::1', '::ffff:8.8.8.8', '2002:808:808::1'])('lets the public address %s through', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });

  it.each(['localhost', 'example.com', '1.2.3', '::g', ''])('does not classify %j, which is no IP address', (text) => {
    expect(classifyAddress(text)).toBeUndefined();
  });
});
