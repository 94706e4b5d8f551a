import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createArchiveActivities } from '../../activities/archive-completed-tasks';
import { recordNominal } from '../../activities/day-ledger';
import { createRescheduleActivities } from '../../activities/reschedule-remaining-tasks';
import type { RunContext } from '../../activities/run-types';
import { migrate } from '../../db/orm';
import { BEHFLOW_FLAVOURS, BEHFLOW_ROWS, behflowSchema } from '../helpers/behflow-databases';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { arrangeRun, insertTask, USER_A } from '../helpers/fixtures';

/** Every foreign key into Behflow's tables, whoever's table it is on, with its delete rule. */
async function foreignKeysIntoBehflow(db: TestDatabase) {
  return sql<{ table: string; conname: string; references: string; on_delete: string }>(
    db.orm,
    `SELECT conrelid::regclass::text AS table, conname, confrelid::regclass::text AS references,
            CASE confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'a' THEN 'NO ACTION'
                             WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS on_delete
       FROM pg_constraint
      WHERE contype = 'f'
        AND confrelid::regclass::text IN ('users', 'tasks', 'automated_processes', 'automated_process_executions')
      ORDER BY 1, 2`,
  );
}

interface AuditedRuns {
  readonly reschedule: RunContext;
  readonly archive: RunContext;
  readonly audit: { readonly moves: number; readonly archives: number };
}

/**
 * Two runs as this service leaves them: a reschedule that moved a task (moves audit), an archive that
 * tagged one (archives audit), each with its day-ledger row, registration and Idempotency-Key.
 */
async function auditedRuns(db: TestDatabase, startedDaysAgo: number): Promise<AuditedRuns> {
  const day = { timezone: 'Asia/Tehran', day: '2025-12-18', logicalTime: '2025-12-18T04:00:00.000Z' };
  await insertTask(db.orm, { due: '2025-12-15T05:45:00Z' });
  await insertTask(db.orm, { due: null, status: 'completed', completedAt: '2025-10-01T05:00:00Z' });
  const reschedule = await arrangeRun(db.orm, day);
  const archive = await arrangeRun(db.orm, { ...day, config: { older_than_days: 30 } });
  const env = new MockActivityEnvironment();
  await env.run(createRescheduleActivities({ orm: db.orm, batchSize: 100 }).rescheduleOverdueTasks, reschedule);
  await env.run(createArchiveActivities({ orm: db.orm, batchSize: 100 }).archiveCompletedTasks, archive);
  for (const run of [reschedule, archive]) {
    await recordNominal(db.orm, {
      processId: run.processId,
      nominalTime: day.logicalTime,
      localDate: day.day,
      trigger: 'schedule',
      outcome: 'skipped',
      executionId: run.executionId,
      reason: 'test',
      workflowId: `test-${run.executionId}`,
    });
    await sql(
      db.orm,
      `INSERT INTO automated_process_registrations (process_id, implementation, display_name) VALUES (?, ?, ?)`,
      [run.processId, run.processName, run.processName],
    );
    await sql(
      db.orm,
      `INSERT INTO automated_process_idempotency_keys (process_id, idempotency_key, claim) VALUES (?, ?, ?)`,
      [run.processId, `key-${run.executionId}`, randomUUID()],
    );
    await sql(
      db.orm,
      `UPDATE automated_process_executions SET status = 'completed', completed_at = now(),
              started_at = now() - make_interval(days => ?) WHERE execution_id = ?`,
      [startedDaysAgo, run.executionId],
    );
  }
  const [audit] = await sql<{ moves: number; archives: number }>(
    db.orm,
    `SELECT (SELECT count(*)::int FROM automated_process_task_moves WHERE execution_id = ?) AS moves,
            (SELECT count(*)::int FROM automated_process_task_archives WHERE execution_id = ?) AS archives`,
    [reschedule.executionId, archive.executionId],
  );
  // Behflow's own overdue task (on its database) is moved by the first run too.
  expect(audit?.moves).toBeGreaterThanOrEqual(1);
  expect(audit?.archives).toBeGreaterThanOrEqual(1);
  return { reschedule, archive, audit: audit ?? { moves: 0, archives: 0 } };
}

async function remaining(db: TestDatabase, runs: AuditedRuns) {
  const ids = [runs.reschedule.executionId, runs.archive.executionId];
  const processIds = [runs.reschedule.processId, runs.archive.processId];
  const [row] = await sql(
    db.orm,
    `SELECT (SELECT count(*)::int FROM automated_process_executions WHERE execution_id = ANY(?::uuid[])) AS executions,
            (SELECT count(*)::int FROM automated_process_task_moves WHERE execution_id = ANY(?::uuid[])) AS moves,
            (SELECT count(*)::int FROM automated_process_task_archives WHERE execution_id = ANY(?::uuid[])) AS archives,
            (SELECT count(*)::int FROM automated_processes WHERE process_id = ANY(?::uuid[])) AS processes`,
    [`{${ids.join(',')}}`, `{${ids.join(',')}}`, `{${ids.join(',')}}`, `{${processIds.join(',')}}`],
  );
  return row;
}

/** Behflow's own delete paths, as its Python code and an operator's SQL issue them. */
function behflowDeletes(flavour: () => TestDatabase) {
  it('deleting a process row (DELETE FROM automated_processes …) takes its executions and their audit', async () => {
    const db = flavour();
    const runs = await auditedRuns(db, 1);
    await sql(db.orm, 'DELETE FROM automated_processes WHERE name = ?', [runs.reschedule.processName]);
    // SQLAlchemy's db.delete(process) with delete-orphan: the process's executions one by one, then the row.
    await sql(db.orm, 'DELETE FROM automated_process_executions WHERE execution_id = ?', [runs.archive.executionId]);
    await sql(db.orm, 'DELETE FROM automated_processes WHERE automated_processes.process_id = ?', [
      runs.archive.processId,
    ]);
    expect(await remaining(db, runs)).toEqual({ executions: 0, moves: 0, archives: 0, processes: 0 });
  });

  it("pruning executions older than N days leaves the processes and the newer runs' audit", async () => {
    const db = flavour();
    const old = await auditedRuns(db, 40);
    const recent = await auditedRuns(db, 1);
    await sql(db.orm, "DELETE FROM automated_process_executions WHERE started_at < now() - interval '30 days'");
    expect(await remaining(db, old)).toEqual({ executions: 0, moves: 0, archives: 0, processes: 2 });
    expect(await remaining(db, recent)).toEqual({ executions: 2, ...recent.audit, processes: 2 });
  });
}

describe.each(BEHFLOW_FLAVOURS)(
  "Behflow's deletes on a Behflow database built by %s, after our migrations and audited runs",
  (flavour) => {
    let db: TestDatabase;
    let fksBefore: Awaited<ReturnType<typeof foreignKeysIntoBehflow>>;
    beforeAll(async () => {
      db = await createTestDatabase({ empty: true });
      await sql(db.orm, behflowSchema(flavour));
      await sql(db.orm, BEHFLOW_ROWS);
      fksBefore = await foreignKeysIntoBehflow(db);
      await migrate(db.orm);
    });
    afterAll(async () => {
      await db.drop();
    });

    it("keep Behflow's foreign keys exactly as they were; ours all cascade", async () => {
      const after = await foreignKeysIntoBehflow(db);
      const behflowTables = new Set(['tasks', 'automated_process_executions']);
      expect(after.filter((fk) => behflowTables.has(fk.table))).toEqual(fksBefore);
      expect(after.filter((fk) => !behflowTables.has(fk.table) && fk.on_delete !== 'CASCADE')).toEqual([]);
    });

    behflowDeletes(() => db);

    it('deleting a user takes their tasks, though runs moved and tagged them', async () => {
      await auditedRuns(db, 1);
      await sql(db.orm, 'DELETE FROM users WHERE user_id = ?', [USER_A]);
      expect(await sql(db.orm, 'SELECT count(*)::int AS n FROM tasks')).toEqual([{ n: 0 }]);
    });
  },
);

describe("Behflow's deletes on a database our migrations created, after audited runs", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await migrate(db.orm);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('make every foreign key into Behflow-shaped tables cascade, as Behflow creates them', async () => {
    const fks = await foreignKeysIntoBehflow(db);
    expect(fks.length).toBeGreaterThan(0);
    expect(fks.filter((fk) => fk.on_delete !== 'CASCADE')).toEqual([]);
  });

  behflowDeletes(() => db);

  it("deleting a user's tasks (what Behflow's users cascade does) is not blocked by the audit", async () => {
    await auditedRuns(db, 1);
    await sql(db.orm, 'DELETE FROM tasks WHERE user_id = ?', [USER_A]);
    expect(await sql(db.orm, 'SELECT count(*)::int AS n FROM tasks')).toEqual([{ n: 0 }]);
  });
});
