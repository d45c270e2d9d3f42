import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { DeliveryError } from './delivery-error.js';

type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** A URL that passed the guard, with the address that the request must connect to. */
export interface CheckedDestination {
  url: URL;
  /** Host from the URL without IPv6 brackets, for the Host header and TLS server name. */
  hostname: string;
  /** The checked IP address. Connect to it instead of resolving `hostname` again. */
  address: string;
  family: 4 | 6;
}

/** Outbound allow list, parsed: host names and IP networks that skip the address checks. */
export interface AllowList {
  hostnames: Set<string>;
  networks: Array<[IpAddress, number]>;
}

export type ResolveHost = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const RANGE_DESCRIPTIONS: Record<string, string> = {
  unspecified: 'an unspecified',
  loopback: 'a loopback',
  private: 'a private',
  uniqueLocal: 'a unique local (private)',
  linkLocal: 'a link-local',
  carrierGradeNat: 'a carrier-grade NAT',
  multicast: 'a multicast',
  broadcast: 'a broadcast',
  reserved: 'a reserved',
  ipv4Compatible: 'an IPv4-compatible IPv6',
};

/**
 * Checks that `url` may receive an outbound request and returns the address to connect to.
 *
 * Only http: and https: are accepted. The host is resolved, and every address it resolves to
 * must be public unicast. The guard rejects loopback, private, unique local, link-local, CGNAT,
 * unspecified, multicast, reserved and the other IANA special-purpose ranges listed by
 * ipaddr.js 2.5, including their IPv4-mapped and IPv4-compatible IPv6 forms. A host name
 * listed in `allow` skips the address checks, and so does an address inside an IP or CIDR entry.
 *
 * Throws DeliveryError `invalid_url` or `destination_blocked` (permanent) and `network_error`
 * (retryable) when the lookup fails. Throws a plain Error when an `allow` entry is invalid.
 */
export async function checkDestination(
  url: string,
  allow: readonly string[],
  resolveHost: ResolveHost = resolveWithDns,
): Promise<CheckedDestination> {
  const parsedUrl = parseHttpUrl(url);
  const allowList = parseAllowList(allow);
  const hostname = stripBrackets(parsedUrl.hostname);
  const hostnameAllowed =
    isIP(hostname) === 0 && allowList.hostnames.has(normalizeHostname(hostname));

  const addresses = await resolveAddresses(hostname, resolveHost);
  if (!hostnameAllowed) {
    for (const address of addresses) {
      assertAddressAllowed(hostname, address, allowList);
    }
  }

  const first = addresses[0] as IpAddress;
  return {
    url: parsedUrl,
    hostname,
    address: first.toString(),
    family: first.kind() === 'ipv4' ? 4 : 6,
  };
}

/**
 * Parses allow-list entries: an IP address, a CIDR network such as `10.1.0.0/16`, or a host
 * name, which matches exactly and case-insensitively. Throws an Error naming the first
 * invalid entry, so configuration loading can call it at startup.
 */
export function parseAllowList(allow: readonly string[]): AllowList {
  const allowList: AllowList = { hostnames: new Set(), networks: [] };

  for (const entry of allow) {
    const trimmed = stripBrackets(entry.trim());
    if (trimmed.includes('/')) {
      if (!ipaddr.isValidCIDR(trimmed)) {
        throw new Error(
          `Invalid outbound allow-list entry "${entry}": expected a CIDR network such as 10.0.0.0/8 or fc00::/7.`,
        );
      }
      allowList.networks.push(ipaddr.parseCIDR(trimmed));
    } else if (isIP(trimmed) !== 0) {
      const address = unmapIPv4(ipaddr.parse(trimmed));
      allowList.networks.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9_.-]+$/i.test(trimmed)) {
      allowList.hostnames.add(normalizeHostname(trimmed));
    } else {
      throw new Error(
        `Invalid outbound allow-list entry "${entry}": expected a host name, an IP address or a CIDR network.`,
      );
    }
  }

  return allowList;
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    // The URL is not echoed because chat webhook URLs carry their credential in the path.
    throw new DeliveryError('invalid_url', 'The destination URL is not a valid absolute URL.', {
      retryable: false,
      cause: error,
    });
  }

  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DeliveryError(
      'destination_blocked',
      `The destination URL scheme "${parsed.protocol}" is not allowed; use http: or https:.`,
      { retryable: false },
    );
  }
  return parsed;
}

async function resolveAddresses(hostname: string, resolveHost: ResolveHost): Promise<IpAddress[]> {
  if (isIP(hostname) !== 0) {
    return [unmapIPv4(ipaddr.parse(hostname))];
  }

  let resolved: Array<{ address: string }>;
  try {
    resolved = await resolveHost(hostname);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new DeliveryError('network_error', `DNS lookup for "${hostname}" failed (${reason}).`, {
      retryable: true,
      cause: error,
    });
  }

  if (resolved.length === 0) {
    throw new DeliveryError(
      'network_error',
      `DNS lookup for "${hostname}" returned no addresses.`,
      {
        retryable: true,
      },
    );
  }
  return resolved.map((entry) => unmapIPv4(ipaddr.parse(entry.address)));
}

function assertAddressAllowed(hostname: string, address: IpAddress, allowList: AllowList): void {
  const inAllowedNetwork = allowList.networks.some(
    ([network, prefix]) => network.kind() === address.kind() && address.match(network, prefix),
  );
  if (inAllowedNetwork) return;

  const range = classifyAddress(address);
  if (range === 'unicast') return;

  const description = RANGE_DESCRIPTIONS[range] ?? `a special-purpose (${range})`;
  const destinationLabel =
    hostname === address.toString() ? hostname : `"${hostname}" (${address.toString()})`;
  throw new DeliveryError(
    'destination_blocked',
    `The destination ${destinationLabel} is ${description} address. Add the host name or address to the outbound allow list to permit it.`,
    { retryable: false },
  );
}

/** Returns the ipaddr.js range name, or `ipv4Compatible` for the deprecated ::a.b.c.d form. */
function classifyAddress(address: IpAddress): string {
  const range = address.range();
  if (
    range === 'unicast' &&
    address.kind() === 'ipv6' &&
    isIPv4Compatible(address as ipaddr.IPv6)
  ) {
    return 'ipv4Compatible';
  }
  return range;
}

// RFC 4291 section 2.5.5.1 deprecates ::/96 (IPv4-compatible addresses). ipaddr.js 2.5 reports
// it as unicast, but it embeds an IPv4 address, so it is rejected instead of trusted to fail.
function isIPv4Compatible(address: ipaddr.IPv6): boolean {
  return address.parts.slice(0, 6).every((part) => part === 0);
}

function unmapIPv4(address: IpAddress): IpAddress {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function normalizeHostname(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

async function resolveWithDns(
  hostname: string,
): Promise<Array<{ address: string; family: number }>> {
  return lookup(hostname, { all: true });
}
