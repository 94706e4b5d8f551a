/** The action pages' styles: confirmation forms, the schedule editor's fields and preview, notices. */
export const ACTIONS_CSS = `
ul.actions { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; list-style: none; padding-left: 0; }
.notice { padding: .75rem 1rem; border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 4px; background: #f6f8fa; max-width: 60rem; }
.field { display: grid; gap: .25rem; }
.field .error { font-weight: 600; }
input[aria-invalid="true"] { border: 2px solid var(--bad); }
#preview tr.flagged { background: #fff4e5; }
.dst-day { color: #8a4b00; }
.summary { font-size: 1.1rem; }
#would-change { font-size: 1.6rem; }
h1 { overflow-wrap: anywhere; }
code { font-size: .95em; background: #f6f8fa; padding: 0 .2em; border-radius: 3px; }
`;
