import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import { gridlet } from '../lib/wire.js';
import { Session } from '../lib/session.js';
import { Meter } from '../lib/meter.js';
import { generatedReadings } from '../lib/readings.js';
import { leadingZeroBits } from '../lib/adaptlets.js';

const POLICY = readFileSync(new URL('../policies/node-meter.policy', import.meta.url), 'utf8');
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');

/**
 * A stand-in gateway on loopback, only as far as this test needs: agrees on the configuration it is given, numbers
 * what it takes per meter, breaks streams when told, and challenges with a puzzle when told.
 */
async function fakeGateway({ features, breakAfter = [], puzzleBits = 0, ended = false, openPuzzleBits = 0,
  serverCredentials = grpc.ServerCredentials.createInsecure(), renegotiateFirst = false, failReopens = 0 }) {
  const server = new grpc.Server();
  const state = { readings: new Map(), last: 0, streams: 0, opens: 0, agreed: 0, solved: 0, headers: [] };
  server.addService(gridlet.session.v1.Session.service, {
    Open: (call, done) => {
      state.opens++;
      if (state.opens > 1 && state.opens <= 1 + failReopens) {
        const md = new grpc.Metadata();
        md.set('gridlet-limit', 'opens-per-peer');
        md.set('grpc-retry-pushback-ms', '150');
        done({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'over the limit opens-per-peer', metadata: md });
        return;
      }
      state.agreed++;
      if (openPuzzleBits > 0) {
        const s = call.metadata.get('gridlet-puzzle-solution-bin')[0];
        if (!s || leadingZeroBits(createHash('sha256').update(s).digest()) < openPuzzleBits) {
          done(challenge(openPuzzleBits));
          return;
        }
        state.solved++;
      }
      done(null, { agreed: { sessionId: randomBytes(16).toString('hex'), features, inputs: [], score: 0 } });
    },
  });
  server.addService(gridlet.ingest.v1.Ingest.service, {
    Send: (call) => {
      const n = state.streams++;
      state.headers.push(call.metadata);
      if (renegotiateFirst && state.agreed < 2) { // until the meter opened a new session
        const md = new grpc.Metadata();
        md.set('gridlet-renegotiate', '1');
        call.emit('error', { code: grpc.status.FAILED_PRECONDITION, details: 'unknown or expired session', metadata: md });
        return;
      }
      if (puzzleBits > 0) {
        const s = call.metadata.get('gridlet-puzzle-solution-bin')[0];
        if (!s || leadingZeroBits(createHash('sha256').update(s).digest()) < puzzleBits) {
          call.emit('error', challenge(puzzleBits));
          return;
        }
        state.solved++;
      }
      let batches = 0;
      call.on('data', (b) => {
        if (ended && b.readings) {
          call.emit('error', { code: grpc.status.FAILED_PRECONDITION,
            details: 'the data has ended: no readings are taken after it' });
          return;
        }
        const first = Number(b.firstSeq);
        const count = b.readings ? b.readings.idDelta.length : 0;
        for (let i = 0; i < count; i++) {
          const seq = first + i;
          if (seq === state.last + 1) { state.readings.set(seq, Number(b.readings.value[i])); state.last = seq; }
        }
        call.write({ lastSeq: String(state.last), skipped: '0', rejected: [] });
        if (count > 0 && ++batches === breakAfter[n]) {
          call.emit('error', Object.assign(new Error('gone'), { code: grpc.status.UNAVAILABLE }));
        }
      });
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0',
    serverCredentials, (err, p) => (err ? reject(err) : resolve(p))));
  return { state, address: `127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

const feature = (name, parameters = []) => ({ name, parameters });

/** A RESOURCE_EXHAUSTED status with a puzzle challenge in its trailers, as §4 lays it out. */
function challenge(bits) {
  const c = Buffer.alloc(42);
  c[0] = 1;
  c[1] = bits;
  c.writeBigInt64BE(BigInt(Date.now() + 30000), 2);
  const md = new grpc.Metadata();
  md.set('gridlet-challenge', 'puzzle');
  md.set('gridlet-puzzle-bin', c);
  return Object.assign(new Error('solve the puzzle'), { code: grpc.status.RESOURCE_EXHAUSTED, details: 'solve the puzzle', metadata: md });
}

test('a broken stream is resumed from the gateway\'s last sequence number: every reading once, in order', async () => {
  const gw = await fakeGateway({ features: [feature('auth.hmac'), feature('authz')], breakAfter: [3, 2] });
  const session = await new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET }).open();
  try {
    const readings = [...generatedReadings({ count: 5000 })];
    const meter = new Meter(session, { name: 'm1', batch: 300, inFlight: 4, backoffMs: 10 });
    async function* slowly() { // a source that awaits I/O now and then, as a file does: acks come in between
      for (let i = 0; i < readings.length; i++) {
        if (i % 97 === 0) await new Promise((r) => setImmediate(r));
        yield readings[i];
      }
    }
    const stats = await meter.run(slowly());
    assert.equal(stats.acked, 5000);
    assert.equal(stats.reconnects, 2);
    assert.equal(gw.state.last, 5000);
    for (let seq = 1; seq <= 5000; seq++) assert.equal(gw.state.readings.get(seq), readings[seq - 1].value);
    const h = gw.state.headers[0];
    assert.equal(h.get('gridlet-adaptlets')[0], 'auth.hmac,authz');
    assert.equal(h.get('gridlet-config')[0], session.configDigest);
    assert.equal(h.get('gridlet-auth-bin')[0].length, 1 + 2 + 56);
  } finally {
    session.close();
    gw.stop();
  }
});

test('a meter restarted on the same source skips what the gateway holds instead of sending it again', async () => {
  const gw = await fakeGateway({ features: [feature('auth.hmac')] });
  const readings = [...generatedReadings({ count: 5000 })];
  try {
    for (const part of [readings.slice(0, 3000), readings]) { // the first run stops after 3000
      const session = await new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET }).open();
      const stats = await new Meter(session, { name: 'm1', batch: 700 }).run(part);
      assert.equal(stats.acked, part.length);
      session.close();
    }
    assert.equal(gw.state.last, 5000);
    for (let seq = 1; seq <= 5000; seq++) assert.equal(gw.state.readings.get(seq), readings[seq - 1].value);
  } finally {
    gw.stop();
  }
});

test('renegotiating through an Open refused over a limit waits as told and goes on', async () => {
  const gw = await fakeGateway({ features: [feature('auth.hmac')], renegotiateFirst: true, failReopens: 2 });
  const session = await new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET }).open();
  try {
    const started = Date.now();
    const stats = await new Meter(session, { name: 'm1', batch: 100, backoffMs: 10 }).run(generatedReadings({ count: 300 }));
    assert.equal(stats.acked, 300);
    assert.equal(gw.state.opens, 4); // the first, two refused, one agreed
    assert.ok(Date.now() - started >= 300, 'waited as grpc-retry-pushback-ms said, twice');
  } finally {
    session.close();
    gw.stop();
  }
});

test('a puzzle challenge is solved and the call tried again', async () => {
  const gw = await fakeGateway({ features: [feature('auth.hmac'), feature('puzzle',
    [{ name: 'difficulty', intValue: 10 }])], puzzleBits: 10 });
  const session = await new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET }).open();
  try {
    const stats = await new Meter(session, { name: 'm1', batch: 100 }).run(generatedReadings({ count: 1000 }));
    assert.equal(stats.acked, 1000);
    assert.equal(gw.state.solved, 1);
    assert.equal(gw.state.headers[1].get('gridlet-adaptlets')[0], 'puzzle,auth.hmac');
  } finally {
    session.close();
    gw.stop();
  }
});

test('a loaded server\'s puzzle on Open is solved (up to 20 bits) and the Open repeated', async () => {
  const gw = await fakeGateway({ features: [feature('auth.hmac')], openPuzzleBits: 8 });
  const session = new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET });
  try {
    await session.open();
    assert.equal(gw.state.opens, 2);
    assert.equal(gw.state.solved, 1);
  } finally {
    session.close();
    gw.stop();
  }
  const hard = await fakeGateway({ features: [feature('auth.hmac')], openPuzzleBits: 21 });
  const s2 = new Session({ address: hard.address, policyText: POLICY, id: 'm1', secret: SECRET });
  try {
    await assert.rejects(s2.open(), /above the agreed 20/);
  } finally {
    s2.close();
    hard.stop();
  }
});

test('the command line meter streams a file over TLS and reports what was acknowledged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-node-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=gateway', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'key.pem', '-out', 'cert.pem');
  const gw = await fakeGateway({ features: [feature('auth.hmac')], serverCredentials: grpc.ServerCredentials.createSsl(null,
    [{ private_key: readFileSync(join(dir, 'key.pem')), cert_chain: readFileSync(join(dir, 'cert.pem')) }]) });
  try {
    writeFileSync(join(dir, 'in.csv'), '0,1377986401,1.5,1,0,0,0\n1,1377986401,2.25,0,0,0,0\nbad line\n2,1377986402,3,1,1,0,0\n');
    const bin = fileURLToPath(new URL('../bin/gridlet-meter.js', import.meta.url));
    const run = (...extra) => new Promise((resolve) => execFile(process.execPath, [bin, '--target', gw.address,
      '--id', 'm1', '--secret', SECRET.toString('base64'), '--file', join(dir, 'in.csv'), '-q', ...extra],
    (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr })));
    const ok = await run('--ca', join(dir, 'cert.pem'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /acked 3 readings \(rejected by the gateway 0; refused lines 1;/);
    assert.deepEqual([...gw.state.readings.values()], [1500, 2250, 3000]);
    const plain = await run(); // a TLS server, a plaintext meter: never connects, says why, exits 1
    assert.equal(plain.code, 1);
    const usage = await run('--cert', 'x');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--cert and --key together/);
  } finally {
    gw.stop();
  }
});

test('a configuration that breaks our policy is refused before any call', async () => {
  const gw = await fakeGateway({ features: [feature('authz')] }); // no auth.hmac: our policy requires it
  const session = new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET });
  try {
    await assert.rejects(session.open(), /breaks our policy: node-meter line 10: auth.hmac;/);
  } finally {
    session.close();
    gw.stop();
  }
  const harder = await fakeGateway({ features: [feature('auth.hmac'), feature('puzzle',
    [{ name: 'difficulty', intValue: 21 }])] });
  const s2 = new Session({ address: harder.address, policyText: POLICY, id: 'm1', secret: SECRET });
  try {
    await assert.rejects(s2.open(), /puzzle requires puzzle.difficulty <= 20/);
  } finally {
    s2.close();
    harder.stop();
  }
});

test('compression at the one level grpc-js has is taken, at another refused', async () => {
  const six = await fakeGateway({ features: [feature('auth.hmac'), feature('compress', [{ name: 'level', intValue: 6 }])] });
  const session = await new Session({ address: six.address, policyText: POLICY, id: 'm1', secret: SECRET }).open();
  try {
    assert.equal(session.adaptlets, 'compress,auth.hmac');
    const stats = await new Meter(session, { name: 'm1', batch: 100 }).run(generatedReadings({ count: 500 }));
    assert.equal(stats.acked, 500);
    assert.notEqual(session.ingestClient(), session.ingest, 'compressed calls on a channel of their own');
  } finally {
    session.close();
    six.stop();
  }
  const nine = await fakeGateway({ features: [feature('auth.hmac'), feature('compress', [{ name: 'level', intValue: 9 }])] });
  const s9 = new Session({ address: nine.address, policyText: POLICY.replace('compress.level == 6', 'compress.level >= 1'),
    id: 'm1', secret: SECRET });
  try {
    await assert.rejects(s9.open(), /compress at level 9: this client compresses at level 6 only/);
  } finally {
    s9.close();
    nine.stop();
  }
});

test('a renegotiation the server refuses for good ends the meter instead of retrying', async () => {
  const gw = await fakeGateway({ features: [feature('authz')], renegotiateFirst: true }); // no auth.hmac: ours needs it
  const session = new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET });
  session.agree({ sessionId: 'a'.repeat(32), features: [{ name: 'auth.hmac', parameters: [] }], inputs: [], score: 0 });
  try {
    await assert.rejects(new Meter(session, { name: 'm1', backoffMs: 10 }).run(generatedReadings({ count: 10 })),
      /breaks our policy/);
    assert.equal(gw.state.opens, 1);
  } finally {
    session.close();
    gw.stop();
  }
});

test('after the end of the data the meter stops instead of reconnecting', async () => {
  const gw = await fakeGateway({ features: [feature('auth.hmac')], ended: true });
  const session = await new Session({ address: gw.address, policyText: POLICY, id: 'm1', secret: SECRET }).open();
  try {
    await assert.rejects(new Meter(session, { name: 'm1', backoffMs: 10 }).run(generatedReadings({ count: 10 })),
      (err) => err.code === grpc.status.FAILED_PRECONDITION);
    assert.equal(gw.state.streams, 1);
  } finally {
    session.close();
    gw.stop();
  }
});
