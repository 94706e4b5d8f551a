import { badRequest } from './errors';

const MAX_DEPTH = 32;

/**
 * Refuses what JSON allows but PostgreSQL does not store (NUL characters) and nesting deep enough
 * to overflow a recursive walk later, naming where. Iterative, so the check itself cannot overflow.
 */
export function assertStorableBody(body: unknown): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: 'body', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw badRequest(path, 'must not contain NUL characters');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) throw badRequest(path, `nests deeper than ${MAX_DEPTH} levels`);
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000')) throw badRequest(path, 'must not have keys with NUL characters');
      stack.push({ value: child, path: Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth: depth + 1 });
    }
  }
}
