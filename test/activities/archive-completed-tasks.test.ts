import { MockActivityEnvironment } from '@temporalio/testing';
import { ARCHIVED_TAG, createArchiveActivities } from '../../activities/archive-completed-tasks';
import type { ProcessResult, RunContext } from '../../activities/run-types';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { arrangeRun, insertTask } from '../helpers/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await sql(db.orm, 'TRUNCATE tasks');
});

// 30 days before 2025-12-18 in Tehran: completed before 2025-11-17T20:30:00Z is old enough.
const TEHRAN_RUN = {
  timezone: 'Asia/Tehran',
  day: '2025-12-18',
  logicalTime: '2025-12-18T00:00:00.000Z',
  config: { older_than_days: 30 },
};

async function runActivity(
  run: RunContext,
  batchSize: number,
  env = new MockActivityEnvironment(),
): Promise<ProcessResult> {
  return env.run(createArchiveActivities({ orm: db.orm, batchSize }).archiveCompletedTasks, run);
}

async function tagged(): Promise<{ task_id: string; tags: string[] | null }[]> {
  return sql(db.orm, 'SELECT task_id, tags FROM tasks ORDER BY task_id');
}

async function insertOldCompleted(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(
      await insertTask(db.orm, {
        due: '2025-10-01T05:00:00Z',
        status: 'completed',
        completedAt: `2025-10-${String(i + 1).padStart(2, '0')}T05:00:00Z`,
      }),
    );
  }
  return ids;
}

describe('archiveCompletedTasks', () => {
  it('tags only tasks completed before the cutoff day in the process zone, keeping their other tags', async () => {
    const old = await insertTask(db.orm, {
      due: null,
      status: 'completed',
      completedAt: '2025-11-17T20:29:59Z',
      tags: ['work'],
    });
    const recent = await insertTask(db.orm, { due: null, status: 'completed', completedAt: '2025-11-17T20:30:00Z' });
    const pending = await insertTask(db.orm, { due: '2025-10-01T05:00:00Z', status: 'pending' });

    const result = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN), 1000);

    expect(result).toMatchObject({ success: true, tasks_archived: 1, cutoff: '2025-11-18T00:00:00+03:30' });
    const byId = new Map((await tagged()).map((t) => [t.task_id, t.tags]));
    expect(byId.get(old)).toEqual(['work', ARCHIVED_TAG]);
    expect(byId.get(recent)).toBeNull();
    expect(byId.get(pending)).toBeNull();
  });

  it('counts every task it tagged when a retry starts without the heartbeat of the attempt that died', async () => {
    await insertOldCompleted(7);
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const dying = new MockActivityEnvironment();
    dying.on('heartbeat', () => {
      throw new Error('worker killed after its first batch committed');
    });
    await expect(runActivity(run, 3, dying)).rejects.toThrow('worker killed');
    expect((await tagged()).filter((t) => t.tags?.includes(ARCHIVED_TAG))).toHaveLength(3);

    const retried = await runActivity(run, 3, new MockActivityEnvironment({ attempt: 2 }));

    expect(retried).toMatchObject({ tasks_archived: 7 });
    expect((await tagged()).every((t) => t.tags?.filter((tag) => tag === ARCHIVED_TAG).length === 1)).toBe(true);
    const [audit] = await sql<{ n: string }>(
      db.orm,
      'SELECT count(*) AS n FROM automated_process_task_archives WHERE execution_id = ?',
      [run.executionId],
    );
    expect(audit).toEqual({ n: '7' });
  });

  it('audits a task again when a user untags it and a retried attempt tags it again, both counted', async () => {
    const [task] = await insertOldCompleted(1);
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    await expect(runActivity(run, 3)).resolves.toMatchObject({ tasks_archived: 1 });
    await sql(db.orm, `UPDATE tasks SET tags = '{}' WHERE task_id = ?`, [task]);

    const retried = await runActivity(run, 3, new MockActivityEnvironment({ attempt: 2 }));

    expect(retried).toMatchObject({ tasks_archived: 2 });
    expect((await tagged()).map((t) => t.tags)).toEqual([[ARCHIVED_TAG]]);
    const audit = await sql(db.orm, 'SELECT task_id FROM automated_process_task_archives WHERE execution_id = ?', [
      run.executionId,
    ]);
    expect(audit).toEqual([{ task_id: task }, { task_id: task }]);
    // A third attempt finds nothing left to tag and adds nothing.
    const third = await runActivity(run, 3, new MockActivityEnvironment({ attempt: 3 }));
    expect(third).toMatchObject({ tasks_archived: 2 });
  });

  it('never tags a task twice across runs', async () => {
    await insertOldCompleted(5);
    const first = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN), 2);
    const second = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN), 2);

    expect([first.tasks_archived, second.tasks_archived]).toEqual([5, 0]);
    expect((await tagged()).map((t) => t.tags)).toEqual(Array.from({ length: 5 }, () => [ARCHIVED_TAG]));
  });
});
