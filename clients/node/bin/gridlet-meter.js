#!/usr/bin/env node
// gridlet-meter: streams readings to a Gridlet gateway (gridlet serve) from a DEBS'14 CSV file or generated ones.
import { parseArgs } from 'node:util';
import grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Session } from '../lib/session.js';
import { Meter } from '../lib/meter.js';
import { csvReadings, generatedReadings, MAX_METER_BYTES } from '../lib/readings.js';

const HELP = `Usage: gridlet-meter --id ID (--secret BASE64 | --identities FILE) (--file CSV | --generate N) [options]

Streams readings to a Gridlet gateway (gridlet serve) over gRPC (gridlet.ingest.v1.Ingest/Send) in a session
negotiated from this meter's policy: it signs its calls (auth.hmac), solves puzzles when challenged, batches,
and reconnects with backoff, resuming from the gateway's last sequence number. Exits 0 once every reading is
acknowledged durable, 1 on a final refusal, 2 on bad usage.

  --target HOST:PORT   the gateway (default 127.0.0.1:7070)
  --ca FILE            connect over TLS, trusting only the CA certificates in FILE (PEM) for the gateway
                       (gridlet serve --tls-cert); without it: plaintext
  --cert FILE, --key FILE
                       with --ca: present this client certificate and its key (PEM), for gridlet serve --client-ca
  --id ID              this meter's identity, also the name its readings are numbered under
  --secret BASE64      the identity's shared secret (standard base64, as in the server's identities file);
                       other users of this machine can read a command line: prefer --identities
  --identities FILE    read the secret of --id from the server's identities file instead
  --file CSV           send the readings of this DEBS'14 CSV file, in file order
  --generate N         send N generated readings (--houses, --start)
  --houses N           houses of generated readings (default 4)
  --start SECONDS      Unix time of the first generated reading (default 1377986401)
  --policy FILE        this meter's QoS policy (default: policies/node-meter.policy)
  --end-of-data        when every reading is acknowledged, tell the service no more data will come (as
                       --operator, whose secret comes from --identities): the job finishes its result files
  --operator ID        the identity that ends the data (default: operator)
  --batch N            readings per batch, 1..10000 (default 1000)
  --in-flight N        batches sent ahead of their acknowledgements (default 8)
  -q, --quiet          no progress lines
  -h, --help           this text`;

function usage(message) {
  process.stderr.write(`gridlet-meter: ${message}\n${HELP}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      target: { type: 'string', default: '127.0.0.1:7070' }, ca: { type: 'string' }, cert: { type: 'string' },
      key: { type: 'string' }, id: { type: 'string' }, secret: { type: 'string' },
      identities: { type: 'string' }, file: { type: 'string' }, generate: { type: 'string' },
      houses: { type: 'string', default: '4' }, start: { type: 'string', default: '1377986401' },
      policy: { type: 'string' }, 'end-of-data': { type: 'boolean', default: false },
      operator: { type: 'string', default: 'operator' }, batch: { type: 'string', default: '1000' }, 'in-flight': { type: 'string', default: '8' },
      quiet: { type: 'boolean', short: 'q', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (e) {
  usage(e.message);
}
if (args.help) {
  process.stdout.write(HELP + '\n');
  process.exit(0);
}
const int = (name, lo, hi) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < lo || v > hi) usage(`--${name} must be an integer in ${lo}..${hi}, got '${args[name]}'`);
  return v;
};
if (!args.id) usage('--id is required');
if (Buffer.byteLength(args.id, 'utf8') > MAX_METER_BYTES) usage(`--id has at most ${MAX_METER_BYTES} bytes`);
if ((args.file === undefined) === (args.generate === undefined)) usage('give one of --file and --generate');
if ((args.secret === undefined) === (args.identities === undefined)) usage('give one of --secret and --identities');
if (!/^[^:\s]+:[0-9]{1,5}$/.test(args.target)) usage(`--target must be HOST:PORT, got '${args.target}'`);

if (args['end-of-data'] && args.identities === undefined) usage('--end-of-data needs --identities (the operator\'s secret)');
function secretOf(id) {
  let text;
  try { text = readFileSync(args.identities, 'utf8'); } catch (e) { usage(`cannot read --identities: ${e.message}`); }
  const line = text.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id);
  if (!line || !line[3] || line[3] === '-') usage(`${args.identities} has no secret for ${id}`);
  return Buffer.from(line[3], 'base64');
}
const secret = args.secret !== undefined ? Buffer.from(args.secret, 'base64') : secretOf(args.id);
if (secret.length < 16) usage('the secret must have at least 16 bytes');
const operatorSecret = args['end-of-data'] ? secretOf(args.operator) : null;

const policyFile = args.policy || fileURLToPath(new URL('../policies/node-meter.policy', import.meta.url));
let policyText;
try { policyText = readFileSync(policyFile, 'utf8'); } catch (e) { usage(`cannot read --policy: ${e.message}`); }

const log = (line) => { if (!args.quiet) process.stderr.write(line + '\n'); };
let refusedLines = 0;
const readings = args.file !== undefined
  ? csvReadings(args.file, (n, why) => { refusedLines++; if (refusedLines <= 10) log(`line ${n} refused: ${why}`); })
  : generatedReadings({ count: int('generate', 0, Number.MAX_SAFE_INTEGER), houses: int('houses', 1, 1_000_000),
    start: int('start', 0, 0xFFFFFFFF) });
if (args.file !== undefined) {
  try { readFileSync(args.file, { flag: 'r' }).length; } catch (e) { usage(`cannot read --file: ${e.message}`); }
}

if ((args.cert === undefined) !== (args.key === undefined)) usage('give --cert and --key together');
if (args.cert !== undefined && args.ca === undefined) usage('--cert needs --ca');
const pem = (name) => {
  try { return readFileSync(args[name]); } catch (e) { usage(`cannot read --${name}: ${e.message}`); }
};
const credentials = args.ca === undefined ? grpc.credentials.createInsecure()
  : grpc.credentials.createSsl(pem('ca'), args.key === undefined ? null : pem('key'), args.cert === undefined ? null : pem('cert'));

let session;
try {
  session = new Session({ address: args.target, policyText, id: args.id, secret, credentials, log });
} catch (e) {
  usage(`bad --policy: ${e.message}`);
}
const meter = new Meter(session, { name: args.id, batch: int('batch', 1, 10000), inFlight: int('in-flight', 1, 1024), log });
const started = Date.now();
const progress = setInterval(() => {
  const s = meter.stats;
  log(`meter ${args.id}: sent ${s.sent}, acked ${s.acked}, rejected ${s.rejected}, ${Math.round(s.acked / ((Date.now() - started) / 1000))} readings/s`);
}, 1000);
try {
  await session.open();
  const s = await meter.run(readings);
  clearInterval(progress);
  const reasons = [...s.rejections].map(([r, n]) => `${r} ${n}`).join(', ');
  process.stdout.write(`meter ${args.id}: acked ${s.acked} readings (rejected by the gateway ${s.rejected}${reasons ? ': ' + reasons : ''}; `
    + `refused lines ${refusedLines}; reconnects ${s.reconnects}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  session.close();
  if (operatorSecret) {
    const operator = await new Session({ address: args.target, policyText, id: args.operator, secret: operatorSecret,
      credentials, log }).open();
    try {
      await operator.endOfData();
    } finally {
      operator.close();
    }
    process.stdout.write(`meter ${args.id}: told the service the data has ended (as ${args.operator})\n`);
  }
  process.exit(0);
} catch (e) {
  clearInterval(progress);
  process.stderr.write(`gridlet-meter: ${e.details || e.message}\n`);
  session.close();
  process.exit(1);
}
