/** The pure parts of /metrics: which closed rows are new, and histograms added to in bulk. */
import { Registry } from 'prom-client';
import { ClosedRowWindow } from '../../api/services/metrics/closed-rows';
import { histogramRegistry, ProcessHistogram } from '../../api/services/metrics/histograms';

const row = (id: string, closedAt: string) => ({ id, closedAt });

describe('ClosedRowWindow', () => {
  it('admits each row once while it is at or above the floor, and forgets those below', () => {
    const window = new ClosedRowWindow();
    expect(window.start).toBeUndefined();
    const t = (s: number) => `2026-12-02T00:00:${String(s).padStart(2, '0')}.000000Z`;
    expect(window.admit([row('a', t(5)), row('b', t(20))], t(10)).map((r) => r.id)).toEqual(['a', 'b']);
    expect(window.start).toBe(t(10));
    expect(window.remembered).toBe(1); // a is below the floor: no later read reaches it
    // Read again from the floor: b is known, c (closed before b but committed later) is new.
    expect(window.admit([row('b', t(20)), row('c', t(15))], t(30)).map((r) => r.id)).toEqual(['c']);
    expect(window.remembered).toBe(0);
  });

  it('never lowers the floor, so nothing forgotten is read again', () => {
    const window = new ClosedRowWindow();
    window.admit([], '2026-12-02T00:00:30.000000Z');
    window.admit([], '2026-12-02T00:00:10.000000Z');
    expect(window.start).toBe('2026-12-02T00:00:30.000000Z');
  });
});

describe('ProcessHistogram', () => {
  it("prints cumulative buckets, sum and count as prom-client's Histogram does", async () => {
    const bulk = new ProcessHistogram('x_seconds', 'help', [1, 5]);
    bulk.add('p', 0, 2, 1.5); // two values at most 1 s
    bulk.add('p', 2, 1, 9); // one above 5 s
    bulk.zero('q');
    const text = await Registry.merge([histogramRegistry([bulk])]).metrics();
    expect(text).toContain('# TYPE x_seconds histogram');
    for (const line of [
      'x_seconds_bucket{process="p",le="1"} 2',
      'x_seconds_bucket{process="p",le="5"} 2',
      'x_seconds_bucket{process="p",le="+Inf"} 3',
      'x_seconds_sum{process="p"} 10.5',
      'x_seconds_count{process="p"} 3',
      'x_seconds_bucket{process="q",le="+Inf"} 0',
      'x_seconds_count{process="q"} 0',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});
