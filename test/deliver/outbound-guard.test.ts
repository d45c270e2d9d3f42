import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/deliver/delivery-error.js';
import {
  checkDestination,
  parseAllowList,
  type ResolveHost,
} from '../../src/deliver/outbound-guard.js';

// None of these tests opens a connection, because checkDestination only parses and resolves.

async function expectRejected(
  promise: Promise<unknown>,
  code: DeliveryError['code'],
): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  const deliveryError = error as DeliveryError;
  expect(deliveryError.code).toBe(code);
  return deliveryError;
}

function fixedResolver(addresses: string[]): ResolveHost {
  return async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
}

describe('checkDestination', () => {
  const blockedUrls = [
    'http://127.0.0.1/',
    'http://127.1.2.3:8080/hook',
    'http://localhost/',
    'http://LocalHost:8080/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    'http://[fd12:3456::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::7f00:1]/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://224.0.0.1/',
    'http://[ff02::1]/',
    'http://255.255.255.255/',
    'http://2130706433/',
    'http://0x7f.0.0.1/',
    'http://017700000001/',
  ];

  it.each(blockedUrls)('rejects %s', async (url) => {
    const error = await expectRejected(checkDestination(url, []), 'destination_blocked');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('allow list');
  });

  it.each(['file:///etc/passwd', 'ftp://example.com/', 'gopher://127.0.0.1/', 'data:,hi'])(
    'rejects scheme of %s',
    async (url) => {
      const error = await expectRejected(checkDestination(url, []), 'destination_blocked');
      expect(error.message).toContain('http: or https:');
    },
  );

  it('rejects an invalid URL', async () => {
    const error = await expectRejected(checkDestination('not a url', []), 'invalid_url');
    expect(error.retryable).toBe(false);
  });

  it('accepts loopback listed by address', async () => {
    const destination = await checkDestination('http://127.0.0.1:9000/hook?x=1', ['127.0.0.1']);
    expect(destination.address).toBe('127.0.0.1');
    expect(destination.family).toBe(4);
    expect(destination.hostname).toBe('127.0.0.1');
    expect(destination.url.pathname).toBe('/hook');
  });

  it('accepts loopback inside an allowed CIDR', async () => {
    const destination = await checkDestination('http://127.0.0.2/', ['127.0.0.0/8']);
    expect(destination.address).toBe('127.0.0.2');
  });

  it('accepts the IPv4-mapped form of an allowed address', async () => {
    const destination = await checkDestination('http://[::ffff:127.0.0.1]/', ['127.0.0.1']);
    expect(destination.address).toBe('127.0.0.1');
    expect(destination.family).toBe(4);
  });

  it('accepts IPv6 loopback listed by address', async () => {
    const destination = await checkDestination('http://[::1]:8080/', ['[::1]']);
    expect(destination.address).toBe('::1');
    expect(destination.family).toBe(6);
    expect(destination.hostname).toBe('::1');
  });

  it('accepts a host name on the allow list', async () => {
    const destination = await checkDestination('http://localhost:8080/', ['LocalHost']);
    expect(['127.0.0.1', '::1']).toContain(destination.address);
  });

  it('keeps blocking addresses outside the allow list', async () => {
    await expectRejected(
      checkDestination('http://10.0.0.1/', ['127.0.0.1']),
      'destination_blocked',
    );
    await expectRejected(
      checkDestination('http://127.0.0.1/', ['127.0.0.2']),
      'destination_blocked',
    );
  });

  it('accepts a public address without an allow list', async () => {
    const destination = await checkDestination('https://1.1.1.1/', []);
    expect(destination.address).toBe('1.1.1.1');
  });

  it('returns the resolved public address', async () => {
    const resolve = fixedResolver(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
    const destination = await checkDestination('https://hooks.example.com/x', [], resolve);
    expect(destination.hostname).toBe('hooks.example.com');
    expect(destination.address).toBe('93.184.215.14');
  });

  it('rejects a host with any private address', async () => {
    const resolve = fixedResolver(['93.184.215.14', '10.1.2.3']);
    const error = await expectRejected(
      checkDestination('https://hooks.example.com/', [], resolve),
      'destination_blocked',
    );
    expect(error.message).toContain('10.1.2.3');
  });

  it('skips address checks for an allowed host name', async () => {
    const resolve = fixedResolver(['10.1.2.3']);
    const destination = await checkDestination(
      'https://hooks.internal/',
      ['hooks.internal'],
      resolve,
    );
    expect(destination.address).toBe('10.1.2.3');
  });

  it('reports a failed lookup as retryable', async () => {
    const resolve: ResolveHost = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const error = await expectRejected(
      checkDestination('https://missing.example/', [], resolve),
      'network_error',
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ENOTFOUND');
  });

  it('reports an empty lookup as retryable', async () => {
    const error = await expectRejected(
      checkDestination('https://empty.example/', [], fixedResolver([])),
      'network_error',
    );
    expect(error.retryable).toBe(true);
  });
});

describe('parseAllowList', () => {
  it('parses addresses, networks and host names', () => {
    const allowList = parseAllowList(['127.0.0.1', '10.0.0.0/8', 'fc00::/7', 'Hooks.Internal.']);
    expect(allowList.networks).toHaveLength(3);
    expect([...allowList.hostnames]).toEqual(['hooks.internal']);
  });

  it('rejects an invalid CIDR', () => {
    expect(() => parseAllowList(['10.0.0.0/33'])).toThrow('10.0.0.0/33');
  });

  it('rejects an entry with a scheme', () => {
    expect(() => parseAllowList(['http://hooks.internal'])).toThrow('http://hooks.internal');
  });
});
