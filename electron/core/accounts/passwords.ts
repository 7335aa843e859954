/**
 * Password hashing with scrypt from node:crypto (no dependency). The callback API runs in libuv's
 * thread pool, so a sign-in never holds up the event loop that acknowledges webhooks. Stored as
 * "scrypt$<log2 N>$<r>$<p>$<salt>$<hash>" so the cost can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PASSWORD_TOO_SHORT } from '../../../shared/accounts.js';

/** N = 2^15, r = 8, p = 1: 32 MiB and 0.2-0.3 s of one core per hash on the 2-core test machine (BENCHMARKS.md). OWASP lists N = 2^15 with p = 3 as its equivalent at this memory (three times the time): raise p here where sign-ins may take a second. */
const COST = { log2N: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

export class PasswordPolicyError extends Error {
  override name = 'PasswordPolicyError';
}

/** Why a new password is refused, or null. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return PASSWORD_TOO_SHORT;
  if (password.length > MAX_PASSWORD_LENGTH) return `A password can be ${MAX_PASSWORD_LENGTH} characters at most.`;
  return null;
}

/**
 * Hashes at once: half the cores (one on a 2-core mini PC). Off the event loop is not enough: four
 * hashes at once in libuv's four threads took both cores from the writer thread, and acks waited
 * (BENCHMARKS.md, "Sign-ins"). Further sign-ins queue for a few hundred milliseconds instead.
 */
const MAX_PARALLEL = Math.max(1, Math.floor(availableParallelism() / 2));
let running = 0;
const waiting: Array<() => void> = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function derive(password: string, salt: Buffer, cost: typeof COST): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  // Twice what scrypt needs (128 * N * r bytes), so the default 32 MiB cap does not refuse it.
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r };
  return inTurn(() => new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)))));
}

export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new PasswordPolicyError(problem);
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.log2N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** A hash of nothing in particular: checked against when the name is unknown, so the answer takes as long. */
const DECOY = `scrypt$${COST.log2N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? DECOY).split('$');
  const [kind, log2N, r, p, salt, hash] = parts;
  if (parts.length !== 6 || kind !== 'scrypt' || password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(hash!, 'base64');
  const key = await derive(password, Buffer.from(salt!, 'base64'), { log2N: Number(log2N), r: Number(r), p: Number(p) });
  return stored !== null && expected.length === key.length && timingSafeEqual(key, expected);
}
