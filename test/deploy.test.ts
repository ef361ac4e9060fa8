// The deployment files against the code they deploy. A start command, a variable name or a health check path that
// drifted from the code fails only on the platform, after a push; here it fails in `npm test`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string) => readFileSync(ROOT + path, 'utf8');
const json = (path: string) => JSON.parse(read(path));

/** The text between `start` and the first `end` after it. */
function section(text: string, start: string, end: string): string {
  const from = text.indexOf(start);
  assert.ok(from >= 0, `"${start}" not found`);
  return text.slice(from, text.indexOf(end, from));
}

/** The variables Gatehouse reads: the UPPER_CASE keys of the zod schemas in config.ts and auth-config.ts. */
const KNOWN_VARIABLES = new Set(
  [section(read('src/config.ts'), 'const EnvSchema = z.object({', '\n});'), section(read('src/auth-config.ts'), 'export const AUTH_ENV = {', '\n};')].flatMap(
    (schema) => [...schema.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]!),
  ),
);
/** Variables the PostgreSQL driver reads itself (Heroku Postgres needs TLS). */
const DRIVER_VARIABLES = ['PGSSLMODE'];

/**
 * render.yaml without a YAML parser: comment lines dropped, then each `- key:` entry of envVars as its own lines.
 * Enough for this file's shape (one web service, flat entries); a Blueprint that outgrows it should fail here.
 */
const renderYaml = read('render.yaml')
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('#'))
  .join('\n');
const renderField = (name: string) => new RegExp(`^ +${name}: *(.+?)(?: +#.*)?$`, 'm').exec(renderYaml)?.[1];
const renderEnvVars = new Map(
  section(renderYaml, '    envVars:\n', '\n\n')
    .split(/^ {6}- /m)
    .slice(1)
    .map((entry) => [/^key: *(\w+)/.exec(entry)![1]!, entry] as const),
);

const dockerfile = read('Dockerfile');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const appJson = json('app.json');
const railway = json('railway.json');

describe('deployment files', () => {
  it('start the file the build produces', () => {
    const [, flags, start] = /node ((?:--\S+ )*)(\S+)$/.exec(json('package.json').scripts.start) ?? [];
    assert.equal(start, 'dist/src/server.js');
    // The young generation's size, which bounds each scavenge's pause (README, Performance): every start command
    // passes it, and the bench starts Gatehouse with it too (bench/processes.ts).
    assert.equal(flags, '--max-semi-space-size=8 ');
    // tsconfig.build.json compiles rootDir into outDir: dist/src/server.js is src/server.ts, which starts itself.
    const { rootDir, outDir } = json('tsconfig.build.json').compilerOptions;
    const source = posix.join(rootDir, posix.relative(outDir, start)).replace(/\.js$/, '.ts');
    assert.ok(existsSync(ROOT + source), `${source} does not exist`);
    assert.match(read(source), /^if \(.+\) await startServer\(\);$/m, `${source} no longer starts when run`);

    const command = `node ${flags}${start}`;
    assert.equal(read('Procfile').trim(), `web: ${command}`);
    assert.equal(renderField('startCommand'), command);
    assert.equal(railway.deploy.startCommand, command);
    assert.match(finalStage, /^WORKDIR \/app$/m);
    assert.deepEqual(JSON.parse(/^CMD (\[.*\])$/m.exec(finalStage)?.[1] ?? 'null'), command.split(' '));
  });

  it('copy into the Docker build everything tsconfig.build.json compiles', () => {
    for (const folder of json('tsconfig.build.json').include as string[]) {
      assert.match(dockerfile, new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'), folder);
      assert.match(read('.dockerignore'), new RegExp(`^!${folder}/$`, 'm'), folder);
    }
  });

  it('name only variables Gatehouse reads', () => {
    assert.ok(KNOWN_VARIABLES.has('JWT_SECRET') && KNOWN_VARIABLES.has('AUTH_MODE'), 'the schemas were not found');
    for (const name of DRIVER_VARIABLES) assert.match(read('node_modules/pg/lib/connection-parameters.js'), new RegExp(`process\\.env\\.${name}`));
    for (const [file, names] of [
      ['app.json', Object.keys(appJson.env)],
      ['render.yaml', [...renderEnvVars.keys()]],
    ] as const) {
      for (const name of names) assert.ok(KNOWN_VARIABLES.has(name) || DRIVER_VARIABLES.includes(name), `${file}: Gatehouse does not read ${name}`);
    }
  });

  it('set what production requires, with values the configuration accepts', () => {
    // What the platform fills in (the generated secret, the operator's URL, the database add-on) stands in as examples.
    const filledByPlatform = {
      JWT_SECRET: 'g'.repeat(64),
      BASE_URL: 'https://gatehouse.example.com',
      ADMIN_PASSWORD: 'correct horse',
      DATABASE_URL: 'postgres://u:p@db:5432/gatehouse',
    };
    const heroku = Object.fromEntries(Object.entries(appJson.env as Record<string, { value?: string }>).map(([name, spec]) => [name, spec.value]));
    const render = Object.fromEntries([...renderEnvVars].map(([name, entry]) => [name, /^ +value: *"?([^"\n]*)"?$/m.exec(entry)?.[1]]));
    for (const env of [heroku, render]) {
      const config = loadConfig({ ...filledByPlatform, ...Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) });
      assert.equal(config.nodeEnv, 'production');
      assert.equal(config.trustProxy, 1, 'behind the platform router, one proxy appends X-Forwarded-For');
    }
    assert.equal(appJson.env.BASE_URL.required, true);
    assert.match(renderEnvVars.get('BASE_URL')!, /^ +sync: false$/m);
    assert.ok(appJson.addons.includes('heroku-postgresql'), 'Heroku dynos lose their files on restart: SQLite would too');
    assert.match(renderEnvVars.get('DATABASE_URL')!, /fromDatabase:\n +name: gatehouse-db\n +property: connectionString/);
    assert.match(renderYaml, /^databases:\n {2}- name: gatehouse-db$/m);
  });

  it('generate JWT_SECRET rather than ship one', () => {
    assert.equal(appJson.env.JWT_SECRET.generator, 'secret');
    assert.equal(appJson.env.JWT_SECRET.value, undefined);
    assert.match(renderEnvVars.get('JWT_SECRET')!, /^ +generateValue: true$/m);
    assert.doesNotMatch(dockerfile, /JWT_SECRET/);
  });

  it('check health on routes the app serves', () => {
    const routes = [...read('src/parts/operations.ts').matchAll(/app\.get\('(\/\w+)'/g)].map((match) => match[1]);
    for (const path of ['/healthz', '/readyz']) assert.ok(routes.includes(path), `src/parts/operations.ts no longer serves ${path}`);
    assert.equal(renderField('healthCheckPath'), '/readyz');
    assert.equal(railway.deploy.healthcheckPath, '/readyz');
    assert.match(finalStage, /^HEALTHCHECK .*\\\n.*\/healthz/m);
  });

  it('run the image as a non-root user, by number, without a VOLUME instruction (Railway refuses to build one)', () => {
    const user = /^USER (\S+)$/m.exec(finalStage)?.[1];
    assert.match(
      user ?? 'root',
      /^[1-9]\d*:[1-9]\d*$/,
      `final stage runs as ${user ?? 'root'}: a numeric non-root uid:gid, which Kubernetes' runAsNonRoot can verify`,
    );
    assert.match(finalStage, new RegExp(`^RUN mkdir -p /app/data && chown ${user} /app/data$`, 'm'));
    assert.ok(finalStage.indexOf('\nUSER ') < finalStage.indexOf('\nCMD '), 'USER comes before CMD');
    assert.match(finalStage, /^ENV NODE_ENV=production/m);
    assert.match(finalStage, /^EXPOSE 3000$/m);
    assert.doesNotMatch(dockerfile, /^VOLUME/m);
    assert.doesNotMatch(finalStage, /g\+\+|typescript|COPY src/, 'the final stage carries no compiler or sources');
    for (const label of ['title', 'description', 'licenses', 'source', 'version'])
      assert.match(finalStage, new RegExp(`org\\.opencontainers\\.image\\.${label}=`), label);
  });

  it('run Node.js 24 LTS on every platform, while the package accepts every supported LTS line', () => {
    const manifest = json('package.json');
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    assert.match(image ?? '', /^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/, 'the Dockerfile pins a Node.js 24 image by tag and digest');
    for (const from of dockerfile.match(/^FROM \S+/gm)!) assert.equal(from, 'FROM ${NODE_IMAGE}', 'every stage starts from the pinned image');
    assert.equal(read('.node-version').trim(), '24', 'Render (and version managers) read .node-version');
    assert.match(renderField('runtime')!, /^node\b/);
    assert.equal(appJson.stack, 'container', 'Heroku builds the Dockerfile, not the Node buildpack (which would pick the newest Node.js the range allows)');
    assert.match(read('heroku.yml'), /^build:\n {2}docker:\n {4}web: Dockerfile$/m);
    assert.equal(railway.build.builder, 'DOCKERFILE');
    assert.equal(manifest.devDependencies.node.split('.')[0], '24', 'npm scripts run Node.js 24 (the node devDependency)');
    assert.equal(image!.slice('node:'.length).split('-')[0], manifest.devDependencies.node, 'the image and the scripts run the same Node.js');
    assert.equal(manifest.engines.node, '>=22.15 <27');
  });
});
