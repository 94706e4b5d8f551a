/** The process page's styles: the history filters, paging links and the daily charts (SVG classes). */
export const PROCESS_CSS = `
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; margin: 0 0 1rem; }
form.filters > div { display: grid; gap: .25rem; }
form.filters select, form.filters input { font: inherit; padding: .35rem .5rem; }
select:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
form.filters > div.filter-buttons { display: flex; gap: 1rem; align-items: center; }
nav.paging { display: flex; gap: 1.5rem; margin: .75rem 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
figure.chart { margin: 0; }
figure.chart figcaption { color: var(--muted); font-size: .9rem; }
svg.chart-svg { display: block; width: 100%; height: auto; max-height: 16rem; }
.chart-axis { stroke: var(--muted); stroke-width: .5; }
.chart-label { font-size: 7px; fill: var(--muted); }
.chart-bar-moved { fill: var(--accent); }
.chart-bar-duration { fill: #6f42c1; }
details.chart-data { margin: .75rem 0; }
details.chart-data summary { cursor: pointer; color: var(--accent); }
h3 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
`;
