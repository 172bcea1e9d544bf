import { describe, expect, it } from 'vitest';
import { isAllowedHost, refusedRange } from './upload-address.js';

describe('refusedRange', () => {
  it.each(['8.8.8.8', '131.142.185.1', '2607:f8b0:4004:c07::64', '::ffff:8.8.8.8', '[2001:4860::8888]'])('lets public unicast %s through', (a) => {
    expect(refusedRange(a)).toBeUndefined();
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:10.1.2.3', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['fd00::1', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
    ['2001::1', 'teredo'],
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
  ])('refuses %s (%s)', (a, range) => {
    expect(refusedRange(a)).toBe(range);
  });
});

describe('isAllowedHost', () => {
  it('matches a host entry on any port and a host:port entry on that port only, case-insensitively', () => {
    expect(isAllowedHost('LocalHost', '8080', ['localhost'])).toBe(true);
    expect(isAllowedHost('127.0.0.1', '8080', ['127.0.0.1:8080'])).toBe(true);
    expect(isAllowedHost('127.0.0.1', '8081', ['127.0.0.1:8080'])).toBe(false);
    expect(isAllowedHost('example.org', '80', [])).toBe(false);
  });
});
