// INTERNAL_URL, this instance's address as the other instances reach it. One setting serves every replica of a
// deployment when it names the machine instead of a fixed address: `{hostname}` (Docker's containers reach each
// other by it), `{ip}` (this machine's first non-loopback IPv4 address, else its IPv6 one) and `{ip6}` (its first
// IPv6 address that is not link-local, for IPv6-only private networks) are filled in at start.
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export function resolveInternalUrl(template: string, interfaces = networkInterfaces()): string {
  const addresses = Object.values(interfaces)
    .flat()
    .filter((address): address is NetworkInterfaceInfo => address !== undefined && !address.internal);
  const v4 = addresses.find((address) => address.family === 'IPv4')?.address;
  const v6 = addresses.find((address) => address.family === 'IPv6' && !address.address.toLowerCase().startsWith('fe80'))?.address;
  const fill = (token: string, address: string | undefined) => {
    if (address === undefined) throw new Error(`INTERNAL_URL names ${token}, but this machine has no such address (only loopback)`);
    return address;
  };
  return template
    .replaceAll('{hostname}', () => hostname())
    .replaceAll('{ip6}', () => `[${fill('{ip6}', v6)}]`)
    .replaceAll('{ip}', () => (v4 !== undefined ? v4 : `[${fill('{ip}', v6)}]`));
}
