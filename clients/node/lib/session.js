// A negotiated session (docs/adaptlet-protocol.md §2-§3): opens with our policy, verifies the configuration the
// server chose against it, and gives every woven call its headers; answers puzzle challenges and renegotiates.
import grpc from '@grpc/grpc-js';
import { gridlet } from './wire.js';
import { parsePolicy, policyDigest, violations, configDigest, canonical } from './policy.js';
import { RUN_ORDER, IMPLEMENTED, GZIP_LEVEL, solvePuzzle, readChallenge, signCall, priorityHeader } from './adaptlets.js';

/** The hardest puzzle this client solves to open a session under load (§2.6), as the Java client. */
export const MAX_OPEN_PUZZLE_BITS = 20;
/** Attempts per call in all (§3.4). */
export const MAX_ATTEMPTS = 4;

const first = (metadata, key) => {
  const v = metadata ? metadata.get(key) : [];
  return v.length > 0 ? v[v.length - 1] : undefined;
};

/** Whether a failed call carries a challenge or a renegotiation request (§3.2); and which. */
export function signalOf(err) {
  const md = err && err.metadata;
  if (first(md, 'gridlet-renegotiate') !== undefined) return 'renegotiate';
  if (first(md, 'gridlet-challenge') === 'puzzle' && Buffer.isBuffer(first(md, 'gridlet-puzzle-bin'))) return 'puzzle';
  return null;
}

export class Session {
  /**
   * @param {object} o address ('127.0.0.1:7070'), policyText, id and secret (Buffer) for auth.hmac, credentials
   *   (default insecure), log(line)
   */
  constructor({ address, policyText, id, secret, credentials = grpc.credentials.createInsecure(), log = () => {} }) {
    this.address = address;
    this.credentials = credentials;
    this.policyText = policyText;
    this.policy = parsePolicy(policyText);
    this.digest = policyDigest(policyText);
    this.id = id;
    this.secret = secret;
    this.log = log;
    this.ingest = new gridlet.ingest.v1.Ingest(address, credentials);
    const channelOverride = this.ingest.getChannel();
    this.sessions = new gridlet.session.v1.Session(address, credentials, { channelOverride });
    this.results = new gridlet.results.v1.Results(address, credentials, { channelOverride });
    this.sessionId = null;
    this.solution = null; // a solved challenge to send with the next call
    this.kept = null; // a challenge from an OK call's trailers, solved before the next call
  }

  close() {
    this.ingest.close();
    if (this.gzipped) this.gzipped.close();
  }

  /**
   * The Ingest client for this session's calls: with compress on, one whose channel sends gzip (grpc-js compresses
   * per channel, so compressed calls get a channel of their own).
   */
  ingestClient() {
    if (!this.compressed) return this.ingest;
    if (!this.gzipped) {
      this.gzipped = new gridlet.ingest.v1.Ingest(this.address, this.credentials,
        { 'grpc.default_compression_algorithm': 2 }); // 2: gzip
    }
    return this.gzipped;
  }

  /** Opens (or reopens) the session: the digest first when we opened before, the text when asked (§2.1). */
  async open() {
    let sendText = this.sessionId === null;
    let puzzle = null;
    for (let attempt = 1; ; attempt++) {
      const offer = { digest: this.digest };
      if (sendText) offer.policyText = this.policyText;
      const md = new grpc.Metadata();
      if (puzzle) md.set('gridlet-puzzle-solution-bin', puzzle);
      let reply;
      try {
        reply = await new Promise((resolve, reject) => this.sessions.Open(offer, md, { deadline: Date.now() + 30_000 },
          (err, r) => (err ? reject(err) : resolve(r))));
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && signalOf(err) === 'puzzle') {
          puzzle = solvePuzzle(first(err.metadata, 'gridlet-puzzle-bin'), MAX_OPEN_PUZZLE_BITS);
          this.log(`session: solved a ${puzzle[1]}-bit puzzle to open under load`);
          continue;
        }
        throw err;
      }
      if (reply.answer === 'needPolicy') {
        if (sendText || attempt >= MAX_ATTEMPTS) throw new Error('the server asked for the policy it was sent');
        sendText = true;
        continue;
      }
      if (reply.answer === 'refused') {
        throw new Error(`the server refused the policy (${reply.refused.reason}): ${reply.refused.details.join('; ')}`);
      }
      if (reply.answer !== 'agreed') throw new Error('a reply with no answer');
      this.agree(reply.agreed);
      return this;
    }
  }

  /** Takes an agreed configuration after checking it against our policy and our adaptlets (§2.5). */
  agree(agreed) {
    const configuration = new Map();
    for (const f of agreed.features) {
      if (configuration.has(f.name)) throw new Error(`feature ${f.name} twice in the configuration`);
      const params = new Map();
      for (const p of f.parameters) {
        const which = p.value;
        const type = { intValue: 'int', boolValue: 'bool', realValue: 'real', enumValue: 'enum' }[which];
        if (!type) throw new Error(`parameter ${p.name} of ${f.name} has no value`);
        params.set(p.name, { type, value: p[which] });
      }
      configuration.set(f.name, params);
    }
    const inputs = {};
    for (const i of agreed.inputs) inputs[i.name] = i.value;
    const wrong = violations(this.policy, configuration, inputs);
    for (const f of configuration.keys()) if (!IMPLEMENTED.has(f)) wrong.push(`no adaptlet for ${f} in this client`);
    const gzip = configuration.get('compress');
    if (gzip && gzip.get('level') && gzip.get('level').value !== GZIP_LEVEL) {
      wrong.push(`compress at level ${gzip.get('level').value}: this client compresses at level ${GZIP_LEVEL} only`);
    }
    if (wrong.length > 0) {
      throw new Error(`the server's configuration ${canonical(configuration)} breaks our policy: ${wrong.join('; ')}`);
    }
    if (!/^[0-9a-f]{32}$/.test(agreed.sessionId)) throw new Error('the server sent a malformed session id');
    const changed = this.sessionId !== null;
    this.sessionId = agreed.sessionId;
    this.configuration = configuration;
    this.configDigest = configDigest(configuration);
    this.adaptlets = RUN_ORDER.filter((f) => configuration.has(f)).join(',');
    this.difficulty = configuration.has('puzzle') ? configuration.get('puzzle').get('difficulty').value : 0;
    this.level = configuration.has('priority') ? configuration.get('priority').get('level').value : null;
    this.compressed = configuration.has('compress');
    this.solution = null;
    this.kept = null; // bound to the old session
    this.log(`session ${changed ? 're' : ''}opened: ${canonical(configuration)}`);
  }

  /** The headers of one attempt of a woven call to method (its full name without the slash), §3.1. */
  headers(method) {
    const md = new grpc.Metadata();
    md.set('gridlet-session', this.sessionId);
    md.set('gridlet-config', this.configDigest);
    if (this.adaptlets) md.set('gridlet-adaptlets', this.adaptlets);
    if (this.difficulty > 0) {
      if (!this.solution && this.kept) {
        const c = readChallenge(this.kept);
        if (c && c.difficulty <= this.difficulty && c.expiry > Date.now() + 100) {
          this.solution = solvePuzzle(this.kept, this.difficulty);
        }
        this.kept = null;
      }
      if (this.solution) md.set('gridlet-puzzle-solution-bin', this.solution);
      this.solution = null; // one call takes it
    }
    if (this.configuration.has('auth.hmac')) md.set('gridlet-auth-bin', signCall(this.id, this.secret, method, this.sessionId));
    if (this.level !== null) md.set('gridlet-priority-bin', priorityHeader(this.level));
    return md;
  }

  /**
   * After an attempt failed: answers a puzzle challenge or renegotiates, and says whether to try again (§3.4).
   * Only an attempt that got no response may be retried; the caller knows that.
   */
  async answer(err) {
    const signal = signalOf(err);
    if (signal === 'puzzle') {
      const challenge = first(err.metadata, 'gridlet-puzzle-bin');
      this.solution = solvePuzzle(challenge, this.difficulty);
      return true;
    }
    if (signal === 'renegotiate') {
      await this.open();
      return true;
    }
    return false;
  }

  /**
   * A unary woven call: the request, with this session's headers, retried on a challenge or a renegotiation as §3.4
   * says (a unary call never got a response when it failed).
   */
  async unary(client, name, request, method, timeoutMs = 30_000) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Promise((resolve, reject) => {
          const call = client[name](request, this.headers(method), { deadline: Date.now() + timeoutMs },
            (err, reply) => (err ? reject(err) : resolve(reply)));
          call.on('status', (status) => { if (status.code === grpc.status.OK) this.keep(status.metadata); });
        });
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && signalOf(err) && await this.answer(err)) continue;
        throw err;
      }
    }
  }

  /** Tells the service no more data will come (the caller must have the operator role). */
  endOfData() {
    return this.unary(this.ingestClient(), 'EndOfData', {}, 'gridlet.ingest.v1.Ingest/EndOfData');
  }

  /** Keeps the next challenge from an OK call's trailers (§4, "Next challenge"). */
  keep(trailers) {
    const c = first(trailers, 'gridlet-puzzle-bin');
    if (Buffer.isBuffer(c)) this.kept = c;
  }
}
