import type { ProcessView } from '../../api/schemas/process';
import { dstFlag, nextRunsCell, otherSchedulerCell } from '../../api/ui/pages/processes';

/** The processes page's cells, rendered without a server: DST flags and other schedulers' rows. */

function view(overrides: Partial<ProcessView>): ProcessView {
  return { next_runs: [], other_scheduler_runs: { count_7d: 0, last: null }, ...overrides } as ProcessView;
}

describe('next runs flag DST days', () => {
  test('a run on the day New York springs forward says so; the days around it do not', () => {
    const runs = ['2026-03-07T09:00:00-05:00', '2026-03-08T09:00:00-04:00', '2026-03-09T09:00:00-04:00'];
    const cell = nextRunsCell(view({ next_runs: runs }), 'America/New_York').value;
    const items = cell.split('<li>').slice(1);
    expect(items).toHaveLength(3);
    expect(items[0]).not.toContain('DST');
    expect(items[1]).toContain('DST day: UTC-05:00 → UTC-04:00');
    expect(items[2]).not.toContain('DST');
  });

  test('the flag follows the process zone, not UTC: London falls back on 2026-10-25', () => {
    expect(dstFlag('2026-10-25T03:30:00+00:00', 'Europe/London')?.value).toContain('UTC+01:00 → UTC+00:00');
    expect(dstFlag('2026-10-25T03:30:00+00:00', 'Asia/Tehran')).toBeNull();
  });
});

describe('runs by another scheduler', () => {
  test('none without such rows', () => {
    expect(otherSchedulerCell(view({}), 'UTC').value).toContain('none');
  });

  test('recent ones are counted and stand out; old ones only show when the last was', () => {
    const recent = otherSchedulerCell(
      view({ other_scheduler_runs: { count_7d: 3, last: '2026-12-01T08:00:00.000Z' } }),
      'UTC',
    );
    expect(recent.value).toContain('class="error">3 in the last 7 days');
    expect(recent.value).toContain('datetime="2026-12-01T08:00:00.000Z"');
    const old = otherSchedulerCell(
      view({ other_scheduler_runs: { count_7d: 0, last: '2026-01-01T08:00:00.000Z' } }),
      'UTC',
    );
    expect(old.value).toContain('none in 7 days');
    expect(old.value).not.toContain('class="error"');
  });
});
