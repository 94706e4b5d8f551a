import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiError } from '../../errors';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** Keys are kept at least this long; older ones go when a new key is stored. */
export const KEY_RETENTION_HOURS = 24;
/**
 * A request still unanswered after this is taken to have died with its API process (a request
 * answers within its 5-minute outcome wait), and the next replay answers in its place.
 */
export const ABANDONED_AFTER_MS = 10 * MINUTE;
const POLL_MS = 100;

/** What a request answered: replays send it again as it is. */
export interface StoredAnswer<Body = unknown> {
  readonly statusCode: number;
  readonly body: Body;
}

export interface KeyScope {
  readonly processId: string;
  readonly key: string;
  /** How long a replay waits for a request with its key that is still in flight. */
  readonly waitMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Answers a keyed request once: the key is stored (per process) before `answer` runs, and what it
 * answered is stored with it, so a replay gets the same status and body whatever has happened
 * since. A replay meeting a request still in flight waits up to `waitMs` for its answer, then answers
 * 409 IDEMPOTENCY_KEY_IN_PROGRESS. When `answer` throws (a dependency down: a 5xx), nothing is
 * stored and the key is let go, so a retry tries again.
 */
export async function answerOnce<Answer extends StoredAnswer>(
  em: EntityManager,
  scope: KeyScope,
  answer: () => Promise<Answer>,
): Promise<Answer> {
  const giveUpAt = Date.now() + scope.waitMs;
  for (;;) {
    const claim = await claimKey(em, scope);
    // Stored by an earlier call with the same `answer`.
    if (claim.kind === 'answered') return claim.answer as Answer;
    if (claim.kind === 'claimed') return answerAndStore(em, scope, claim.token, answer);
    if (Date.now() >= giveUpAt || scope.signal?.aborted) throw inProgress(scope.key, claim.since);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function answerAndStore<Answer extends StoredAnswer>(
  em: EntityManager,
  scope: KeyScope,
  token: string,
  answer: () => Promise<Answer>,
): Promise<Answer> {
  let result: Answer;
  try {
    result = await answer();
  } catch (err) {
    await releaseKey(em, scope, token).catch(() => undefined);
    throw err;
  }
  await em.getConnection().execute(
    `UPDATE automated_process_idempotency_keys
        SET response_status = ?, response_body = ?::jsonb, answered_at = now()
      WHERE process_id = ? AND idempotency_key = ? AND claim = ?`,
    [result.statusCode, JSON.stringify(result.body), scope.processId, scope.key, token],
  );
  return result;
}

type Claim =
  | { readonly kind: 'claimed'; readonly token: string }
  | { readonly kind: 'answered'; readonly answer: StoredAnswer }
  | { readonly kind: 'in-flight'; readonly since: string };

interface KeyRow {
  claim: string;
  response_status: number | null;
  response_body: unknown;
  claimed_at: string;
}

/** Stores the key for this request, or finds the request that stored it (taking over an abandoned one). */
async function claimKey(em: EntityManager, scope: KeyScope): Promise<Claim> {
  const connection = em.getConnection();
  const token = randomUUID();
  const [row] = await connection.execute<(KeyRow & { inserted: boolean })[]>(
    `INSERT INTO automated_process_idempotency_keys AS k (process_id, idempotency_key, claim)
     VALUES (?, ?, ?)
     ON CONFLICT (process_id, idempotency_key) DO UPDATE SET claim = excluded.claim, claimed_at = now()
      WHERE k.response_status IS NULL AND k.claimed_at < now() - make_interval(secs => ?)
     RETURNING (xmax = 0) AS inserted`,
    [scope.processId, scope.key, token, ABANDONED_AFTER_MS / SECOND],
  );
  if (row) {
    if (row.inserted) await purgeExpired(em);
    return { kind: 'claimed', token };
  }
  const [stored] = await connection.execute<KeyRow[]>(
    `SELECT claim, response_status, response_body,
            to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS claimed_at
       FROM automated_process_idempotency_keys WHERE process_id = ? AND idempotency_key = ?`,
    [scope.processId, scope.key],
  );
  // Gone since the INSERT (its request failed and let it go): the next claim may get it.
  if (!stored) return { kind: 'in-flight', since: new Date().toISOString() };
  if (stored.response_status === null) return { kind: 'in-flight', since: stored.claimed_at };
  return { kind: 'answered', answer: { statusCode: stored.response_status, body: stored.response_body } };
}

async function releaseKey(em: EntityManager, scope: KeyScope, token: string): Promise<void> {
  await em
    .getConnection()
    .execute(
      `DELETE FROM automated_process_idempotency_keys WHERE process_id = ? AND idempotency_key = ? AND claim = ?`,
      [scope.processId, scope.key, token],
    );
}

async function purgeExpired(em: EntityManager): Promise<void> {
  await em
    .getConnection()
    .execute(`DELETE FROM automated_process_idempotency_keys WHERE created_at < now() - make_interval(hours => ?)`, [
      KEY_RETENTION_HOURS,
    ]);
}

function inProgress(key: string, since: string): ApiError {
  return new ApiError(
    409,
    'IDEMPOTENCY_KEY_IN_PROGRESS',
    `a request with Idempotency-Key "${key}" for this process, received at ${since}, has not been answered yet; ` +
      'retry in a few seconds to get its answer',
  );
}
