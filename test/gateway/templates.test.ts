// Templates of the servers file: load-time environment expansion, use-time values, and the checks on every value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileTemplate,
  expandEnvironment,
  InvalidTemplate,
  MissingSecret,
  MissingTemplateValue,
  UnsafeTemplateValue,
  type RenderContext,
  type TemplateValues,
} from '../../src/gateway/templates.js';

const values = (user: Partial<TemplateValues['user']> = {}, more: Partial<Omit<TemplateValues, 'user'>> = {}): TemplateValues => ({
  user: { id: 'u-1', username: 'alice', email: 'alice@example.com', ...user },
  secrets: { TOKEN: 's3cr3t/+ =' },
  upstream: { github: 'gho_abc' },
  ...more,
});

describe('environment expansion', () => {
  const env = { HOME: '/home/gh', EMPTY: '', WEIRD: '${user.id}' };

  it('expands ${VAR} and ${VAR:-default}, and leaves use-time placeholders as written', () => {
    for (const [text, expanded] of [
      ['${HOME}/data', '/home/gh/data'],
      ['${MISSING:-/srv}/x', '/srv/x'],
      ['${EMPTY:-fallback}', 'fallback'],
      ['[${EMPTY}]', '[]'],
      ['${MISSING:-}', ''],
      ['${HOME:-/other}', '/home/gh'],
      ['/srv/${user.id}/${secret.TOKEN}/${upstream.oidc}', '/srv/${user.id}/${secret.TOKEN}/${upstream.oidc}'],
      ['no placeholders $HOME {x}', 'no placeholders $HOME {x}'],
      ['${MISSING:-a:b-c}', 'a:b-c'],
    ] as const) {
      assert.equal(expandEnvironment(text, env, 'args[0]'), expanded, text);
    }
  });

  it('names the field and the variable when a variable is not set and has no default', () => {
    assert.throws(
      () => expandEnvironment('Bearer ${GITHUB_TOKEN}', env, 'headers.Authorization'),
      (error: unknown) =>
        error instanceof InvalidTemplate &&
        error.message ===
          "headers.Authorization uses ${GITHUB_TOKEN}, which is not set in Gatehouse's environment (set it, or give a default: ${GITHUB_TOKEN:-…})",
    );
  });

  it('reads a variable’s value as literal text when compiling: it is never a placeholder itself', () => {
    const template = compileTemplate('${WEIRD}-${user.id}', 'args[0]', env);
    assert.deepEqual(template.references, { user: ['id'], secrets: [], upstream: [] });
    assert.equal(template.render(values(), 'header'), '${user.id}-u-1');
  });
});

describe('compiling templates', () => {
  it('lists what a template needs, each name once', () => {
    const template = compileTemplate('${user.id}:${user.id}:${user.email}:${secret.A}:${secret.B}:${secret.A}:${upstream.github}', 'url');
    assert.deepEqual(template.references, { user: ['id', 'email'], secrets: ['A', 'B'], upstream: ['github'] });
    assert.deepEqual(compileTemplate('plain', 'command').references, { user: [], secrets: [], upstream: [] });
    assert.equal(compileTemplate('plain', 'command').field, 'command');
  });

  it('refuses every other placeholder form, naming the field and the placeholder', () => {
    for (const [text, shown] of [
      ['${user.name}', '${user.name}'],
      ['${user.}', '${user.}'],
      ['${user.id.x}', '${user.id.x}'],
      ['${secret.bad-name}', '${secret.bad-name}'],
      ['${secret.1X}', '${secret.1X}'],
      ['${upstream.google}', '${upstream.google}'],
      ['${}', '${}'],
      ['${ HOME }', '${ HOME }'],
      ['${HOME:=x}', '${HOME:=x}'],
      ['${A:-${B}}', '${A:-${B}'],
    ] as const) {
      assert.throws(
        () => compileTemplate(text, 'env.X', {}),
        (error: unknown) => error instanceof InvalidTemplate && error.message.startsWith(`env.X has ${shown}, which is not one of \${VAR}, `),
        text,
      );
    }
  });

  it('refuses an unclosed "${"', () => {
    assert.throws(() => compileTemplate('/srv/${user.id', 'args[1]'), { name: 'InvalidTemplate', message: 'args[1] has a "${" with no closing "}"' });
  });

  it('refuses ${VAR} without an environment: the text was meant to be expanded already', () => {
    assert.throws(
      () => compileTemplate('${HOME}', 'cwd'),
      (error: unknown) => error instanceof InvalidTemplate && error.message.startsWith('cwd has ${HOME}, which is not'),
    );
  });
});

describe('rendering', () => {
  it('fills in user fields, secrets and upstream tokens', () => {
    const template = compileTemplate('/srv/${user.id}/${user.username}/${user.email}', 'args[0]');
    assert.equal(template.render(values(), 'argument'), '/srv/u-1/alice/alice@example.com');
    assert.equal(compileTemplate('Bearer ${secret.TOKEN}', 'headers.Authorization').render(values(), 'header'), 'Bearer s3cr3t/+ =');
    assert.equal(compileTemplate('token ${upstream.github}', 'headers.Authorization').render(values(), 'header'), 'token gho_abc');
  });

  it('percent-encodes every value in a URL', () => {
    const template = compileTemplate('https://api.example/u/${user.email}?key=${secret.TOKEN}&t=${upstream.github}', 'url');
    assert.equal(template.render(values({ email: 'a+b@example.com' }), 'url'), 'https://api.example/u/a%2Bb%40example.com?key=s3cr3t%2F%2B%20%3D&t=gho_abc');
  });

  it('refuses hostile user values in commands, arguments, environment values and URLs', () => {
    const hostile = ['../x', '..', 'a..b', 'a b', 'a;rm', '$(id)', '`id`', '-rf', '.hidden', 'a/b', 'a\\b', '', 'a\nb', 'a\0b', 'a|b', 'a*', '~root', 'josé'];
    for (const context of ['argument', 'url'] as const) {
      for (const username of hostile) {
        assert.throws(
          () => compileTemplate('/srv/files/${user.username}', 'args[0]').render(values({ username }), context),
          (error: unknown) =>
            error instanceof UnsafeTemplateValue &&
            error.field === 'args[0]' &&
            error.reference === 'user.username' &&
            error.message ===
              'user.username cannot be used in args[0]: only letters, digits, ".", "_", "-", "@" and "+" are allowed, not empty, not starting with "-" or ".", and never ".."',
          `${context}: ${JSON.stringify(username)}`,
        );
      }
    }
  });

  it('accepts ordinary user values', () => {
    for (const username of ['alice', 'a.b', 'a_b', 'a-b', 'a+tag@example.com', 'A1', 'x-', 'x.']) {
      assert.equal(compileTemplate('${user.username}', 'args[0]').render(values({ username }), 'argument'), username);
    }
  });

  it('lets a header carry any user value but a line break or control character', () => {
    const template = compileTemplate('${user.username}', 'headers.X-User');
    assert.equal(template.render(values({ username: '../a b;$(id)' }), 'header'), '../a b;$(id)');
    const refusals: [string, Partial<TemplateValues['user']>, Partial<Omit<TemplateValues, 'user'>>][] = [
      ['${user.username}', { username: 'a\r\nSet-Cookie: x' }, {}],
      ['${user.id}', { id: 'a\nb' }, {}],
      ['${secret.TOKEN}', {}, { secrets: { TOKEN: 'x\r\nHost: evil' } }],
      ['${secret.TOKEN}', {}, { secrets: { TOKEN: 'x\0y' } }],
      ['${upstream.github}', {}, { upstream: { github: 'x\ry' } }],
      ['${secret.TOKEN}', {}, { secrets: { TOKEN: 'x\x7fy' } }],
      ['${secret.TOKEN}', {}, { secrets: { TOKEN: '雪' } }],
    ];
    for (const [text, user, more] of refusals) {
      const reference = text.slice(2, -1);
      assert.throws(
        () => compileTemplate(text, 'headers.X').render(values(user, more), 'header'),
        (error: unknown) =>
          error instanceof UnsafeTemplateValue &&
          error.reference === reference &&
          error.message === `${reference} cannot be used in headers.X: it holds a line break, a control character or a character a header cannot carry`,
        text,
      );
    }
  });

  it('lets secrets and tokens hold any character in arguments but NUL', () => {
    const template = compileTemplate('--token=${secret.TOKEN}', 'args[2]');
    assert.equal(template.render(values({}, { secrets: { TOKEN: '../a b;$(id)\n' } }), 'argument'), '--token=../a b;$(id)\n');
    assert.throws(() => template.render(values({}, { secrets: { TOKEN: 'a\0b' } }), 'argument'), {
      name: 'UnsafeTemplateValue',
      message: 'secret.TOKEN cannot be used in args[2]: it holds a NUL character',
    });
  });

  it('refuses text that is not valid Unicode in a URL', () => {
    assert.throws(() => compileTemplate('https://a.example/${secret.TOKEN}', 'url').render(values({}, { secrets: { TOKEN: '\ud800' } }), 'url'), {
      name: 'UnsafeTemplateValue',
      message: 'secret.TOKEN cannot be used in url: it is not valid Unicode',
    });
  });

  it('names what is missing: a secret, the email address, an upstream token', () => {
    const cases: [string, TemplateValues, RenderContext, (error: unknown) => boolean][] = [
      [
        '${secret.OTHER}',
        values(),
        'header',
        (error) =>
          error instanceof MissingSecret &&
          error.secret === 'OTHER' &&
          error.reference === 'secret.OTHER' &&
          error.message === 'headers.X needs the secret OTHER, which has not been supplied for this server',
      ],
      ['${secret.TOKEN}', values({}, { secrets: { TOKEN: '' } }), 'header', (error) => error instanceof MissingSecret && error.secret === 'TOKEN'],
      ['${secret.constructor}', values(), 'header', (error) => error instanceof MissingSecret && error.secret === 'constructor'],
      [
        '${user.email}',
        values({ email: undefined }),
        'argument',
        (error) =>
          error instanceof MissingTemplateValue &&
          error.reference === 'user.email' &&
          error.message === 'headers.X needs user.email, and this account has none',
      ],
      [
        '${upstream.oidc}',
        values(),
        'header',
        (error) =>
          error instanceof MissingTemplateValue &&
          error.reference === 'upstream.oidc' &&
          error.message === 'headers.X needs an upstream oidc token, and none is stored for this user',
      ],
      ['${upstream.github}', values({}, { upstream: { github: undefined } }), 'header', (error) => error instanceof MissingTemplateValue],
    ];
    for (const [text, given, context, check] of cases) assert.throws(() => compileTemplate(text, 'headers.X').render(given, context), check, text);
  });
});
