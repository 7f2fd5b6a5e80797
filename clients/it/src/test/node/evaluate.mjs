// Reads cases (one JSON object per line: policy text, configuration, inputs) on standard input and writes, per case,
// how many violations the Node meter's evaluator finds (or "refused: why" when it cannot read the policy).
import { createInterface } from 'node:readline';
import { parsePolicy, violations } from '../../../../node/lib/policy.js';

const real = (bits) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, BigInt(bits)));
  return b.readDoubleBE(0);
};
const parsed = new Map();
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line) continue;
  const c = JSON.parse(line);
  let policy = parsed.get(c.text);
  if (policy === undefined) {
    try { policy = parsePolicy(c.text); } catch (e) { policy = e; }
    parsed.set(c.text, policy);
  }
  if (policy instanceof Error) {
    process.stdout.write(`refused: ${policy.message}\n`);
    continue;
  }
  const configuration = new Map(Object.entries(c.configuration).map(([f, params]) => [f, new Map(
    Object.entries(params).map(([p, v]) => [p, { type: v.type, value: v.type === 'real' ? real(v.bits) : v.value }]))]));
  process.stdout.write(`${violations(policy, configuration, c.inputs).length}\n`);
}
