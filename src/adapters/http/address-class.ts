/**
 * Which IP addresses an outbound request to a URL someone else chose (a webhook) may reach.
 * Everything that is not the public internet is named by its range, so a refusal can say why:
 * the app's own network, the platform's metadata endpoints and addresses that route nowhere.
 * IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, compatible) are judged by it.
 */
import { isIP } from 'node:net';

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'metadata'
  | 'reserved';

interface Range {
  bytes: number[];
  prefix: number;
  class: Exclude<AddressClass, 'public'>;
}

const v4 = (text: string, prefix: number, cls: Range['class']): Range => ({ bytes: text.split('.').map(Number), prefix, class: cls });

/** First match wins: the metadata addresses come before the ranges that hold them. */
const IPV4_RANGES: Range[] = [
  // Azure's Instance Metadata Service (and every cloud's), and Azure's WireServer, which hands out VM extension settings.
  v4('169.254.169.254', 32, 'metadata'),
  v4('168.63.129.16', 32, 'metadata'),
  v4('0.0.0.0', 8, 'unspecified'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('10.0.0.0', 8, 'private'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.168.0.0', 16, 'private'),
  v4('169.254.0.0', 16, 'link-local'),
  v4('100.64.0.0', 10, 'cgnat'),
  v4('224.0.0.0', 4, 'multicast'),
  // IETF protocol assignments, documentation, benchmarking, 6to4 relay, and 240/4 up to the broadcast address.
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.0.2.0', 24, 'reserved'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('198.51.100.0', 24, 'reserved'),
  v4('203.0.113.0', 24, 'reserved'),
  v4('192.88.99.0', 24, 'reserved'),
  v4('240.0.0.0', 4, 'reserved'),
];

const v6 = (groups: number[], prefix: number, cls: Range['class']): Range => ({ bytes: groups.flatMap((g) => [g >> 8, g & 0xff]), prefix, class: cls });

const IPV6_RANGES: Range[] = [
  v6([0, 0, 0, 0, 0, 0, 0, 0], 128, 'unspecified'),
  v6([0, 0, 0, 0, 0, 0, 0, 1], 128, 'loopback'),
  v6([0xfe80], 10, 'link-local'),
  v6([0xfec0], 10, 'private'), // deprecated site-local, still routed inside some networks
  v6([0xfc00], 7, 'unique-local'),
  v6([0xff00], 8, 'multicast'),
  v6([0x2001, 0x0db8], 32, 'reserved'), // documentation
  v6([0x0100], 64, 'reserved'), // discard-only
  v6([0x2001, 0], 32, 'reserved'), // Teredo: the IPv4 address inside is obfuscated, so judge it unknown
  v6([0x2001, 0x0010], 28, 'reserved'), // ORCHID
];

function inRange(bytes: number[], range: Range): boolean {
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i] ?? 0)) return false;
  }
  return true;
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address that net.isIP accepted (zone already removed). */
function ipv6Bytes(text: string): number[] {
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = ipv4Bytes(text.slice(lastColon + 1));
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::') as [string, string | undefined];
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const leftGroups = groupsOf(left);
  const rightGroups = right === undefined ? [] : groupsOf(right);
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = right === undefined ? leftGroups : [...leftGroups, ...new Array<number>(missing).fill(0), ...rightGroups];
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tailV4.length === 4) bytes.splice(12, 4, ...tailV4);
  return bytes;
}

function classifyV4(bytes: number[]): AddressClass {
  return IPV4_RANGES.find((range) => inRange(bytes, range))?.class ?? 'public';
}

const zeros = (bytes: number[], from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);

/**
 * The class of an IP address literal; undefined when the text is not one. Refuse anything but 'public'
 * unless the deployment allows its own network.
 */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  // A zone (fe80::1%eth0) only ever qualifies a link-local or loopback address; judge the address.
  const unzoned = bare.includes('%') ? bare.slice(0, bare.indexOf('%')) : bare;
  const family = isIP(unzoned);
  if (family === 4) return classifyV4(ipv4Bytes(unzoned));
  if (family !== 6) return undefined;
  const bytes = ipv6Bytes(unzoned.toLowerCase());
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated) reach the IPv4 address on dual-stack hosts.
  if (zeros(bytes, 0, 10) && ((bytes[10] === 0xff && bytes[11] === 0xff) || (bytes[10] === 0 && bytes[11] === 0 && !zeros(bytes, 12, 14)))) return classifyV4(bytes.slice(12));
  // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48) translates to the IPv4 address at the end.
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && (zeros(bytes, 4, 12) || (bytes[4] === 0 && bytes[5] === 1))) return classifyV4(bytes.slice(12));
  // 6to4 (2002::/16) tunnels to the IPv4 address in bytes 2-5.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) {
    const inner = classifyV4(bytes.slice(2, 6));
    if (inner !== 'public') return inner;
  }
  return IPV6_RANGES.find((range) => inRange(bytes, range))?.class ?? 'public';
}
