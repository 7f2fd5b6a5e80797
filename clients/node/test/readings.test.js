import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLine, milli, batchMessage, generatedReadings } from '../lib/readings.js';
import { gridlet } from '../lib/wire.js';

const send = gridlet.ingest.v1.Ingest.service.Send;

test('values become thousandths, half up past three decimals, as the Java reader', () => {
  assert.equal(milli('32.1').value, 32100);
  assert.equal(milli('1.2345').value, 1235);
  assert.equal(milli('1.2344').value, 1234);
  assert.equal(milli('0.0005').value, 1);
  assert.equal(milli('-1.5').value, -1500);
  assert.equal(milli('-0.000').negative, false);
  assert.equal(milli('-0.0001').negative, true); // any digit not 0, as Java: a load of -0.0001 is refused
  assert.equal(milli('9007199254740.993').value, 9007199254740993n); // beyond a double: a BigInt
  assert.throws(() => milli('9223372036854775'), /out of range/);
  assert.throws(() => milli('1.'), /not a number/);
  assert.throws(() => milli('1e3'), /not a number/);
});

test('a CSV line: seven fields in range, or the reason it is refused', () => {
  assert.deepEqual(parseLine('7,1377986401,68.451,1,2,0,3'), { id: 7, timestamp: 1377986401, value: 68451,
    property: 1, plug: 2, household: 0, house: 3 });
  assert.equal(parseLine('18446744073709551615,1,1,0,0,0,0').id, 18446744073709551615n);
  assert.match(parseLine('1,2,3').message, /7 fields/);
  assert.match(parseLine('1,4294967296,1,1,0,0,0').message, /timestamp is out of range/);
  assert.match(parseLine('1,1,1,2,0,0,0').message, /property/);
  assert.match(parseLine('1,1,-1,1,0,0,0').message, /negative/);
  assert.match(parseLine('18446744073709551616,1,1,0,0,0,0').message, /id is out of range/);
  assert.equal(parseLine('1,1,-1,0,0,0,0').value, -1000); // a negative work value: the gateway judges it
});

test('a batch encodes as columns with ids and timestamps as differences, and decodes back', () => {
  const readings = [...generatedReadings({ count: 50 })];
  readings.push({ id: 18446744073709551615n, timestamp: 1377986500, value: 5, property: 0, plug: 0, household: 0, house: 0 });
  readings.push({ id: 3, timestamp: 1377986400, value: 5, property: 1, plug: 4294967295, household: 0, house: 0 });
  const bytes = send.requestSerialize(batchMessage('meter-1', 11, readings));
  assert.ok(bytes.length < readings.length * 14, `${bytes.length} bytes for ${readings.length} readings`);
  const back = send.requestDeserialize(bytes);
  assert.equal(back.meter, 'meter-1');
  assert.equal(back.firstSeq, '11');
  let id = 0n, ts = 0;
  back.readings.idDelta.forEach((d, i) => {
    id = BigInt.asUintN(64, id + BigInt(d));
    ts += Number(back.readings.timestampDelta[i]);
    const r = readings[i];
    assert.equal(id, BigInt(r.id));
    assert.equal(ts, r.timestamp);
    assert.equal(Number(back.readings.value[i]), r.value);
    assert.equal(back.readings.property[i], r.property);
    assert.equal(back.readings.plug[i], r.plug);
  });
  assert.equal(send.requestDeserialize(send.requestSerialize(batchMessage('m', 1, []))).body, undefined);
});

test('a file is split into lines as the Java reader splits it', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { csvReadings } = await import('../lib/readings.js');
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-csv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'in.csv');
  writeFileSync(file, '0,1,1,1,0,0,0\r\n1,1,1,1,0,0,0\r\r\n\n2,1,1,1\r0,0,0\n' + '9'.repeat(70000) + '\n3,1,-0.0001,1,0,0,0\n4,1,2,0,0,0,0');
  const refused = [];
  const got = [];
  for await (const r of csvReadings(file, (n, why) => refused.push(n))) got.push(r.id);
  assert.deepEqual(got, [0, 4]);
  assert.deepEqual(refused, [2, 3, 4, 5, 6]); // \r\r, empty, a bare \r inside, too long, negative load
});
