// Classifies an IP address for argument URLs, on top of the upstream SSRF guard's classifyAddress: IPv6 forms
// that carry an IPv4 address (mapped ::ffff:a.b.c.d in any spelling, compatible ::a.b.c.d, 6to4 2002::/16) are
// judged as the IPv4 address they carry, and the cloud metadata endpoints are named so no setting allows them.
import { isIP } from 'node:net';
import { type AddressClass, classifyAddress } from '../upstream/credentials/ssrf-guard.ts';

export type ArgumentAddressClass = AddressClass | 'metadata';

// 169.254.169.254 (AWS, GCP, Azure), fd00:ec2::254 (AWS IPv6), 100.100.100.200 (Alibaba).
const METADATA = new Set(['169.254.169.254', 'fd00:ec2:0:0:0:0:0:254', '100.100.100.200']);

/** The 16 bytes of an IPv6 literal (dotted IPv4 tail allowed), or undefined when it is not one. */
export function ipv6Bytes(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(fill).fill('0'), ...tailGroups].map((g) =>
    Number.parseInt(g, 16),
  );
  if (groups.length !== 8) return undefined;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible or 6to4), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  // Compatible (deprecated) ::a.b.c.d; `::` and `::1` themselves are not IPv4 addresses.
  if (zeros(0, 12) && !zeros(12, 15)) return bytes.slice(12).join('.');
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6).join('.');
  return undefined;
}

function canonical(address: string): string {
  const bytes = ipv6Bytes(address);
  if (!bytes) return address;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}

/** The class of a literal address as argument URLs judge it (`reserved` for anything that is not an IP). */
export function classifyArgumentAddress(address: string): ArgumentAddressClass {
  const bare = address.replace(/^\[|\]$/g, '');
  const ip = embeddedIPv4(bare) ?? bare;
  if (METADATA.has(canonical(ip))) return 'metadata';
  return classifyAddress(ip);
}
