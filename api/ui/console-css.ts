import { ACTIONS_CSS } from './actions-css';
import { EXECUTION_CSS } from './execution-css';
import { PROCESS_CSS } from './process-css';

/** The console's base styles (kept in modules so they ship with the code, built or not). */
const BASE_CSS = `
/* The console's one stylesheet: plain, readable, at 1280 px and at phone width. */
:root { color-scheme: light; --fg: #1b1f24; --muted: #555e69; --line: #d0d7de; --accent: #0b57d0; --bad: #a50e0e; --ok: #146c2e; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: #fff; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; text-decoration: none; color: var(--fg); }
.top nav { flex: 1; }
.sign-out { margin: 0; }
main { padding: 1rem; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .5rem; border-bottom: 1px solid var(--line); }
th { background: #f6f8fa; }
th[scope="row"] { background: none; }
th[scope="row"] .muted { font-weight: normal; }
time { white-space: nowrap; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.muted { color: var(--muted); }
.state-paused, .outcome-failed { color: var(--bad); font-weight: 600; }
.state-enabled, .outcome-completed { color: var(--ok); font-weight: 600; }
.error { color: var(--bad); font-weight: 600; }
.dst { display: inline-block; margin-left: .25rem; padding: 0 .3rem; border: 1px solid #8a5a00; border-radius: 3px; color: #6b4500; font-size: .85em; }
.card { display: grid; gap: .5rem; max-width: 28rem; padding: 1rem; border: 1px solid var(--line); border-radius: 6px; }
input, textarea, button { font: inherit; padding: .4rem .6rem; }
button { cursor: pointer; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; }
.sign-out button { background: #fff; color: var(--accent); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
@media (max-width: 700px) {
  body { font-size: 15px; }
  main { padding: .5rem; }
  /* Each row of a table becomes a card; the header cell names each value (data-label). */
  table.stack thead { position: absolute; left: -10000px; }
  table.stack tr { display: block; border: 1px solid var(--line); border-radius: 6px; margin-bottom: .75rem; }
  table.stack th[scope="row"], table.stack td { display: block; border: 0; }
  table.stack td::before { content: attr(data-label) ": "; font-weight: 600; }
  dl.facts { grid-template-columns: 1fr; }
}
`;

/** The console's one stylesheet: the base, then each page's own rules (add a module, list it here). */
export const CONSOLE_CSS = [BASE_CSS, PROCESS_CSS, EXECUTION_CSS, ACTIONS_CSS].join('\n');
