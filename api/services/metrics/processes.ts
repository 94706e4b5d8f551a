import type { EntityManager } from '@mikro-orm/postgresql';

/** Each process, whether it is enabled and how it is triggered: what alerts on missing runs filter by. */
export async function processStates(
  em: EntityManager,
): Promise<{ process: string; triggerType: string; enabled: boolean }[]> {
  const rows = await em.execute<{ process: string; trigger_type: string; enabled: boolean }[]>(
    `SELECT p.name AS process, p.trigger_type::text AS trigger_type, p.is_enabled AS enabled
       FROM automated_processes p
      WHERE NOT EXISTS (SELECT 1 FROM automated_process_registrations r
                         WHERE r.process_id = p.process_id AND r.deleted_at IS NOT NULL)`,
  );
  return rows.map((row) => ({ process: row.process, triggerType: row.trigger_type, enabled: row.enabled }));
}
