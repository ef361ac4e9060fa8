// INTERNAL_URL's placeholders, filled in from this machine's own addresses.
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { resolveInternalUrl } from '../../src/cluster/internal-url.js';

const address = (family: 'IPv4' | 'IPv6', value: string, internal = false) => ({ family, address: value, internal }) as NetworkInterfaceInfo;
const LOOPBACK = { lo: [address('IPv4', '127.0.0.1', true), address('IPv6', '::1', true)] };

describe('INTERNAL_URL', () => {
  it('fills in the first non-loopback IPv4 address, the IPv6 one in brackets, and the hostname', () => {
    const interfaces = { ...LOOPBACK, eth0: [address('IPv6', 'fe80::1'), address('IPv6', 'fd12::7'), address('IPv4', '10.0.3.4')] };
    assert.equal(resolveInternalUrl('http://{ip}:3000', interfaces), 'http://10.0.3.4:3000');
    assert.equal(resolveInternalUrl('http://{ip6}:3000', interfaces), 'http://[fd12::7]:3000');
    assert.equal(resolveInternalUrl('http://{hostname}:3000', interfaces), `http://${hostname()}:3000`);
    assert.equal(resolveInternalUrl('http://10.1.1.1:3000', interfaces), 'http://10.1.1.1:3000');
  });

  it('takes the IPv6 address for {ip} on an IPv6-only network, and says so when there is no address at all', () => {
    assert.equal(resolveInternalUrl('http://{ip}:3000', { ...LOOPBACK, eth0: [address('IPv6', 'fd12::7')] }), 'http://[fd12::7]:3000');
    assert.throws(() => resolveInternalUrl('http://{ip}:3000', LOOPBACK), /INTERNAL_URL names \{ip\}, but this machine has no such address/);
  });
});
