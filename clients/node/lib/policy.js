// The policy language's meaning, for verifying a configuration a server chose against our own policy
// (docs/policies.md, docs/adaptlet-protocol.md §2.5): a parser of the text form and a direct evaluator,
// written from the grammar and the protocol document. Preferences are read and not evaluated (a client
// does not check the score).
import { createHash } from 'node:crypto';

const MAX_CHARS = 65536;
const MAX_DEPTH = 64;

export class PolicyError extends Error {}

// Java's Character.isWhitespace for one UTF-16 unit (the no-break spaces are not whitespace there)
const WHITESPACE = /^[\t\n\u000B\f\r \u001C-\u001F\u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]$/;
const LETTER = /^\p{L}$/u;
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;
const digit = (c) => c >= '0' && c <= '9';

/** The tokens of a policy, by the Java lexer's rules (PolicyParser.lex), character for character. */
function tokenize(text) {
  const tokens = [];
  let i = 0, line = 1, lineStart = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') { line++; lineStart = ++i; continue; }
    if (WHITESPACE.test(c)) { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    const at = { line, col: i - lineStart + 1 };
    const start = i;
    if (LETTER.test(c) || c === '_') {
      while (i < text.length && (LETTER_OR_DIGIT.test(text[i]) || '_-.'.includes(text[i]))) {
        if (text[i] === '.' && text[i + 1] === '.') break;
        if (text[i] === '-' && !(i + 1 < text.length && LETTER.test(text[i + 1]))) break;
        i++;
      }
      tokens.push({ kind: 'name', value: text.slice(start, i), ...at });
    } else if (digit(c)) {
      i++;
      while (i < text.length && digit(text[i])) i++;
      if (i + 1 < text.length && text[i] === '.' && digit(text[i + 1])) {
        i++;
        while (i < text.length && digit(text[i])) i++;
      }
      tokens.push({ kind: 'num', value: Number(text.slice(start, i)), ...at });
    } else {
      const two = text.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '..'].includes(two)) i += 2;
      else if ('{}()[],;:<>=+-*/'.includes(c)) i++;
      else throw new PolicyError(`line ${line} column ${at.col}: unexpected character '${c}'`);
      tokens.push({ kind: 'op', value: text.slice(start, i), ...at });
    }
  }
  tokens.push({ kind: 'end', value: '', line, col: i - lineStart + 1 });
  return tokens;
}

const KEYWORDS = new Set(['policy', 'feature', 'prefer', 'let', 'in', 'requires', 'conflicts', 'if', 'then',
  'else', 'or', 'and', 'not', 'true', 'false', 'all', 'exactly-one', 'one-or-more', 'optional', 'real', 'bool',
  'low', 'high']);

/** Parses a policy's text into { name, features: Map(name -> Map(param -> domain)), statements: [{expr, line, text}] }. */
export function parsePolicy(text) {
  if (text.length > MAX_CHARS) throw new PolicyError(`policy longer than ${MAX_CHARS} characters`);
  const t = tokenize(text);
  let p = 0, depth = 0;
  const features = new Map();
  const peek = (o = 0) => t[p + o];
  const is = (v, o = 0) => t[p + o].kind !== 'end' && t[p + o].value === v && t[p + o].kind !== 'num';
  const fail = (why) => { const k = peek(); throw new PolicyError(`line ${k.line} column ${k.col}: ${why}`); };
  const take = (v) => { if (!is(v)) fail(`expected '${v}', found '${peek().value}'`); return t[p++]; };
  const name = () => { if (peek().kind !== 'name') fail(`expected a name, found '${peek().value}'`); return t[p++].value; };
  const number = () => {
    let sign = 1;
    if (is('-')) { p++; sign = -1; }
    if (peek().kind !== 'num') fail(`expected a number, found '${peek().value}'`);
    return sign * t[p++].value;
  };
  const nest = (f) => { if (++depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH}`); try { return f(); } finally { depth--; } };
  let scope = new Map();

  take('policy');
  const policyName = name();
  take('{');
  const statements = [];
  while (!is('}')) {
    if (peek().kind === 'end') fail("expected '}'");
    const start = peek();
    if (is('feature')) {
      p++;
      const f = name();
      const params = new Map();
      if (is('(')) {
        p++;
        do {
          const pn = name();
          take(':');
          if (is('real')) { p++; const lo = number(); take('..'); params.set(pn, { kind: 'real', lo, hi: number() }); }
          else if (is('bool')) { p++; params.set(pn, { kind: 'bool' }); }
          else if (is('{')) {
            p++;
            const values = [name()];
            while (is(',')) { p++; values.push(name()); }
            take('}');
            params.set(pn, { kind: 'enum', values });
          } else { const lo = number(); take('..'); params.set(pn, { kind: 'int', lo, hi: number() }); }
        } while (is(',') && ++p);
        take(')');
      }
      take(';');
      features.set(f, params);
    } else if (is('prefer')) { // read as Java reads it (its meaning is the score, which a client does not check)
      p++;
      if (peek().kind === 'num' || (is('-') && peek(1).kind === 'num')) {
        const after = t[p + (is('-') ? 2 : 1)];
        // a weight, unless the number starts the formula (prefer 2 > cpu; prefer 2 * x > 1)
        if (!(after.kind === 'op' && ['+', '*', '/', '==', '!=', '<', '<=', '>', '>='].includes(after.value))) {
          if (is('-')) p++;
          p++;
        }
      }
      if (is('low') || is('high')) {
        p++;
        const n = name();
        const ref = paramRef(n);
        if (!ref || ref.domain.kind !== 'int') fail(`prefer low/high needs an integer parameter, got ${n}`);
      } else {
        expr();
      }
      take(';');
    } else {
      const saved = scope;
      if (is('let')) {
        p++;
        scope = new Map(scope);
        do {
          const b = name();
          take('=');
          if (isCondition()) {
            take('(');
            scope.set(b, { cond: expr() });
            take(')');
          } else {
            scope.set(b, { value: value() });
          }
        } while (is(',') && ++p);
        take('in');
      }
      const e = expr();
      scope = saved;
      take(';');
      statements.push({ expr: e, line: start.line, text: text.split('\n')[start.line - 1].trim() });
    }
  }
  take('}');
  if (peek().kind !== 'end') fail('text after the policy');
  return { name: policyName, features, statements };

  // a let binding's '(' starts a condition when what is inside is not a plain value
  function isCondition() {
    if (!is('(')) return false;
    const save = p;
    try { value(); return !(is(',') || is('in')); } catch (e) { if (!(e instanceof PolicyError)) throw e; return true; }
    finally { p = save; }
  }

  function expr() {
    return nest(() => {
      let left = or();
      if (is('requires')) { p++; left = { k: 'requires', a: left, b: or() }; }
      else if (is('conflicts')) { p++; left = { k: 'conflicts', a: left, b: or() }; }
      if (is('if')) { p++; left = { k: 'guard', x: left, c: expr() }; }
      return left;
    });
  }
  function or() { const parts = [and()]; while (is('or')) { p++; parts.push(and()); } return parts.length === 1 ? parts[0] : { k: 'any', parts }; }
  function and() { const parts = [unary()]; while (is('and')) { p++; parts.push(unary()); } return parts.length === 1 ? parts[0] : { k: 'all', parts }; }
  function unary() { if (is('not')) { p++; return nest(() => ({ k: 'not', a: unary() })); } return primary(); }
  function group(kind) {
    p++;
    take('{');
    const parts = [];
    while (!is('}')) {
      let e = expr();
      if (e.k === 'guard' && kind !== 'all') e = { k: 'all', parts: [e.x, e.c] }; // X if C as a choice: X and C
      parts.push(e);
      if (is(';') || is(',')) p++; else break;
    }
    take('}');
    return { k: kind, parts };
  }
  function primary() {
    return nest(() => {
      if (is('true')) { p++; return { k: 'const', v: true }; }
      if (is('false')) { p++; return { k: 'const', v: false }; }
      if (is('all')) return group('all');
      if (is('exactly-one')) return group('one');
      if (is('one-or-more')) return group('any');
      if (is('optional')) { p++; return { k: 'optional', a: unary() }; }
      if (is('if')) {
        p++;
        const c = expr(); take('then'); const a = expr();
        let b = null;
        if (is('else')) { p++; b = expr(); }
        return { k: 'if', c, a, b };
      }
      if (is('(')) {
        // a parenthesised formula, or the start of a value (cpu * 2 > 1)
        const save = p;
        p++;
        try {
          const e = expr();
          take(')');
          // in parentheses, X if C is if C then X, also as a choice of a group (Java: valueFollows)
          if (!isCmpOp()) return e.k === 'guard' ? { k: 'if', c: e.c, a: e.x, b: null } : e;
        } catch (err) { if (!(err instanceof PolicyError)) throw err; }
        p = save;
      }
      if (peek().kind === 'name' && !KEYWORDS.has(peek().value)) {
        const n = peek().value;
        const bound = scope.get(n);
        if (bound && bound.cond) {
          if (isCmpOp(1) || ['+', '-', '*', '/'].some((x) => is(x, 1))) fail(`${n} is a condition here`);
          p++;
          return bound.cond;
        }
        if (bound && bound.value && !isCmpOp(1) && !['+', '-', '*', '/'].some((x) => is(x, 1))) {
          fail(`${n} is a number here`);
        }
        if (!bound && features.has(n) && !isCmpOp(1)) { p++; return { k: 'on', f: n }; }
        const ref = bound ? null : paramRef(n);
        // an enumeration's or a bool's value is a NAME taken as it is written (a let of that name does not count)
        if (ref && (is('==', 1) || is('!=', 1)) && peek(2).kind === 'name'
            && (ref.domain.kind === 'enum' || ref.domain.kind === 'bool')) {
          p++; const op = t[p++].value; const v = name();
          return { k: 'cmp', f: ref.f, param: ref.param, op, v: ref.domain.kind === 'bool' ? v === 'true' : v, literal: true };
        }
        if (ref && is('in', 1)) {
          p += 2; take('['); const lo = value(); take(','); const hi = value(); take(']');
          return { k: 'range', f: ref.f, param: ref.param, lo, hi };
        }
      }
      return chain();
    });
  }
  function isCmpOp(o = 0) { return ['==', '!=', '<', '<=', '>', '>='].some((x) => is(x, o)); }
  function paramRef(n) {
    const dot = n.lastIndexOf('.');
    if (dot < 0) return null;
    const f = n.slice(0, dot), param = n.slice(dot + 1);
    const params = features.get(f);
    if (!params || !params.has(param)) return null;
    return { f, param, domain: params.get(param) };
  }
  function operand() {
    if (peek().kind === 'name' && !scope.has(peek().value)) { // a let binding hides a parameter of its name
      const ref = paramRef(peek().value);
      if (ref) { p++; return { ref }; }
    }
    return { value: value() };
  }
  function chain() {
    const operands = [operand()];
    const ops = [];
    while (isCmpOp()) { ops.push(t[p++].value); operands.push(operand()); }
    if (ops.length === 0) fail('expected a comparison');
    const links = [];
    const flip = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };
    for (let i = 0; i < ops.length; i++) {
      const a = operands[i], b = operands[i + 1];
      if (a.ref && b.ref) fail('a comparison of two parameters');
      if (a.ref) links.push({ k: 'cmp', f: a.ref.f, param: a.ref.param, op: ops[i], value: b.value });
      else if (b.ref) links.push({ k: 'cmp', f: b.ref.f, param: b.ref.param, op: flip[ops[i]], value: a.value });
      else links.push({ k: 'input', op: ops[i], a: a.value, b: b.value });
    }
    return links.length === 1 ? links[0] : { k: 'all', parts: links };
  }
  function value() {
    let v = term();
    while (is('+') || is('-')) { const op = t[p++].value; v = { op, a: v, b: term() }; }
    return v;
  }
  function term() {
    let v = factor();
    while (is('*') || is('/')) { const op = t[p++].value; v = { op, a: v, b: factor() }; }
    return v;
  }
  function factor() {
    return nest(() => {
      if (is('-')) { p++; return { op: 'neg', a: factor() }; }
      if (peek().kind === 'num') return { num: t[p++].value };
      if (is('(')) { p++; const v = value(); take(')'); return v; }
      const n = name();
      if (is('(')) { p++; take(')'); }
      const bound = scope.get(n);
      if (bound && bound.value) return bound.value;
      if (bound && bound.cond) fail(`${n} is a condition here`);
      if (KEYWORDS.has(n)) fail(`${n} is a keyword, not a number`);
      if (features.has(n) || paramRef(n)) fail(`${n} is not a number here`);
      return { input: n };
    });
  }
}

function evalValue(v, inputs) {
  if (v.num !== undefined) return v.num;
  if (v.input !== undefined) {
    if (!Object.prototype.hasOwnProperty.call(inputs, v.input)) throw new PolicyError(`the server sent no input ${v.input}`);
    return inputs[v.input];
  }
  const a = evalValue(v.a, inputs);
  if (v.op === 'neg') return -a;
  const b = evalValue(v.b, inputs);
  return v.op === '+' ? a + b : v.op === '-' ? a - b : v.op === '*' ? a * b : a / b;
}

function test(op, x, y) {
  switch (op) {
    case '==': return x === y;
    case '!=': return x !== y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    default: return x >= y;
  }
}

/** Value.roundHalfUp: exact (v - floor(v) loses nothing; floor(v + 0.5) would round 0.49999999999999994 up). */
const roundHalfUp = (v) => {
  if (!Number.isFinite(v)) return v;
  const floor = Math.floor(v);
  return v - floor >= 0.5 ? floor + 1 : floor;
};

function featuresOf(e, out = new Set()) {
  if (e.k === 'on' || e.k === 'cmp' || e.k === 'range') out.add(e.f);
  for (const c of [e.a, e.b, e.c, e.x, ...(e.parts || [])]) if (c && c.k) featuresOf(c, out);
  return out;
}

/** Whether expression e holds for configuration c (Map feature -> Map param -> value) and the server's inputs. */
export function holds(e, c, inputs) {
  switch (e.k) {
    case 'const': return e.v;
    case 'on': return c.has(e.f);
    case 'not': return !holds(e.a, c, inputs);
    case 'all': return e.parts.every((x) => holds(x, c, inputs));
    case 'any': return e.parts.some((x) => holds(x, c, inputs));
    case 'one': return e.parts.filter((x) => holds(x, c, inputs)).length === 1;
    case 'optional': return holds(e.a, c, inputs) || [...featuresOf(e.a)].every((f) => !c.has(f));
    case 'requires': return !holds(e.a, c, inputs) || holds(e.b, c, inputs);
    case 'conflicts': return !(holds(e.a, c, inputs) && holds(e.b, c, inputs));
    case 'guard': return !holds(e.c, c, inputs) || holds(e.x, c, inputs);
    case 'if': return holds(e.c, c, inputs) ? holds(e.a, c, inputs) : e.b === null || holds(e.b, c, inputs);
    case 'input': return test(e.op, evalValue(e.a, inputs), evalValue(e.b, inputs));
    case 'cmp': {
      if (!c.has(e.f)) return false;
      const x = c.get(e.f).get(e.param);
      if (x === undefined) return false;
      if (e.literal) return e.op === '==' ? x.value === e.v : x.value !== e.v;
      if (typeof x.value !== 'number') return false;
      let v = evalValue(e.value, inputs) + 0;
      if (x.type === 'int' && (e.op === '==' || e.op === '!=')) v = roundHalfUp(v);
      return test(e.op, x.value, v);
    }
    case 'range': {
      if (!c.has(e.f)) return false;
      const x = c.get(e.f).get(e.param);
      if (x === undefined || typeof x.value !== 'number') return false;
      return x.value >= evalValue(e.lo, inputs) + 0 && x.value <= evalValue(e.hi, inputs) + 0;
    }
    default: throw new PolicyError(`unknown formula ${e.k}`);
  }
}

function inDomain(d, x) {
  switch (d.kind) {
    case 'int': return x.type === 'int' && x.value >= d.lo && x.value <= d.hi;
    case 'real': return x.type === 'real' && x.value >= d.lo && x.value <= d.hi;
    case 'bool': return x.type === 'bool';
    default: return x.type === 'enum' && d.values.includes(x.value);
  }
}

/**
 * What is wrong with configuration c under our policy at the server's inputs: features outside our vocabulary,
 * parameters not as declared or outside their domains, our statements that do not hold. Empty: it may be used.
 */
export function violations(policy, c, inputs) {
  const out = [];
  for (const [f, params] of c) {
    const declared = policy.features.get(f);
    if (!declared) { out.push(`${f} is not in the vocabulary of ${policy.name}`); continue; }
    const names = [...params.keys()].sort().join(','), want = [...declared.keys()].sort().join(',');
    if (names !== want) { out.push(`${f} has parameters [${names}], ${policy.name} declares [${want}]`); continue; }
    for (const [param, d] of declared) {
      if (!inDomain(d, params.get(param))) out.push(`${f}.${param} = ${params.get(param).value} is outside its domain`);
    }
  }
  for (const s of policy.statements) {
    let ok;
    try { ok = holds(s.expr, c, inputs); } catch (e) { ok = false; }
    if (!ok) out.push(`${policy.name} line ${s.line}: ${s.text}`);
  }
  return out;
}

/** SHA-256 of the text's UTF-8, lowercase hex: the offer's digest. */
export function policyDigest(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const realBits = (x) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return '0x' + b.toString('hex');
};

/** A configuration's canonical text (§2.5): features sorted by name, parameters sorted, reals as IEEE bits. */
export function canonical(c) {
  if (c.size === 0) return '(nothing)';
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return [...c.keys()].sort(cmp).map((f) => {
    const params = c.get(f);
    if (params.size === 0) return f;
    return f + '(' + [...params.keys()].sort(cmp).map((p) => {
      const x = params.get(p);
      const v = x.type === 'real' ? realBits(x.value) : String(x.value);
      return `${p}=${v}`;
    }).join(', ') + ')';
  }).join(', ');
}

/** The configuration's digest: the first 8 bytes of SHA-256 over its canonical text, 16 lowercase hex. */
export function configDigest(c) {
  return createHash('sha256').update(canonical(c), 'utf8').digest('hex').slice(0, 16);
}
