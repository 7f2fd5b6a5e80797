import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { solvePuzzle, leadingZeroBits, signCall, readChallenge, priorityHeader, CHALLENGE_BYTES } from '../lib/adaptlets.js';

function challenge(difficulty, expiry = Date.now() + 30000) {
  const c = Buffer.alloc(CHALLENGE_BYTES);
  c[0] = 1;
  c[1] = difficulty;
  c.writeBigInt64BE(BigInt(expiry), 2);
  randomBytes(32).copy(c, 10); // salt and a MAC the client cannot check
  return c;
}

test('a solution keeps the challenge and has its difficulty in leading zero bits of SHA-256', () => {
  for (const d of [0, 1, 8, 14]) {
    const c = challenge(d);
    const s = solvePuzzle(c, 20);
    assert.equal(s.length, 50);
    assert.deepEqual(s.subarray(0, 42), c);
    assert.ok(leadingZeroBits(createHash('sha256').update(s).digest()) >= d);
  }
});

test('a puzzle above the agreed difficulty or malformed is refused', () => {
  assert.throws(() => solvePuzzle(challenge(21), 20), /above the agreed 20/);
  assert.throws(() => solvePuzzle(Buffer.alloc(41), 20), /malformed/);
  const v2 = challenge(1);
  v2[0] = 2;
  assert.throws(() => solvePuzzle(v2, 20), /malformed/);
  assert.equal(readChallenge(challenge(3, 1234)).expiry, 1234);
});

test('leading zero bits count from the most significant bit', () => {
  assert.equal(leadingZeroBits(Buffer.from([0x80])), 0);
  assert.equal(leadingZeroBits(Buffer.from([0x00, 0x01])), 15);
  assert.equal(leadingZeroBits(Buffer.from([0x00, 0x00])), 16);
});

test('the signature header is laid out and signed as §5 says', () => {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  const h = signCall('meter-ü', secret, 'gridlet.ingest.v1.Ingest/Send', 'a'.repeat(32), 1_700_000_000_123);
  const L = Buffer.byteLength('meter-ü');
  assert.equal(h.length, 1 + L + 56);
  assert.equal(h[0], L);
  assert.equal(h.subarray(1, 1 + L).toString('utf8'), 'meter-ü');
  assert.equal(h.readBigInt64BE(1 + L), 1_700_000_000_123n);
  const m = Buffer.concat([Buffer.from('gridlet-auth-v1'), h.subarray(0, 25 + L), Buffer.from([0]),
    Buffer.from('gridlet.ingest.v1.Ingest/Send'), Buffer.from([0]), Buffer.from('a'.repeat(32))]);
  assert.deepEqual(h.subarray(25 + L), createHmac('sha256', secret).update(m).digest());
  assert.notDeepEqual(signCall('m', secret, 'x', 's').subarray(10, 26), signCall('m', secret, 'x', 's').subarray(10, 26));
  assert.throws(() => signCall('x'.repeat(256), secret, 'm', 's'), /1..255 bytes/);
  assert.deepEqual(priorityHeader(3), Buffer.from([0, 0, 0, 3]));
});
