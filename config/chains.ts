import { InvalidProcessConfigError, readObject, rejectUnknownKeys } from './process-config';

/**
 * Chains and requirements between processes (issue 12, item 4), stored beside the registration
 * (automated_process_registrations.chain_after / chain_requires), never in Behflow's process_config.
 */
export const CHAIN_ON = ['completed', 'failed', 'any'] as const;
export type ChainOn = (typeof CHAIN_ON)[number];

/** Run this process when a run of `process` ends this way. */
export interface ChainAfter {
  readonly process: string;
  readonly on: ChainOn;
}

/** A scheduled run waits until `process` has completed for the run's local day. */
export interface ChainRequirement {
  readonly process: string;
  readonly same_local_day: true;
}

function list(raw: unknown, field: string): unknown[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw new InvalidProcessConfigError(field, 'must be an array');
  if (raw.length > 20) throw new InvalidProcessConfigError(field, 'must have at most 20 entries');
  return raw;
}

function processName(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.length === 0) throw new InvalidProcessConfigError(field, 'must be a process name');
  return raw;
}

export function parseAfter(raw: unknown, field = 'after'): ChainAfter[] {
  const entries = list(raw, field).map((item, i) => {
    const at = `${field}[${i}]`;
    const entry = readObject(item, at);
    rejectUnknownKeys(entry, at, ['process', 'on']);
    const on = entry.on;
    if (typeof on !== 'string' || !(CHAIN_ON as readonly string[]).includes(on)) {
      throw new InvalidProcessConfigError(`${at}.on`, `must be one of: ${CHAIN_ON.join(', ')}`);
    }
    return { process: processName(entry.process, `${at}.process`), on: on as ChainOn };
  });
  rejectDuplicates(entries, field);
  return entries;
}

export function parseRequires(raw: unknown, field = 'requires'): ChainRequirement[] {
  const entries = list(raw, field).map((item, i) => {
    const at = `${field}[${i}]`;
    const entry = readObject(item, at);
    rejectUnknownKeys(entry, at, ['process', 'same_local_day']);
    if (entry.same_local_day !== true) {
      throw new InvalidProcessConfigError(`${at}.same_local_day`, 'must be true (the only kind of requirement)');
    }
    return { process: processName(entry.process, `${at}.process`), same_local_day: true as const };
  });
  rejectDuplicates(entries, field);
  return entries;
}

function rejectDuplicates(entries: readonly { readonly process: string }[], field: string): void {
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    if (seen.has(entry.process)) {
      throw new InvalidProcessConfigError(`${field}[${i}].process`, `names "${entry.process}" twice`);
    }
    seen.add(entry.process);
  });
}

/** The stored value, read leniently: anything else than a valid list (SQL's doing) counts as none. */
export function storedAfter(stored: unknown): ChainAfter[] {
  try {
    return parseAfter(stored);
  } catch {
    return [];
  }
}

export function storedRequires(stored: unknown): ChainRequirement[] {
  try {
    return parseRequires(stored);
  } catch {
    return [];
  }
}

/**
 * A cycle of `after` edges through `start`, as names from upstream to downstream ending where it
 * began (["a", "b", "a"]: a runs after b, which runs after a), or null. `upstreamsOf` gives each
 * process the ones it runs after.
 */
export function chainCycle(start: string, upstreamsOf: (name: string) => readonly string[]): string[] | null {
  const path: string[] = [start];
  const onPath = new Set<string>([start]);
  const done = new Set<string>();
  const visit = (name: string): string[] | null => {
    for (const upstream of upstreamsOf(name)) {
      if (upstream === start) return [...path, start].reverse();
      if (onPath.has(upstream) || done.has(upstream)) continue;
      path.push(upstream);
      onPath.add(upstream);
      const found = visit(upstream);
      if (found) return found;
      path.pop();
      onPath.delete(upstream);
      done.add(upstream);
    }
    return null;
  };
  return visit(start);
}
