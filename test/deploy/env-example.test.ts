import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, processScheduleVariables } from '../../config';
import { PROCESS_REGISTRY } from '../../processes/registry';
import type { Env } from '../../config/parse';
import { API_VARIABLES, ROOT, variablesReadByConfig } from './config-variables';

/* .env.example is the documentation of every setting: these tests keep it in step with config/index.ts. */

/** Paths of PEM files, which must exist when set, the certificate with its key. */
const TLS_FILES = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'];

/** Read by docker-compose.yml only, for its own postgresql service. */
const COMPOSE_VARIABLES = ['POSTGRES_PASSWORD'];

interface Entry {
  readonly name: string;
  readonly value: string;
  /** `# NAME=value`: unset by default, the value is an example. */
  readonly commented: boolean;
  /** The line just above. */
  readonly comment: string;
}

const lines = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').split('\n');
const entries: Entry[] = lines.flatMap((line, index) => {
  const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  if (!match) return [];
  return [{ name: match[2]!, value: match[3]!, commented: match[1] !== undefined, comment: lines[index - 1] ?? '' }];
});
/** What config/ reads by itself, and the seed's own schedule settings (declared by the reschedule entry). */
const SEED_SCHEDULE_VARIABLES = ['RESCHEDULE_HOUR', 'RESCHEDULE_MINUTE'];
const configVariables = new Set([...variablesReadByConfig(), ...SEED_SCHEDULE_VARIABLES]);
/** Read for the registry's processes: their generic PROCESS_<NAME>_* names and older aliases, listed nowhere. */
const processVariables = variablesReadByConfig(PROCESS_REGISTRY);
const active = (): Env => Object.fromEntries(entries.filter((e) => !e.commented).map((e) => [e.name, e.value]));

describe('.env.example', () => {
  it('lists every variable config/index.ts reads', () => {
    const listed = new Set(entries.map((e) => e.name));
    expect([...configVariables].filter((name) => !listed.has(name))).toEqual([]);
  });

  it('lists the API settings', () => {
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(API_VARIABLES));
    expect(entries.find((e) => e.name === 'API_TOKEN')?.commented).toBe(true);
    expect(entries.find((e) => e.name === 'API_TOKEN')?.comment).toMatch(
      /unset API_TOKEN: the API listens on loopback/i,
    );
  });

  it('lists nothing that nobody reads', () => {
    const known = new Set([...configVariables, ...API_VARIABLES, ...COMPOSE_VARIABLES, ...processVariables]);
    expect(entries.map((e) => e.name).filter((name) => !known.has(name))).toEqual([]);
  });

  it("lists no process's own variables, only the PROCESS_<NAME>_* pattern: adding a process leaves it alone", () => {
    const perProcess = PROCESS_REGISTRY.flatMap((d) => Object.values(processScheduleVariables(d.name)));
    expect(entries.map((e) => e.name).filter((name) => perProcess.includes(name))).toEqual([]);
    expect(lines.join('\n')).toMatch(/PROCESS_<NAME>_HOUR, PROCESS_<NAME>_MINUTE and PROCESS_<NAME>_TIMEZONE/);
  });

  it('lists each variable once', () => {
    const names = entries.map((e) => e.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('puts a one-line comment right above each variable', () => {
    const bare = entries.filter((e) => !/^# \S/.test(e.comment) || /^#\s*[A-Z][A-Z0-9_]*=/.test(e.comment));
    expect(bare.map((e) => e.name)).toEqual([]);
  });

  it("shows config's defaults: a copy of it as .env configures exactly what no .env does", () => {
    expect(loadConfig(active(), PROCESS_REGISTRY)).toEqual(loadConfig({}, PROCESS_REGISTRY));
  });

  it('comments out the variables that are unset by default, with an example value that config accepts', () => {
    const commented = entries.filter((e) => e.commented && configVariables.has(e.name));
    expect(commented.map((e) => e.name)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL']),
    );
    for (const entry of commented.filter((e) => !TLS_FILES.includes(e.name))) {
      expect(() => loadConfig({ [entry.name]: entry.value }, PROCESS_REGISTRY)).not.toThrow();
    }
    // Files read at startup, the certificate with its key: accepted together, as files that exist here.
    expect(commented.map((e) => e.name)).toEqual(expect.arrayContaining(TLS_FILES));
    expect(() =>
      loadConfig(Object.fromEntries(TLS_FILES.map((name) => [name, __filename])), PROCESS_REGISTRY),
    ).not.toThrow();
    expect(entries.find((e) => e.name === 'DATABASE_URL')?.comment).toMatch(/embedded PostgreSQL under \.data/);
  });

  it('uses values that dotenv and docker compose read the same way (no quotes, spaces or $)', () => {
    expect(entries.filter((e) => !/^[^\s'"#$]*$/.test(e.value)).map((e) => e.name)).toEqual([]);
  });

  it('explains that the reschedule variables are defaults that an unchanged .env does not reapply', () => {
    const text = lines.join('\n');
    expect(text).toMatch(
      /RESCHEDULE_HOUR, RESCHEDULE_MINUTE and BEHFLOW_TIMEZONE are the reschedule process's defaults/,
    );
    expect(text).toMatch(/unchanged \.env at restart does not undo a change made another way/);
  });
});
