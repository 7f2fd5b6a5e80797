// Readings: the DEBS'14 CSV line (id,timestamp,value,property,plug_id,household_id,house_id), a generator, and
// a batch's columns as gridlet.ingest.v1.Readings lays them out (ids and timestamps as differences).
import { createReadStream } from 'node:fs';

const MAX_U32 = 0xFFFFFFFF;
const MAX_LOAD = 2147483647; // mW: what the queries hold as int
const U64_MAX = (1n << 64n) - 1n;
export const MAX_METER_BYTES = 128;
export const MAX_READINGS = 10000;

function u32(s, field) {
  if (!/^[0-9]+$/.test(s)) throw new Error(`${field} is not a number: '${s}'`);
  const v = Number(s);
  if (v > MAX_U32) throw new Error(`${field} is out of range: '${s}'`);
  return v;
}

const MAX_MILLI_WHOLE = 9223372036854774n; // Long.MAX_VALUE / 1000 - 1, as the Java reader
export const MAX_LINE_BYTES = 1 << 16;

/**
 * -?[0-9]+(.[0-9]+)? into thousandths, rounding half-up (away from zero) past 3 decimals, as the Java reader; a
 * number when it is exact as one, else a BigInt. negative: a minus sign and any digit that is not 0.
 */
export function milli(s) {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(s);
  if (!m) throw new Error(`value is not a number: '${s}'`);
  const whole = BigInt(m[2]);
  if (whole > MAX_MILLI_WHOLE) throw new Error(`value is out of range: '${s}'`);
  const frac = (m[3] || '');
  let v = whole * 1000n + BigInt((frac.slice(0, 3) + '000').slice(0, 3));
  if (frac.length > 3 && frac[3] >= '5') v += 1n;
  const negative = m[1] === '-' && /[1-9]/.test(m[2] + frac);
  if (m[1]) v = -v;
  return { value: v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v, negative };
}

/** One CSV line as a reading, or an Error saying why the line is refused. */
export function parseLine(line) {
  const f = line.split(',');
  if (f.length !== 7) return new Error(`expected 7 fields, got ${f.length}`);
  try {
    if (!/^[0-9]+$/.test(f[0])) throw new Error(`id is not a number: '${f[0]}'`);
    const big = BigInt(f[0]);
    if (big > U64_MAX) throw new Error(`id is out of range: '${f[0]}'`);
    const id = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    const timestamp = u32(f[1], 'timestamp');
    const { value, negative } = milli(f[2]);
    if (f[3] !== '0' && f[3] !== '1') throw new Error(`property must be 0 or 1, got '${f[3]}'`);
    const property = Number(f[3]);
    const reading = { id, timestamp, value, property, plug: u32(f[4], 'plug_id'),
      household: u32(f[5], 'household_id'), house: u32(f[6], 'house_id') };
    if (property === 1 && negative) throw new Error(`load must not be negative, got ${f[2]}`);
    if (property === 1 && value > MAX_LOAD) throw new Error(`load out of range, got ${f[2]}`); // (a BigInt too)
    return reading;
  } catch (e) {
    return e;
  }
}

/**
 * The readings of a CSV file, in file order; refused lines go to onRefused(lineNumber, why). Lines end at '\n' only,
 * one '\r' before it is dropped, and a line longer than 64 KiB is refused unread: the Java reader's rules
 * (MeasurementReader), so both refuse the same lines.
 */
export async function* csvReadings(path, onRefused = () => {}) {
  let n = 0;
  let held = [];
  let heldBytes = 0;
  let tooLong = false;
  const line = (bytes) => {
    n++;
    if (tooLong || bytes.length >= MAX_LINE_BYTES) return new Error(`line longer than ${MAX_LINE_BYTES} bytes`);
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    return parseLine(bytes.toString('utf8', 0, end));
  };
  for await (const chunk of createReadStream(path)) {
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, i);
      const r = line(held.length === 0 ? piece : Buffer.concat([...held, piece]));
      held = [];
      heldBytes = 0;
      tooLong = false;
      start = i + 1;
      if (r instanceof Error) onRefused(n, r.message);
      else yield r;
    }
    if (start < chunk.length) {
      heldBytes += chunk.length - start;
      if (heldBytes >= MAX_LINE_BYTES) { tooLong = true; held = []; } // keep nothing of a line that long
      else held.push(chunk.subarray(start));
    }
  }
  if (held.length > 0 || tooLong) {
    const r = line(Buffer.concat(held));
    if (r instanceof Error) onRefused(n, r.message);
    else yield r;
  }
}

/**
 * count generated readings: houses x households x plugs, one load and one work reading per plug and second, from
 * start (Unix seconds); loads follow a daily curve with noise from a fixed-seed generator.
 */
export function* generatedReadings({ count, houses = 4, households = 2, plugs = 3, start = 1377986401, seed = 1 }) {
  let state = seed >>> 0 || 1;
  const random = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state / 4294967296; };
  const work = new Map();
  let id = 0;
  for (let t = start; id < count; t++) {
    for (let h = 0; h < houses && id < count; h++) {
      for (let hh = 0; hh < households && id < count; hh++) {
        for (let p = 0; p < plugs && id < count; p++) {
          const key = `${h}/${hh}/${p}`;
          const hour = ((t / 3600) % 24 + 24) % 24;
          const load = Math.round((50 + 40 * Math.sin(hour / 24 * 2 * Math.PI) + 20 * random()) * 1000);
          yield { id: id++, timestamp: t, value: load, property: 1, plug: p, household: hh, house: h };
          if (id >= count) return;
          const w = (work.get(key) || 0) + load / 3600;
          work.set(key, w);
          yield { id: id++, timestamp: t, value: Math.round(w), property: 0, plug: p, household: hh, house: h };
        }
      }
    }
  }
}

const big = (v) => (typeof v === 'bigint' ? v : BigInt(v));
const small = (v) => (v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString());

/** A batch message (gridlet.ingest.v1.ReadingBatch) of readings numbered firstSeq, firstSeq + 1, ... */
export function batchMessage(meter, firstSeq, readings) {
  const message = { meter, firstSeq: String(firstSeq) };
  if (readings.length === 0) return message;
  const n = readings.length;
  const idDelta = new Array(n), timestampDelta = new Array(n), value = new Array(n);
  const plug = new Array(n), household = new Array(n), house = new Array(n);
  const property = Buffer.alloc(n);
  let lastId = 0, lastTs = 0;
  for (let i = 0; i < n; i++) {
    const r = readings[i];
    if (typeof r.id === 'number' && typeof lastId === 'number') idDelta[i] = r.id - lastId;
    else idDelta[i] = small(BigInt.asIntN(64, big(r.id) - big(lastId))); // wraps as Java's long
    lastId = r.id;
    timestampDelta[i] = r.timestamp - lastTs;
    lastTs = r.timestamp;
    value[i] = typeof r.value === 'bigint' ? r.value.toString() : r.value;
    property[i] = r.property;
    plug[i] = r.plug;
    household[i] = r.household;
    house[i] = r.house;
  }
  message.readings = { idDelta, timestampDelta, value, property, plug, household, house };
  return message;
}
