import { createHmac, createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'behflow_session';
/** A session lasts a working day; signing in again is one form. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * The key cookies are signed with. With API_TOKEN: derived from it, so sessions survive a restart and
 * end when the token changes. Without: random per process (only the CSRF cookie is signed then).
 */
export function cookieSecret(token: string | undefined): string {
  if (token === undefined) return randomBytes(32).toString('hex');
  return createHmac('sha256', token).update('behflow console cookie v1').digest('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The form's token against API_TOKEN, in constant time (both hashed, so lengths leak nothing). */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/** The session cookie's (unsigned) value: when it was issued, and an id to remember its sign-out by. */
export function newSessionValue(now: number, id: string = randomUUID()): string {
  return `v2.${now}.${id}`;
}

export interface LiveSession {
  readonly id: string;
  /** Epoch ms: when it expires (and a record of its sign-out may be forgotten). */
  readonly expiresAt: number;
}

/**
 * An unsigned session value this server issued and still within its lifetime, else null. Whether it
 * was signed out is the database's to say (SignOuts in api/ui/sign-outs.ts).
 */
export function liveSession(value: string | null, now: number): LiveSession | null {
  const match = /^v2\.(\d{13})\.([0-9a-f-]{36})$/.exec(value ?? '');
  if (!match) return null;
  const issued = Number(match[1]);
  const age = now - issued;
  return age >= 0 && age < SESSION_TTL_MS ? { id: match[2]!, expiresAt: issued + SESSION_TTL_MS } : null;
}
