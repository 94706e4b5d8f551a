import {
  formatDuration,
  humanizeKey,
  jalaliText,
  lateness,
  offsetFrom,
  readableValue,
  resultEntries,
} from '../../api/ui/execution-format';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [12_449, '12.4 s'],
    [59_999, '59.9 s'],
    [60_000, '1 min'],
    [184_000, '3 min 4 s'],
    [3_600_000, '1 h'],
    [7_530_000, '2 h 5 min'],
    [97_200_000, '1 d 3 h'],
    [-5_000, '5.0 s'],
  ])('%d ms is "%s"', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('lateness', () => {
  it('says on time within a second, late or early beyond', () => {
    expect(lateness('2026-12-01T00:00:00Z', '2026-12-01T00:00:00.900Z')).toBe('on time');
    expect(lateness('2026-12-01T00:00:00Z', '2026-12-01T00:00:07Z')).toBe('7.0 s late');
    expect(lateness('2026-12-01T00:00:00Z', '2026-12-01T00:03:04Z')).toBe('3 min 4 s late');
    expect(lateness('2026-12-01T00:00:10Z', '2026-12-01T00:00:07Z')).toBe('3.0 s early');
  });
  it('is null when a time is unknown', () => {
    expect(lateness(null, '2026-12-01T00:00:07Z')).toBeNull();
    expect(lateness('2026-12-01T00:00:00Z', null)).toBeNull();
    expect(lateness('garbage', '2026-12-01T00:00:07Z')).toBeNull();
  });
});

test('offsetFrom places a batch after the start', () => {
  expect(offsetFrom('2026-12-01T00:00:00Z', '2026-12-01T00:00:01.250Z')).toBe('+1.2 s');
  expect(offsetFrom(null, '2026-12-01T00:00:01Z')).toBeNull();
});

test('humanizeKey and readableValue', () => {
  expect(humanizeKey('tasks_rescheduled')).toBe('Tasks rescheduled');
  expect(humanizeKey('success')).toBe('Success');
  expect(readableValue(true)).toBe('yes');
  expect(readableValue(false)).toBe('no');
  expect(readableValue(12345)).toBe('12,345');
  expect(readableValue(null)).toBe('none');
  expect(readableValue(['a'])).toBe('1 entry');
  expect(readableValue([1, 2])).toBe('2 entries');
  expect(readableValue({ a: 1 })).toBe('{"a":1}');
  expect(readableValue('2026-12-01')).toBe('2026-12-01');
});

test('resultEntries keeps the key order and points the task sample at the tasks table', () => {
  expect(resultEntries({ success: true, tasks_found: 3, task_details: [{}, {}], target_date: '2026-12-01' })).toEqual([
    { key: 'success', label: 'Success', value: 'yes' },
    { key: 'tasks_found', label: 'Tasks found', value: '3' },
    { key: 'task_details', label: 'Task details', value: '2 entries (a sample; every task is under Tasks moved)' },
    { key: 'target_date', label: 'Target date', value: '2026-12-01' },
  ]);
});

test('jalaliText puts a space between the date and the time', () => {
  expect(jalaliText('1405-09-10T09:00:00')).toBe('1405-09-10 09:00:00');
  expect(jalaliText('1405-09-10')).toBe('1405-09-10');
});
