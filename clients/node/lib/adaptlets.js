// The client halves of the built-in adaptlets this meter runs (docs/adaptlet-protocol.md §4-§7): the puzzle,
// HMAC signing, priority, compression; authz sends nothing. Their run order is the server's (§3.5).
import { createHash, createHmac, randomBytes } from 'node:crypto';

/** The server's run order of the built-in adaptlets (§3.5). */
export const RUN_ORDER = ['compress', 'puzzle', 'auth.hmac', 'auth.mtls', 'authz', 'priority'];
/** The adaptlets this client has a half of. */
export const IMPLEMENTED = new Set(['compress', 'puzzle', 'auth.hmac', 'authz', 'priority']);
/**
 * The one gzip level this client compresses at: grpc-js compresses a channel's messages with zlib's default
 * (level 6) and takes no level, so a configuration with another compress.level is refused (§7).
 */
export const GZIP_LEVEL = 6;

export const CHALLENGE_BYTES = 42;
const DOMAIN = Buffer.from('gridlet-auth-v1', 'ascii');

/** Leading zero bits of a buffer, from the most significant bit of its first byte. */
export function leadingZeroBits(b) {
  let n = 0;
  for (const byte of b) {
    if (byte === 0) { n += 8; continue; }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}

/** The challenge's difficulty (byte 1) and expiry (bytes 2..9, server ms); null if it is not a version 1 challenge. */
export function readChallenge(challenge) {
  if (!Buffer.isBuffer(challenge) || challenge.length !== CHALLENGE_BYTES || challenge[0] !== 1) return null;
  return { difficulty: challenge[1], expiry: Number(challenge.readBigInt64BE(2)) };
}

/**
 * A solution (§4): the 42 challenge bytes and a nonce (i64, counted up from 0) such that SHA-256 over all 50 bytes
 * starts with at least the challenge's difficulty zero bits. Refuses a challenge harder than maxDifficulty.
 */
export function solvePuzzle(challenge, maxDifficulty) {
  const c = readChallenge(challenge);
  if (!c) throw new Error('malformed puzzle challenge');
  if (c.difficulty > maxDifficulty) {
    throw new Error(`a puzzle of ${c.difficulty} bits, above the agreed ${maxDifficulty}`);
  }
  const solution = Buffer.alloc(CHALLENGE_BYTES + 8);
  challenge.copy(solution, 0);
  for (let nonce = 0n; ; nonce++) {
    solution.writeBigInt64BE(nonce, CHALLENGE_BYTES);
    if (leadingZeroBits(createHash('sha256').update(solution).digest()) >= c.difficulty) return solution;
  }
}

/**
 * The gridlet-auth-bin header (§5): length, id, timestamp, nonce, and HMAC-SHA256(secret, "gridlet-auth-v1" ||
 * header[0..25+L) || 0 || method || 0 || session id).
 */
export function signCall(id, secret, method, sessionId, now = Date.now()) {
  const idBytes = Buffer.from(id, 'utf8');
  if (idBytes.length < 1 || idBytes.length > 255) throw new Error('an id has 1..255 bytes of UTF-8');
  const head = Buffer.alloc(1 + idBytes.length + 8 + 16);
  head[0] = idBytes.length;
  idBytes.copy(head, 1);
  head.writeBigInt64BE(BigInt(now), 1 + idBytes.length);
  randomBytes(16).copy(head, 9 + idBytes.length);
  const mac = createHmac('sha256', secret).update(DOMAIN).update(head).update(Buffer.from([0]))
    .update(Buffer.from(method, 'utf8')).update(Buffer.from([0])).update(Buffer.from(sessionId, 'utf8')).digest();
  return Buffer.concat([head, mac]);
}

/** The gridlet-priority-bin header: the class asked for, i32. */
export function priorityHeader(level) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(level);
  return b;
}
