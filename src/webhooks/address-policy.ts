// Which IP addresses a webhook may be delivered to. A webhook URL is chosen by a tenant, so without
// this a tenant could make the service POST into its own network (databases, cloud metadata).
import { BlockList, isIP } from 'node:net';

const IPV4_RANGES: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (incl. cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const IPV6_RANGES: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
  ['2001:db8::', 32, 'documentation'],
];

function listOf(ranges: Array<[string, number, string]>, type: 'ipv4' | 'ipv6'): Array<[BlockList, string]> {
  return ranges.map(([network, prefix, reason]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, type);
    return [list, reason];
  });
}

const V4 = listOf(IPV4_RANGES, 'ipv4');
const V6 = listOf(IPV6_RANGES, 'ipv6');

/** The 16 bytes of an IPv6 address (zone id dropped), or undefined when it does not parse. */
function ipv6Bytes(address: string): number[] | undefined {
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes its two hex groups, so only one syntax remains.
  const text = address
    .replace(/%.*$/, '')
    .replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
      [Number(a) * 256 + Number(b), Number(c) * 256 + Number(d)].map((w) => w.toString(16)).join(':'),
    );
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...rest].map((g) =>
    /^[0-9a-f]{1,4}$/i.test(g) ? Number.parseInt(g, 16) : Number.NaN,
  );
  if (words.some((w) => Number.isNaN(w))) return undefined;
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** IPv4 addresses carried inside IPv6 ones: mapped, compatible, NAT64 and 6to4. */
export function embeddedIpv4(address: string): string | undefined {
  const b = ipv6Bytes(address);
  if (!b) return undefined;
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const quad = (at: number) => b.slice(at, at + 4).join('.');
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return quad(12); // ::ffff:a.b.c.d
  if (zero(0, 12) && !zero(12, 16) && !(zero(12, 15) && b[15] === 1)) return quad(12); // ::a.b.c.d (deprecated)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return quad(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return quad(2); // 2002:aabb:ccdd::/48
  return undefined;
}

/** Why an address must not receive webhooks, or undefined when it is a public unicast address. */
export function forbiddenReason(address: string): string | undefined {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) {
    if (address === '255.255.255.255') return 'broadcast';
    return V4.find(([list]) => list.check(address, 'ipv4'))?.[1];
  }
  if (family === 6) {
    const plain = address.replace(/%.*$/, '');
    const inner = embeddedIpv4(plain);
    if (inner !== undefined) {
      const reason = forbiddenReason(inner);
      return reason ? `${reason}, embedded in IPv6` : undefined;
    }
    return V6.find(([list]) => list.check(plain, 'ipv6'))?.[1];
  }
  return 'not an IP address';
}

/**
 * Why a URL host (as `URL.hostname` gives it, brackets allowed) is known to be forbidden before any
 * DNS lookup: a forbidden literal IP, or a `localhost` name (RFC 6761: always loopback). Other
 * names are only judged after resolution, at delivery.
 */
export function forbiddenHostReason(hostname: string): string | undefined {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isIP(host.replace(/%.*$/, ''))) return forbiddenReason(host);
  if (/(^|\.)localhost\.?$/.test(host)) return 'loopback (localhost)';
  return undefined;
}
