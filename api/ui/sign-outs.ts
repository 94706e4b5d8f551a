import type { Orm } from '../../db/orm';
import type { LiveSession } from './session';

/**
 * The sessions signed out before they expired (automated_process_console_sign_outs): a session is a
 * signed cookie, so without this a copy of it would stay valid after sign-out until it expired.
 */
export interface SignOuts {
  isSignedOut(session: LiveSession): Promise<boolean>;
  /** Remembers the sign-out until the session would have expired; forgets the ones past that. */
  signOut(session: LiveSession): Promise<void>;
}

export function signOuts(orm: Orm): SignOuts {
  const connection = () => orm.em.getConnection();
  return {
    async isSignedOut(session) {
      const rows = await connection().execute<{ n: number }[]>(
        `SELECT 1 AS n FROM automated_process_console_sign_outs WHERE session_id = ?`,
        [session.id],
      );
      return rows.length > 0;
    },
    async signOut(session) {
      await connection().execute(
        `WITH forgotten AS (DELETE FROM automated_process_console_sign_outs WHERE expires_at < now())
         INSERT INTO automated_process_console_sign_outs (session_id, expires_at)
         VALUES (?, to_timestamp(? / 1000.0)) ON CONFLICT (session_id) DO NOTHING`,
        [session.id, session.expiresAt],
      );
    },
  };
}
