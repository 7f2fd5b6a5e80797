// A meter: readings in, numbered 1, 2, ... for this meter's name; batches over one gridlet.ingest.v1.Ingest/Send
// stream in a negotiated session; each reading kept until the gateway acknowledges it durable. On a broken stream it
// reconnects with backoff, asks the gateway where to resume (an empty batch) and sends on from there.
import grpc from '@grpc/grpc-js';
import { batchMessage, MAX_READINGS } from './readings.js';
import { signalOf, MAX_ATTEMPTS } from './session.js';

const SEND = 'gridlet.ingest.v1.Ingest/Send';
export const DATA_ENDED = 'the data has ended';

export class Meter {
  /**
   * @param {Session} session an opened session
   * @param {object} o name (the meter's id), batch (readings per batch), inFlight (batches sent ahead of their
   *   acknowledgements), backoffMs / maxBackoffMs, log(line)
   */
  constructor(session, { name, batch = 1000, inFlight = 8, backoffMs = 100, maxBackoffMs = 5000, log = () => {} }) {
    if (!(batch >= 1 && batch <= MAX_READINGS)) throw new Error(`a batch has 1..${MAX_READINGS} readings`);
    Object.assign(this, { session, name, batchSize: batch, inFlight, backoffMs, maxBackoffMs, log });
    this.pending = []; // readings acked+1 .. acked+pending.length
    this.acked = 0; // the gateway holds every reading up to here
    this.skipping = 0; // readings of the source the gateway holds from an earlier run, not yet read past
    this.gatewayAcks = 0; // acknowledgements that moved acked (progress: resets the backoff)
    this.stats = { sent: 0, acked: 0, rejected: 0, reconnects: 0, rejections: new Map() };
  }

  /**
   * Sends every reading of the (async) iterable, and resolves once all are acknowledged. A final refusal (the
   * data has ended, the policy, permissions) rejects; a broken connection is retried for ever with backoff.
   */
  async run(readings) {
    const source = readings[Symbol.asyncIterator] ? readings[Symbol.asyncIterator]() : readings[Symbol.iterator]();
    this.source = source;
    this.exhausted = false;
    let backoff = this.backoffMs;
    let attempts = 0;
    for (;;) {
      const before = this.gatewayAcks;
      let outcome;
      try {
        outcome = await this.stream();
      } catch (err) {
        outcome = { err };
      }
      if (outcome.done) return this.stats;
      const err = outcome.err;
      if (this.gatewayAcks > before) { backoff = this.backoffMs; attempts = 0; }
      let answered = false, answerErr = null;
      if (!outcome.committed && attempts < MAX_ATTEMPTS - 1 && signalOf(err)) {
        attempts++;
        try {
          answered = await this.session.answer(err); // a puzzle solved, or a new session
        } catch (e) {
          // a refusal of ours or the server's (no gRPC code: the policy, a puzzle too hard) is final; the network
          // or a limit (Open over opens-per-peer) is tried again after the backoff
          if (e.code === undefined || final(e)) throw e;
          answerErr = e;
          this.log(`meter ${this.name}: answering the gateway failed (${describe(e)})`);
        }
        if (answered) continue; // try again at once
      }
      if (final(err)) throw err;
      attempts = 0; // (a challenge after the backoff is a new call's)
      this.stats.reconnects++;
      const wait = Math.max(backoff, pushback(err), pushback(answerErr));
      this.log(`meter ${this.name}: stream ended (${describe(err)}); again in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
      if (!answerErr && err && (err.code === grpc.status.FAILED_PRECONDITION || err.code === grpc.status.NOT_FOUND)) {
        // a lost session without a renegotiate signal: open anew (a failure shows on the next stream)
        await this.session.open().catch((e) => { if (e.code === undefined) throw e; });
      }
    }
  }

  /** One stream: resume, send, take acknowledgements; resolves {done} or {err, committed}. */
  stream() {
    return new Promise((resolve) => {
      const call = this.session.ingestClient().Send(this.session.headers(SEND));
      let resumed = false, committed = false, settled = false, ended = false;
      let sent = this.acked; // last sequence number sent on this stream
      let outstanding = 0;
      const settle = (v) => { if (!settled) { settled = true; resolve(v); } };

      const pump = async () => {
        if (!resumed || ended || settled) return;
        while (outstanding < this.inFlight) {
          // (acknowledgements arrive while this awaits the source: where the next batch starts in pending moves)
          while (this.pending.length - (sent - this.acked) < this.batchSize && !this.exhausted && !settled) {
            const r = await this.source.next();
            if (r.done) {
              this.exhausted = true;
            } else if (this.skipping > 0) {
              this.skipping--;
              this.acked++;
              this.stats.acked++;
              sent = Math.max(sent, this.acked);
            } else {
              this.pending.push(r.value);
            }
          }
          if (settled) return;
          if (sent < this.acked) sent = this.acked;
          const next = sent + 1;
          const offset = next - (this.acked + 1);
          const batch = this.pending.slice(offset, offset + this.batchSize);
          if (batch.length === 0) break;
          outstanding++;
          sent = next + batch.length - 1;
          this.stats.sent += batch.length;
          if (!call.write(batchMessage(this.name, next, batch))) {
            await new Promise((r) => call.once('drain', r));
          }
        }
        if (this.exhausted && sent === this.acked + this.pending.length && outstanding === 0 && !ended) {
          ended = true;
          call.end(); // everything acknowledged: half-close, the gateway closes with OK
        }
      };
      let pumping = Promise.resolve();
      const schedule = () => { pumping = pumping.then(pump).catch((err) => { call.cancel(); settle({ err, committed }); }); };

      call.on('data', (ack) => {
        committed = true;
        const last = Number(ack.lastSeq);
        if (!resumed) {
          resumed = true; // the gateway holds everything up to last: send what comes after
          if (last > this.acked) {
            const drop = Math.min(last - this.acked, this.pending.length);
            this.pending.splice(0, drop);
            this.acked += drop;
            this.stats.acked += drop;
            if (drop > 0) this.gatewayAcks++;
          }
          // more than this run sent (a meter restarted on the same source): reading i of the source is sequence
          // number i, so the ones the gateway holds are skipped, not sent again under new numbers
          this.skipping = Math.max(0, last - this.acked);
          if (this.skipping > 0) {
            this.log(`meter ${this.name}: the gateway holds ${last} readings; skipping ${this.skipping} of the source`);
          }
          sent = this.acked;
          schedule();
          return;
        }
        outstanding--;
        for (const r of ack.rejected) {
          if (++this.stats.rejected <= 10) this.log(`meter ${this.name}: reading ${r.seq} refused (${r.reason}): ${r.message}`);
          this.stats.rejections.set(r.reason, (this.stats.rejections.get(r.reason) || 0) + 1);
        }
        if (last > this.acked) {
          this.gatewayAcks++;
          const n = Math.min(last - this.acked, this.pending.length);
          this.pending.splice(0, n);
          this.acked += n;
          this.stats.acked += n;
        }
        schedule();
      });
      call.on('status', (status) => {
        if (status.code === grpc.status.OK) {
          this.session.keep(status.metadata);
          if (ended) settle({ done: true });
          else settle({ err: Object.assign(new Error('the gateway closed the stream'), { code: grpc.status.UNAVAILABLE }), committed });
        }
      });
      call.on('error', (err) => settle({ err, committed }));
      call.write(batchMessage(this.name, this.acked + 1, [])); // where do I resume?
    });
  }
}

/** What the server asks to wait before trying again (grpc-retry-pushback-ms with a limit's refusal), or 0. */
function pushback(err) { // (null: none)
  const v = err && err.metadata ? err.metadata.get('grpc-retry-pushback-ms')[0] : undefined;
  const ms = Number(v);
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 60_000) : 0;
}

/** An error no retry mends: the data has ended, or the gateway refuses us for good. */
function final(err) {
  if (!err || err.code === undefined) return true; // a bug of ours, not the network's
  const code = err.code;
  if (code === grpc.status.FAILED_PRECONDITION && String(err.details || '').startsWith(DATA_ENDED)) return true;
  return [grpc.status.INVALID_ARGUMENT, grpc.status.PERMISSION_DENIED, grpc.status.UNAUTHENTICATED,
    grpc.status.UNIMPLEMENTED].includes(code);
}

function describe(err) {
  if (!err) return 'closed';
  const name = Object.keys(grpc.status).find((k) => grpc.status[k] === err.code) || err.code;
  return `${name}: ${err.details || err.message}`;
}
