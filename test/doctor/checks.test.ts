// The pure parts of the doctor, table-driven: reading challenges, classifying addresses, where metadata lives,
// reading JSON-RPC answers. Names are resolved by a stand-in, so nothing here leaves the machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAddresses, checkScheme, kindOfIPv4, parseTarget, type Lookup } from '../../src/doctor/address.js';
import { DoctorUsageError } from '../../src/doctor/doctor.js';
import { readJsonRpcAnswer } from '../../src/doctor/jsonrpc.js';
import { pathInsertedMetadataUrl } from '../../src/doctor/resource-metadata.js';
import { metadataUrls } from '../../src/doctor/server-metadata.js';
import { parseWwwAuthenticate } from '../../src/doctor/www-authenticate.js';

describe('doctor checks', () => {
  it('reads WWW-Authenticate challenges', () => {
    const cases: [string, ReturnType<typeof parseWwwAuthenticate>][] = [
      [
        'Bearer resource_metadata="https://x/.well-known/oauth-protected-resource/mcp", scope="a b"',
        [{ scheme: 'bearer', params: { resource_metadata: 'https://x/.well-known/oauth-protected-resource/mcp', scope: 'a b' } }],
      ],
      [
        'Bearer error=invalid_token, error_description="expired \\"yesterday\\""',
        [{ scheme: 'bearer', params: { error: 'invalid_token', error_description: 'expired "yesterday"' } }],
      ],
      [
        'Basic realm="x", Bearer Resource_Metadata="https://y"',
        [
          { scheme: 'basic', params: { realm: 'x' } },
          { scheme: 'bearer', params: { resource_metadata: 'https://y' } },
        ],
      ],
      [
        'Negotiate abc==, Bearer',
        [
          { scheme: 'negotiate', params: {} },
          { scheme: 'bearer', params: {} },
        ],
      ],
      ['Bearer', [{ scheme: 'bearer', params: {} }]],
    ];
    for (const [header, expected] of cases) assert.deepEqual(parseWwwAuthenticate(header), expected, header);
  });

  it('names why an IPv4 address is not public', () => {
    const cases: [string, string][] = [
      ['160.79.104.10', 'public'],
      ['8.8.8.8', 'public'],
      ['127.0.0.1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.20.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'link-local'],
      ['100.64.0.1', 'carrier-grade NAT'],
      ['192.0.2.1', 'reserved'],
      ['0.0.0.0', 'reserved'],
    ];
    for (const [address, kind] of cases) assert.equal(kindOfIPv4(address), kind, address);
  });

  it('judges where a host name points', async () => {
    const resolving =
      (addresses: [string, number][]): Lookup =>
      async () =>
        addresses.map(([address, family]) => ({ address, family }));
    const url = new URL('https://mcp.example.com/mcp');
    const cases: [Lookup, boolean, string, RegExp][] = [
      [
        resolving([
          ['203.0.114.7', 4],
          ['2001:4860::1', 6],
        ]),
        false,
        'pass',
        /resolves to 203\.0\.114\.7, 2001:4860::1/,
      ],
      [resolving([['10.0.0.5', 4]]), false, 'fail', /10\.0\.0\.5 \(private\): Claude connects from Anthropic's cloud/],
      [resolving([['10.0.0.5', 4]]), true, 'skip', /allowed by --local/],
      [resolving([['2001:4860::1', 6]]), false, 'fail', /only to IPv6 .*IPv4 only/],
      [
        resolving([
          ['203.0.114.7', 4],
          ['100.64.1.1', 4],
        ]),
        false,
        'warn',
        /also to 100\.64\.1\.1 \(carrier-grade NAT\)/,
      ],
      [
        async () => {
          throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
        },
        false,
        'fail',
        /does not resolve: ENOTFOUND/,
      ],
    ];
    for (const [lookup, local, status, detail] of cases) {
      const { finding } = await checkAddresses(url, local, lookup);
      assert.equal(finding.status, status, finding.detail);
      assert.match(finding.detail, detail);
      if (status === 'fail' || status === 'warn') assert.ok(finding.fix);
    }
    assert.equal((await checkAddresses(new URL('https://[::1]/mcp'), false)).finding.status, 'fail');
  });

  it('wants https, except with --local', () => {
    assert.equal(checkScheme(new URL('https://x/mcp'), false).status, 'pass');
    assert.equal(checkScheme(new URL('http://x/mcp'), false).status, 'fail');
    assert.equal(checkScheme(new URL('http://x/mcp'), true).status, 'skip');
  });

  it('refuses what is not an http(s) URL as a usage error', () => {
    for (const input of ['', 'example.com/mcp', 'ftp://x/mcp', 'https://x/mcp#frag']) assert.throws(() => parseTarget(input), DoctorUsageError, input);
  });

  it('inserts the well-known segments where RFC 9728 and RFC 8414 put them', () => {
    assert.equal(pathInsertedMetadataUrl(new URL('https://x/mcp')).href, 'https://x/.well-known/oauth-protected-resource/mcp');
    assert.equal(pathInsertedMetadataUrl(new URL('https://x/')).href, 'https://x/.well-known/oauth-protected-resource');
    assert.deepEqual(metadataUrls(new URL('https://as.example/')).map(String), [
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
    assert.deepEqual(metadataUrls(new URL('https://as.example/tenant/')).map(String), [
      'https://as.example/.well-known/oauth-authorization-server/tenant',
      'https://as.example/.well-known/openid-configuration/tenant',
      'https://as.example/tenant/.well-known/openid-configuration',
    ]);
  });

  it('reads a JSON-RPC answer from JSON, a batch, or an event stream that stays open', async () => {
    const json = new Response(JSON.stringify({ jsonrpc: '2.0', id: 3, result: { tools: [] } }), { headers: { 'content-type': 'application/json' } });
    assert.deepEqual((await readJsonRpcAnswer(json, 3)).result, { tools: [] });
    const batch = new Response(
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, result: {} },
        { jsonrpc: '2.0', id: 2, result: { n: 2 } },
      ]),
      { headers: { 'content-type': 'application/json' } },
    );
    assert.deepEqual((await readJsonRpcAnswer(batch, 2)).result, { n: 2 });

    // A notification first, the answer split across chunks, and a stream that never ends.
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('event: message\r\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\r\n\r\n'));
        controller.enqueue(encoder.encode('id: 7\ndata: {"jsonrpc":"2.0","id":5,'));
        controller.enqueue(encoder.encode('"result":{"tools":[1]}}\n\n'));
      },
    });
    const sse = new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    assert.deepEqual((await readJsonRpcAnswer(sse, 5)).result, { tools: [1] });

    const unterminated = new Response('data: {"jsonrpc":"2.0","id":9,"result":{"tools":[]}}', { headers: { 'content-type': 'text/event-stream' } });
    assert.deepEqual((await readJsonRpcAnswer(unterminated, 9)).result, { tools: [] }, 'the last event may end with the stream');

    const html = new Response('<html></html>', { headers: { 'content-type': 'text/html' } });
    await assert.rejects(readJsonRpcAnswer(html, 1), /answered with text\/html/);
  });
});
