/** Which network addresses an UPLOAD URL may reach: only globally routable unicast ones. The range
 *  classification is ipaddr.js's (IANA special-purpose registries); IPv4-mapped IPv6 addresses are judged as the
 *  IPv4 address they carry, and every IPv6 transition range that embeds an IPv4 address (6to4, Teredo, NAT64) is
 *  refused with the rest. Pure. */
import ipaddr from 'ipaddr.js';

/** Why the address must not be fetched from (its range name, e.g. "loopback", "linkLocal"), or undefined when it
 *  is a public unicast address. Anything that does not parse as an address is refused. */
export function refusedRange(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(bare)) return 'not an IP address';
  let parsed: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

/** Is host (a URL's hostname, or hostname:port) on the allow-list? Entries are "host" (any port) or "host:port". */
export function isAllowedHost(hostname: string, port: string, allowHosts: ReadonlyArray<string>): boolean {
  const h = hostname.toLowerCase();
  return allowHosts.includes(h) || allowHosts.includes(`${h}:${port}`);
}
