import type { DailyStat, DailyStats, StatsWindow } from '../../services/runs/daily-stats';
import { STATS_WINDOWS } from '../../services/runs/daily-stats';
import { html, type SafeHtml } from '../html';

/** The chart's drawing units (the SVG scales to its box; CSS sets the box, never an inline style). */
const SLOT = 10;
const BAR = 7;
const PLOT_HEIGHT = 100;
const LEFT = 46;
const TOP = 8;
const BOTTOM = 22;

interface Series {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly value: (stat: DailyStat) => number | null;
  readonly format: (value: number) => string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const SERIES: readonly Series[] = [
  { id: 'moved', title: 'Tasks moved per day', unit: 'tasks', value: (s) => s.moved, format: (v) => `${v}` },
  {
    id: 'duration',
    title: 'Average run duration per day',
    unit: 'seconds',
    value: (s) => s.avgDurationMs,
    format: seconds,
  },
];

function barChart(series: Series, data: DailyStats): SafeHtml {
  const width = LEFT + data.days.length * SLOT;
  const height = TOP + PLOT_HEIGHT + BOTTOM;
  const points = data.stats
    .map((stat) => ({ stat, value: series.value(stat) }))
    .filter((p): p is { stat: DailyStat; value: number } => p.value !== null);
  const max = Math.max(0, ...points.map((p) => p.value));
  const scale = max === 0 ? 0 : PLOT_HEIGHT / max;
  const index = new Map(data.days.map((day, i) => [day, i]));
  const titleId = `chart-${series.id}-title`;
  const descId = `chart-${series.id}-desc`;
  const busiest = points.reduce<(typeof points)[number] | undefined>(
    (a, p) => (a && a.value >= p.value ? a : p),
    undefined,
  );
  const desc =
    points.length === 0
      ? `No runs in the last ${data.days.length} days.`
      : `Bars for the ${points.length} days with runs, from ${data.days[0]} to ${data.days.at(-1)} (${data.zone}); ` +
        `highest ${series.format(busiest!.value)} on ${busiest!.stat.day}. The table below has every value.`;
  const baseline = TOP + PLOT_HEIGHT;
  return html`<figure class="chart">
    <svg
      class="chart-svg"
      viewBox="0 0 ${width} ${height}"
      role="img"
      aria-labelledby="${titleId} ${descId}"
      data-series="${series.id}"
    >
      <title id="${titleId}">${series.title}, last ${data.days.length} days</title>
      <desc id="${descId}">${desc}</desc>
      <line class="chart-axis" x1="${LEFT}" y1="${baseline}" x2="${width}" y2="${baseline}" />
      <line class="chart-axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${baseline}" />
      <text class="chart-label" x="${LEFT - 4}" y="${TOP + 4}" text-anchor="end">${series.format(max)}</text>
      <text class="chart-label" x="${LEFT - 4}" y="${baseline}" text-anchor="end">0</text>
      <text class="chart-label" x="${LEFT}" y="${height - 4}" text-anchor="start">${data.days[0]}</text>
      <text class="chart-label" x="${width}" y="${height - 4}" text-anchor="end">${data.days.at(-1)}</text>
      ${points.map(({ stat, value }) => {
        // A day with runs keeps a sliver of a bar even at 0, so it reads as "ran, moved none".
        const barHeight = Math.max(value * scale, 1);
        const x = LEFT + (index.get(stat.day) ?? 0) * SLOT + (SLOT - BAR) / 2;
        return html`<rect
          class="chart-bar chart-bar-${series.id}"
          data-day="${stat.day}"
          x="${x}"
          y="${(baseline - barHeight).toFixed(2)}"
          width="${BAR}"
          height="${barHeight.toFixed(2)}"
          ><title>${stat.day}: ${series.format(value)}</title></rect
        >`;
      })}
    </svg>
    <figcaption>${series.title} (${series.unit}), ${data.zone} days.</figcaption>
  </figure>`;
}

function dataTable(data: DailyStats): SafeHtml {
  return html`<details class="chart-data">
    <summary>The charts' data as a table</summary>
    <div class="table-wrap">
      <table class="stack" id="daily-stats">
        <caption>
          Runs per day in ${data.zone}, last ${data.days.length} days; days without runs are left out.
        </caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Runs</th>
            <th scope="col">Failed</th>
            <th scope="col">Tasks moved</th>
            <th scope="col">Average duration</th>
            <th scope="col">Longest</th>
          </tr>
        </thead>
        <tbody>
          ${
            data.stats.length
              ? data.stats.map(
                  (s) =>
                    html`<tr>
                      <th scope="row">${s.day}</th>
                      <td data-label="Runs">${s.runs}</td>
                      <td data-label="Failed">${s.failed}</td>
                      <td data-label="Tasks moved">${s.moved}</td>
                      <td data-label="Average duration">${s.avgDurationMs === null ? '' : seconds(s.avgDurationMs)}</td>
                      <td data-label="Longest">${s.maxDurationMs === null ? '' : seconds(s.maxDurationMs)}</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="6">No runs in these days.</td>
                </tr>`
          }
        </tbody>
      </table>
    </div>
  </details>`;
}

/** The last 30 or 90 days: tasks moved and run duration per local day, as SVG, with a table alternative. */
export function statsSection(data: DailyStats, windowUrl: (days: StatsWindow) => string): SafeHtml {
  return html`<h2 id="daily">Last ${data.days.length} days</h2>
    <p class="chart-windows">
      Show:
      ${STATS_WINDOWS.map((days) =>
        days === data.days.length
          ? html`<strong aria-current="true">${days} days</strong> `
          : html`<a href="${windowUrl(days)}#daily">${days} days</a> `,
      )}
    </p>
    <div class="charts">${SERIES.map((series) => barChart(series, data))}</div>
    ${dataTable(data)}`;
}
