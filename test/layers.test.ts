// No module imports from a layer above its own: storage and http are the floor, the protected resource and the MCP
// endpoint meet only through the modules at the root that both import (caller.ts, mcp-call.ts), and only the
// composition root (app.ts, index.ts) sees the parts of the app (src/parts/).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(import.meta.dirname, '../src');

/** For each top-level folder of src/, the folders it must never import from. */
const FORBIDDEN: Record<string, string[]> = {
  storage: ['http', 'oauth', 'identity', 'resource', 'mcp', 'tools', 'pages', 'cluster', 'parts', 'cli', 'doctor'],
  http: ['oauth', 'identity', 'resource', 'mcp', 'tools', 'pages', 'parts', 'cli', 'doctor'],
  pages: ['oauth', 'identity', 'resource', 'mcp', 'tools', 'parts', 'cli'],
  resource: ['mcp', 'gateway', 'oauth', 'identity', 'tools', 'pages', 'parts', 'cli'],
  mcp: ['resource', 'oauth', 'identity', 'tools', 'gateway', 'parts', 'cli'],
  // The gateway serves MCP beside mcp/, reading its callers as mcp/ does (caller.ts), and reaches the rest through
  // what its part gives it.
  gateway: ['resource', 'oauth', 'identity', 'tools', 'pages', 'parts', 'cli', 'doctor'],
  oauth: ['resource', 'mcp', 'tools', 'gateway', 'parts', 'cli'],
  identity: ['resource', 'mcp', 'tools', 'gateway', 'parts', 'cli'],
  // The parts of the app are composed by app.ts; none sees another.
  parts: ['cli', 'doctor'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!;

describe('layers', () => {
  it('import only from below', () => {
    const crossings: string[] = [];
    for (const file of sources(SRC)) {
      const forbidden = FORBIDDEN[layerOf(file)];
      if (!forbidden) continue;
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const imported = layerOf(resolve(dirname(file), target!));
        if (forbidden.includes(imported)) crossings.push(`${relative(SRC, file)} imports ${target}`);
      }
    }
    assert.deepEqual(crossings, []);
  });

  it('would notice a crossing', () => {
    // The rule reads real import lines: this file's own would count if it lived in src/http.
    assert.equal(layerOf(join(SRC, 'http', 'x.ts')), 'http');
    assert.ok(FORBIDDEN.http!.includes(layerOf(resolve(join(SRC, 'http'), '../resource/guard.js'))));
  });
});
