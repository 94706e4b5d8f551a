/** The execution page's rules (listed in console-css.ts's CONSOLE_CSS). */
export const EXECUTION_CSS = `
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 1rem; border-left: 3px solid var(--line); }
ol.timeline li { position: relative; padding: .25rem 0 .25rem .75rem; }
ol.timeline li::before { content: ""; position: absolute; left: -1.45rem; top: .75rem; width: .7rem; height: .7rem; border-radius: 50%; background: var(--accent); }
ol.timeline .when { display: inline-block; min-width: 9.5rem; font-variant-numeric: tabular-nums; }
.status-line { font-size: 1.1rem; }
pre.error-message, pre.json { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
pre.error-message { color: var(--bad); }
.outcome-running, .outcome-pending { color: var(--accent); font-weight: 600; }
ul.links { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; list-style: none; margin: .5rem 0; padding: 0; }
nav.paging { display: flex; gap: 1.5rem; margin: .75rem 0; }
#tasks code, dl.facts code { overflow-wrap: anywhere; }
@media (max-width: 700px) {
  ol.timeline .when { display: block; min-width: 0; }
}
`;
