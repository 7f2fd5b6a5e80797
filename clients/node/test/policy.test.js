import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePolicy, violations, canonical, configDigest, policyDigest, PolicyError } from '../lib/policy.js';

const example = (name) => readFileSync(new URL(`../../../examples/policies/${name}`, import.meta.url), 'utf8');
const config = (spec) => new Map(Object.entries(spec).map(([f, params]) => [f,
  new Map(Object.entries(params).map(([p, v]) => [p, v]))]));
const int = (value) => ({ type: 'int', value });
const real = (value) => ({ type: 'real', value });

test('the configuration digest matches the protocol document (§2.5)', () => {
  assert.equal(configDigest(config({ 'auth.hmac': {}, authz: {}, priority: { level: int(2) } })), 'f4b34d1993d1a268');
  assert.equal(configDigest(config({ priority: { level: int(2) }, puzzle: { difficulty: int(10) }, authz: {},
    'auth.hmac': {} })), '0c5c9e4634a67e71');
  assert.equal(canonical(new Map()), '(nothing)');
});

test('reals enter the canonical text as their IEEE 754 bits', () => {
  const c = config({ mode: { on: { type: 'bool', value: true }, kind: { type: 'enum', value: 'fast' } },
    cpp: { size: real(4.8), zero: real(-0), scale: real(2e23) } });
  assert.equal(canonical(c), 'cpp(scale=0x44c52d02c7e14af6, size=0x4013333333333333, zero=0x8000000000000000), '
    + 'mode(kind=fast, on=true)');
});

test('the policy digest is SHA-256 of the text', () => {
  assert.equal(policyDigest('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('the bundled meter policy accepts what a gateway may choose and refuses the rest', () => {
  const p = parsePolicy(example('ingest-meter.policy'));
  assert.deepEqual(violations(p, config({ 'auth.hmac': {}, authz: {}, priority: { level: int(2) } }), {}), []);
  assert.deepEqual(violations(p, config({ 'auth.hmac': {}, puzzle: { difficulty: int(16) } }), {}), []);
  assert.equal(violations(p, config({ 'auth.hmac': {}, puzzle: { difficulty: int(17) } }), {}).length, 1);
  assert.match(violations(p, config({ authz: {} }), {})[0], /line 7: auth.hmac;/);
  assert.match(violations(p, config({ 'auth.hmac': {}, 'auth.mtls': {} }), {})[0], /not in the vocabulary/);
  assert.match(violations(p, config({ 'auth.hmac': {}, priority: { level: int(4) } }), {})[0], /outside its domain/);
  assert.match(violations(p, config({ 'auth.hmac': {}, priority: {} }), {})[0], /declares \[level\]/);
  assert.match(violations(p, config({ 'auth.hmac': {}, priority: { level: real(2) } }), {})[0], /outside/);
});

test('the gateway policy: inputs, let, if-then-else and exactly-one', () => {
  const p = parsePolicy(example('ingest-gateway.policy'));
  const calm = { queueLength: 0, callRate: 10 };
  const base = { 'auth.hmac': {}, authz: {}, priority: { level: int(2) } };
  assert.deepEqual(violations(p, config(base), calm), []);
  assert.equal(violations(p, config({ ...base, puzzle: { difficulty: int(0) } }), calm).length, 1); // not puzzle
  const busy = { queueLength: 100, callRate: 10 };
  assert.equal(violations(p, config(base), busy).length, 1);
  assert.deepEqual(violations(p, config({ ...base, puzzle: { difficulty: int(10) } }), busy), []);
  assert.equal(violations(p, config({ ...base, puzzle: { difficulty: int(10) } }), { queueLength: 0, callRate: 30000 }).length, 1);
  assert.equal(violations(p, config({ ...base, 'auth.mtls': {} }), calm).length, 1); // exactly one
  assert.equal(violations(p, config({ authz: {} }), calm).length, 1);
  assert.equal(violations(p, config(base), {}).length, 1, 'a missing input fails closed');
});

test('chains, real parameters and rounding', () => {
  const p = parsePolicy(example('light-meter.policy'));
  assert.deepEqual(violations(p, config({ cpp: { size: real(4.8) } }), {}), []);
  assert.equal(violations(p, config({ cpp: { size: real(12) } }), {}).length, 1);
  assert.equal(violations(p, config({ cpp: { size: real(0) } }), {}).length, 1);
  assert.equal(violations(p, config({ 'auth.hmac': {} }), {}).length, 1);
  const q = parsePolicy(`policy q { feature f(n: 0..20); feature g(m: {a, b}, s: bool);
    let half = (cpu > 0.5), k = cpu * 20 / 2 in f requires (f.n == k if half);
    optional (g and g.m == a);
    exactly-one { g if cpu > 0.9; f };
    f.n in [1.5, 18.5] or not f; }`);
  const f = (n) => ({ f: { n: int(n) } });
  assert.deepEqual(violations(q, config(f(7)), { cpu: 0.73 }), []); // 7.3 rounds to 7
  assert.equal(violations(q, config(f(8)), { cpu: 0.73 }).length, 1);
  assert.deepEqual(violations(q, config(f(8)), { cpu: 0.75 }), []); // 7.5 rounds half up
  assert.deepEqual(violations(q, config(f(19)), { cpu: 0.2 }).length, 1); // outside [1.5, 18.5]
  const g = { g: { m: { type: 'enum', value: 'a' }, s: { type: 'bool', value: false } } };
  assert.deepEqual(violations(q, config(g), { cpu: 0.95 }), []);
  assert.equal(violations(q, config(g), { cpu: 0.2 }).length, 1); // g only while cpu > 0.9
  assert.equal(violations(q, config({ g: { ...g.g, m: { type: 'enum', value: 'b' } } }), { cpu: 0.95 }).length, 1);
});

test('a malformed policy is a PolicyError with its place', () => {
  assert.throws(() => parsePolicy('policy p { feature f(n: 0..3) }'), PolicyError);
  assert.throws(() => parsePolicy('policy p {\n feature f;\n f requires; }'), /line 3/);
  assert.throws(() => parsePolicy('policy p { feature f; f @ 2; }'), /unexpected character '@'/);
  assert.throws(() => parsePolicy('policy p { feature f(n: 0..3); feature g(m: 0..3); f.n < g.m; }'), /two parameters/);
  let deep = 'policy p { feature f; ' + 'not '.repeat(100) + 'f; }';
  assert.throws(() => parsePolicy(deep), /deeper/);
  assert.throws(() => parsePolicy('policy p { }'.padEnd(70000)), /longer/);
});

test('what Java reads, read the same (cases a review found)', () => {
  const none = new Map();
  const g = parsePolicy('policy g { feature puzzle(difficulty: 0..24); feature priority(level: 0..3);\n'
    + ' exactly-one { (puzzle if cpuUsage > 0.5); priority }; }');
  assert.deepEqual(violations(g, none, { cpuUsage: 0.1 }), []); // in parentheses: if C then X, true here
  assert.equal(violations(g, config({ priority: { level: int(1) } }), { cpuUsage: 0.1 }).length, 1); // two hold
  const r = parsePolicy('policy r { feature puzzle(difficulty: 0..24); puzzle.difficulty != 0.49999999999999994; }');
  assert.equal(violations(r, config({ puzzle: { difficulty: int(0) } }), {}).length, 1); // rounds to 0, not 1
  assert.deepEqual(violations(r, config({ puzzle: { difficulty: int(1) } }), {}), []);
  const l = parsePolicy('policy l { feature puzzle(difficulty: 0..24); let puzzle.difficulty = 30 in puzzle.difficulty > 20; }');
  assert.deepEqual(violations(l, config({ puzzle: { difficulty: int(5) } }), {}), []); // the binding, not the parameter
  const p = parsePolicy('policy p { feature a; feature b; prefer 2 exactly-one { a; b }; prefer low a.x; a or b; }'.replace(' prefer low a.x;', ''));
  assert.equal(p.statements.length, 1);
  const u = parsePolicy('policy u {\ffeature größe; feature v.2; größe; v.2; x < 1' + '0'.repeat(100) + '; }');
  assert.deepEqual(violations(u, config({ 'größe': {}, 'v.2': {} }), { x: 5 }), []);
  assert.throws(() => parsePolicy('policy n { feature f; f\u00a0; }'), /unexpected character/); // no-break space
});

test('preferences and let bindings read as Java reads them', () => {
  const p = parsePolicy(`policy p { feature priority(level: 0..3); feature m(kind: {fast, slow});
    prefer -1 low priority.level; prefer 2 > cpuUsage; prefer 2 * cpuUsage > 1;
    let fast = 2 in m.kind == fast; }`);
  assert.deepEqual(violations(p, config({ m: { kind: { type: 'enum', value: 'fast' } } }), { cpuUsage: 0.5 }), []);
  assert.throws(() => parsePolicy('policy q { feature f; let f = 3 in f; }'), /a number here/);
  assert.throws(() => parsePolicy('policy q { let c = (x > 1) in c > 2; }'), /a condition here/);
  assert.throws(() => parsePolicy('policy q { low > 1; }'), PolicyError);
});
