// Pure policy, table-driven: who may use a server, which of its tools are offered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessRule, ALL_TOOLS, describeToolFilter, Glob, mayUse, permitsTool, toolFilter, type AccessLists, type Person } from '../../src/gateway/policy.js';

const alice: Person = { username: 'alice', email: 'Alice@Example.com', groups: ['eng', 'ops'] };
const bob: Person = { username: 'bob', groups: [] };
const carol: Person = { username: 'carol', email: 'carol@example.com', groups: ['sales'] };

describe('access rules', () => {
  const cases: [string, AccessLists | undefined, Person, boolean][] = [
    ['no allow setting lets everyone in', undefined, bob, true],
    ['"*" lets everyone in', '*', bob, true],
    ['"*" among the users lets everyone in', { users: ['alice', '*'] }, bob, true],
    ['a listed username', { users: ['alice'] }, alice, true],
    ['usernames match exactly', { users: ['Alice'] }, alice, false],
    ['an unlisted username', { users: ['alice'] }, bob, false],
    ['emails match whatever the case', { emails: ['alice@example.COM'] }, alice, true],
    ['an account without an email never matches an email', { emails: ['bob@example.com'] }, bob, false],
    ['a listed group', { groups: ['ops'] }, alice, true],
    ['groups match exactly', { groups: ['Eng'] }, alice, false],
    ['one match among several lists is enough', { users: ['nobody'], emails: ['x@example.com'], groups: ['sales'] }, carol, true],
    ['"*" among groups is a group name, not everyone', { groups: ['*'] }, bob, false],
    ['"*" among emails is an address, not everyone', { emails: ['*'] }, bob, false],
    ['empty lists name no one', { users: [], emails: [], groups: [] }, alice, false],
  ];
  for (const [name, lists, who, expected] of cases) {
    it(name, () => assert.equal(mayUse(accessRule(lists), who), expected));
  }

  it('keeps emails lowercased once, when the rule is built', () => {
    assert.deepEqual(accessRule({ users: ['alice'], emails: ['A@B.example'] }), {
      everyone: false,
      users: new Set(['alice']),
      emails: new Set(['a@b.example']),
      groups: new Set(),
    });
    assert.deepEqual(accessRule('*'), { everyone: true });
  });
});

describe('globs', () => {
  const cases: [string, string, boolean][] = [
    ['delete_*', 'delete_repo', true],
    ['delete_*', 'delete_', true],
    ['delete_*', 'undelete_repo', false],
    ['*_file', 'read_file', true],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['get_?', 'get_a', true],
    ['get_?', 'get_', false],
    ['get_?', 'get_ab', false],
    ['get_?', 'get_é', true],
    ['read.file', 'read.file', true],
    ['read.file', 'readXfile', false],
    ['a+b', 'aab', false],
    ['a+b', 'a+b', true],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['(x|y)', 'x', false],
    ['^x$', '^x$', true],
    ['a\\b', 'a\\b', true],
    ['a{2}', 'aa', false],
    ['*/x', 'a/x', true],
    ['read_file', 'READ_FILE', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(name)}`, () => assert.equal(new Glob(pattern).matches(name), expected));
  }
});

describe('tool filters', () => {
  const cases: [string, { allow?: string[]; deny?: string[] }, string, boolean][] = [
    ['no lists offer every tool', {}, 'anything', true],
    ['a tool matching no deny pattern', { deny: ['delete_*'] }, 'create_issue', true],
    ['a denied tool', { deny: ['delete_*'] }, 'delete_repo', false],
    ['a tool matching an allow pattern', { allow: ['get_*', 'list_*'] }, 'list_issues', true],
    ['a tool matching no allow pattern', { allow: ['get_*', 'list_*'] }, 'create_issue', false],
    ['deny wins over allow', { allow: ['*'], deny: ['delete_*'] }, 'delete_repo', false],
    ['allowed and not denied', { allow: ['*_repo'], deny: ['delete_*'] }, 'fork_repo', true],
    ['an empty allow list offers nothing', { allow: [] }, 'anything', false],
  ];
  for (const [name, lists, tool, expected] of cases) {
    it(name, () => assert.equal(permitsTool(toolFilter(lists), tool), expected));
  }

  it('says in words which tools an app will reach, for the consent page', () => {
    assert.equal(describeToolFilter(ALL_TOOLS), 'all its tools');
    assert.equal(describeToolFilter(toolFilter({ deny: ['delete_*', 'drop'] })), 'all its tools, except delete_*, drop');
    assert.equal(describeToolFilter(toolFilter({ allow: ['get_*'], deny: ['get_secret'] })), 'its tools named get_*, except get_secret');
    assert.equal(describeToolFilter(toolFilter({ allow: [] })), 'none of its tools');
  });

  it('compiles its patterns once, keeping them for display', () => {
    const filter = toolFilter({ allow: ['get_*'], deny: ['get_secret'] });
    assert.deepEqual(
      filter.allow?.map((glob) => glob.pattern),
      ['get_*'],
    );
    assert.deepEqual(
      filter.deny.map((glob) => glob.pattern),
      ['get_secret'],
    );
    assert.equal(ALL_TOOLS.allow, undefined);
    assert.deepEqual(ALL_TOOLS.deny, []);
  });
});
