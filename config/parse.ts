import fs from 'node:fs';
import { ConfigError } from './errors';

export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function optionalString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function stringWithDefault(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function booleanWithDefault(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false') throw new ConfigError(name, 'must be true or false', value);
  return value === 'true';
}

export function integerInRange(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}`, value);
  }
  return Number(value);
}

/**
 * The zone's name as given when Intl knows it, else undefined. Not ICU's canonical name, which is
 * often a legacy alias (Asia/Kolkata is "Asia/Calcutta", Europe/Kyiv "Europe/Kiev"): only the
 * letters' case is corrected when the name is that one's (asia/tehran is Asia/Tehran), since
 * Temporal looks zones up by exact name.
 */
export function knownTimeZone(zone: string): string | undefined {
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  return canonical.toLowerCase() === zone.toLowerCase() ? canonical : zone;
}

export function timeZone(env: Env, name: string, fallback: string): string {
  const value = raw(env, name) ?? fallback;
  const known = knownTimeZone(value);
  if (known === undefined) {
    throw new ConfigError(name, 'must be an IANA time zone such as "Asia/Tehran" or "UTC"', value);
  }
  return known;
}

export function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')}`);
  }
  return value;
}

/** host:port, as Temporal clients take it. */
export function hostPort(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const match = /^([A-Za-z0-9.\-_]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new ConfigError(name, 'must be host:port, for example "127.0.0.1:7233"', value);
  }
  return value;
}

/** A secret: checked for length, never echoed in an error. */
export function secret(env: Env, name: string, minLength: number): string | undefined {
  const value = raw(env, name);
  if (value !== undefined && value.length < minLength) {
    throw new ConfigError(name, `must be at least ${minLength} characters long`);
  }
  return value;
}

/**
 * A path to a file this process can read, checked now: a certificate that is missing or unreadable
 * stops startup naming its variable, not later as a TLS handshake error from deep in gRPC.
 */
export function readableFile(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  try {
    fs.accessSync(value, fs.constants.R_OK);
    if (!fs.statSync(value).isFile()) throw new Error('not a file');
  } catch {
    throw new ConfigError(name, 'must be the path of a readable file', value);
  }
  return value;
}
