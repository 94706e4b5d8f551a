import { msNumberToTs, tsToMs } from '@temporalio/common/lib/time';
import { scheduleIdFor } from '../../temporal/ids';
import { firingTimesBetween, formatIsoWithOffset, localDateAt, nextFiringAfter, parseLocalDate } from '../../time';
import { addDays, formatLocalDate } from '../../time/local-date';
import { startOfDay } from '../../time/wall-time';
import { sql } from '../helpers/database';
import { startWorker, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, type TestApi } from './helpers';

/**
 * The firing rule kept on the real dev server, on the days that break a calendar spec in a zone:
 * what Temporal itself says the schedule fires (listScheduleMatchingTimes) and what a backfill
 * records, each over three local days around a transition, against the rule (time/firing-times.ts).
 */
interface DstCase {
  readonly zone: string;
  readonly hour: number;
  readonly minute: number;
  /** The transition's local date; the window is the day before to the day after. */
  readonly day: string;
  /** The rule's instant on that day. */
  readonly expected: string;
  readonly why: string;
  /** Temporal's schedule is not asked: the day lies before its calendar's horizon. */
  readonly backfillOnly?: boolean;
}

const PAST_CASES: readonly DstCase[] = [
  {
    zone: 'America/New_York',
    hour: 2,
    minute: 30,
    day: '2026-03-08',
    expected: '2026-03-08T07:30:00.000Z',
    why: 'gap: 03:30 EDT',
  },
  {
    zone: 'America/New_York',
    hour: 1,
    minute: 30,
    day: '2026-03-08',
    expected: '2026-03-08T06:30:00.000Z',
    why: 'before the gap: 01:30 EST',
  },
  {
    zone: 'America/New_York',
    hour: 2,
    minute: 30,
    day: '2026-11-01',
    expected: '2026-11-01T07:30:00.000Z',
    why: 'after the fold: 02:30 EST',
  },
  {
    zone: 'America/New_York',
    hour: 1,
    minute: 30,
    day: '2026-11-01',
    expected: '2026-11-01T05:30:00.000Z',
    why: 'fold: once, 01:30 EDT',
  },
  {
    zone: 'America/Santiago',
    hour: 0,
    minute: 5,
    day: '2026-09-06',
    expected: '2026-09-06T04:05:00.000Z',
    why: 'midnight gap: 01:05 -03',
  },
  {
    zone: 'Australia/Lord_Howe',
    hour: 2,
    minute: 15,
    day: '2026-10-04',
    expected: '2026-10-03T15:45:00.000Z',
    why: '30-minute gap: 02:45 +11',
  },
  {
    zone: 'Europe/Berlin',
    hour: 2,
    minute: 30,
    day: '2026-03-29',
    expected: '2026-03-29T01:30:00.000Z',
    why: 'gap: 03:30 CEST',
  },
  {
    zone: 'Europe/Berlin',
    hour: 1,
    minute: 30,
    day: '2026-10-25',
    expected: '2026-10-24T23:30:00.000Z',
    why: 'before the fold: once, CEST',
  },
  {
    zone: 'Europe/Berlin',
    hour: 2,
    minute: 58,
    day: '2026-10-25',
    expected: '2026-10-25T00:58:00.000Z',
    why: 'fold: the earlier, CEST',
  },
  {
    zone: 'America/Caracas',
    hour: 2,
    minute: 31,
    day: '2016-05-01',
    expected: '2016-05-01T07:01:00.000Z',
    why: 'half-hour gap: 03:01 -04',
    backfillOnly: true,
  },
];
/** Transitions to come: Temporal's answer for the days the schedule will fire. */
const FUTURE_CASES: readonly DstCase[] = [
  {
    zone: 'America/New_York',
    hour: 2,
    minute: 30,
    day: '2027-03-14',
    expected: '2027-03-14T07:30:00.000Z',
    why: 'gap: 03:30 EDT',
  },
  {
    zone: 'Australia/Lord_Howe',
    hour: 1,
    minute: 45,
    day: '2027-04-04',
    expected: '2027-04-03T14:45:00.000Z',
    why: '30-minute fold: the earlier, +11',
  },
];
const CASES = [...PAST_CASES, ...FUTURE_CASES];

const nameOf = (c: DstCase) =>
  `dst_${c.zone.split('/')[1]!.toLowerCase()}_${String(c.hour).padStart(2, '0')}${String(c.minute).padStart(2, '0')}_${c.day.replace(/-/g, '')}`;

/** From the start of the day before to the end of the day after, in the zone. */
function windowOf(c: DstCase): { start: number; end: number } {
  const day = parseLocalDate(c.day);
  return { start: startOfDay(c.zone, addDays(day, -1)), end: startOfDay(c.zone, addDays(day, 2)) - 1 };
}

function ruleTimes(c: DstCase): string[] {
  const { start, end } = windowOf(c);
  return firingTimesBetween(c.zone, c, start, end).map((t) => new Date(t).toISOString());
}

let api: TestApi;
let worker: RunningWorker;

beforeAll(async () => {
  api = await buildTestApi();
  worker = await startWorker(api.temporal, api.db.orm);
  for (const c of CASES) {
    const res = await api.app.inject({
      method: 'POST',
      url: '/processes',
      headers: AUTH,
      payload: {
        name: nameOf(c),
        implementation: 'reschedule_remaining_tasks',
        schedule: { hour: c.hour, minute: c.minute, timezone: c.zone },
        config: { user_ids: ['00000000-0000-4000-8000-0000000000d5'] }, // touches no task
      },
    });
    expect(res.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

it('has one instant per local day in each window, the expected one on the transition day', () => {
  for (const c of CASES) {
    const times = ruleTimes(c);
    const dates = times.map((t) => formatLocalDate(localDateAt(c.zone, Date.parse(t))));
    const day = parseLocalDate(c.day);
    expect({ case: nameOf(c), dates }).toEqual({
      case: nameOf(c),
      dates: [-1, 0, 1].map((n) => formatLocalDate(addDays(day, n))),
    });
    expect({ case: `${nameOf(c)} (${c.why})`, onTheDay: times[1] }).toEqual({
      case: `${nameOf(c)} (${c.why})`,
      onTheDay: c.expected,
    });
  }
});

describe("Temporal's own times for the schedule", () => {
  it.each(CASES.filter((c) => !c.backfillOnly).map((c) => [nameOf(c), c.why, c] as const))(
    '%s (%s): exactly the rule’s',
    async (name, _why, c) => {
      const { start, end } = windowOf(c);
      const response = await api.temporal.client.workflowService.listScheduleMatchingTimes({
        namespace: api.temporal.client.options.namespace,
        scheduleId: scheduleIdFor(name, api.config),
        startTime: msNumberToTs(start),
        endTime: msNumberToTs(end),
      });
      const temporalTimes = (response.startTime ?? []).map((t) => new Date(tsToMs(t)).toISOString());
      expect(temporalTimes).toEqual(ruleTimes(c));
    },
  );

  it('shows the rule’s next instants as next_runs', async () => {
    const c = FUTURE_CASES[0]!;
    const res = await api.app.inject({ method: 'GET', url: `/processes/${nameOf(c)}`, headers: AUTH });
    expect(res.statusCode).toBe(200);
    const expected: string[] = [];
    for (let t = Date.now(); expected.length < 5;) {
      t = nextFiringAfter(c.zone, c, t);
      expected.push(formatIsoWithOffset(c.zone, t));
    }
    expect(res.json().next_runs).toEqual(expected);
  });
});

interface Row {
  trigger: string | null;
  status: string;
  logical_time: string;
}

describe('a backfill over each window', () => {
  it("records exactly one run per local day, trigger 'backfill', at the rule's instant", async () => {
    // All at once: each process's runs go one after another, different processes side by side.
    const accepted = await Promise.all(
      PAST_CASES.map(async (c) => {
        const { start, end } = windowOf(c);
        const res = await api.app.inject({
          method: 'POST',
          url: `/processes/${nameOf(c)}/backfill`,
          headers: AUTH,
          payload: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
        });
        expect({ case: nameOf(c), status: res.statusCode }).toEqual({ case: nameOf(c), status: 202 });
        return { c, body: res.json() };
      }),
    );
    for (const { c, body } of accepted) {
      expect({ case: nameOf(c), count: body.count, times: body.times }).toEqual({
        case: nameOf(c),
        count: 3,
        times: ruleTimes(c).map((t) => formatIsoWithOffset(c.zone, Date.parse(t))),
      });
      const result = await api.temporal.client.workflow.getHandle(body.workflow_id).result();
      expect(result.times.map((t: { status: string }) => t.status)).toEqual(['completed', 'completed', 'completed']);

      const rows = await sql<Row>(
        api.db.orm,
        `SELECT e.trigger, e.status,
                to_char(e.logical_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS logical_time
           FROM automated_process_executions e JOIN automated_processes p USING (process_id)
          WHERE p.name = ? ORDER BY e.logical_time`,
        [nameOf(c)],
      );
      expect({ case: `${nameOf(c)} (${c.why})`, rows }).toEqual({
        case: `${nameOf(c)} (${c.why})`,
        rows: ruleTimes(c).map((t) => ({ trigger: 'backfill', status: 'completed', logical_time: t })),
      });
    }
  });
});

describe('a backfill time whose run is already running', () => {
  it('is reported in the backfill’s result, and the other times still run', async () => {
    const name = 'backfill_taken';
    const created = await api.app.inject({
      method: 'POST',
      url: '/processes',
      headers: AUTH,
      payload: {
        name,
        implementation: 'reschedule_remaining_tasks',
        schedule: { hour: 7, minute: 30, timezone: 'Asia/Tehran' },
        config: { user_ids: ['00000000-0000-4000-8000-0000000000d5'] },
      },
    });
    expect(created.statusCode).toBe(201);
    const start = Date.parse('2026-11-01T00:00:00+03:30');
    const end = Date.parse('2026-11-03T23:59:59+03:30');
    // Another backfill's run of the middle day, still waiting for a worker on a queue nobody polls.
    const taken = await api.temporal.client.workflow.start('rescheduleRemainingTasks', {
      taskQueue: `${api.temporal.taskQueue}-nobody`,
      workflowId: `${scheduleIdFor(name, api.config)}-backfill-2026-11-02T04:00:00Z`,
      args: [{ processName: name, trigger: 'backfill', logicalTime: '2026-11-02T04:00:00.000Z' }],
    });
    try {
      const res = await api.app.inject({
        method: 'POST',
        url: `/processes/${name}/backfill`,
        headers: AUTH,
        payload: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
      });
      expect(res.statusCode).toBe(202);
      const result = await api.temporal.client.workflow.getHandle(res.json().workflow_id).result();
      expect(result.times).toEqual([
        expect.objectContaining({ logicalTime: '2026-11-01T04:00:00.000Z', status: 'completed' }),
        {
          logicalTime: '2026-11-02T04:00:00.000Z',
          workflowId: taken.workflowId,
          status: 'not-started',
          reason: `workflow ${taken.workflowId} is already running`,
        },
        expect.objectContaining({ logicalTime: '2026-11-03T04:00:00.000Z', status: 'completed' }),
      ]);
    } finally {
      await taken.terminate();
    }
  });
});
