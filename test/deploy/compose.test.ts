import fs from 'node:fs';
import path from 'node:path';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { loadConfig } from '../../config';
import type { Env } from '../../config/parse';
import { API_VARIABLES, ROOT, variablesReadByConfig } from './config-variables';
import { CUSTOM_SEARCH_ATTRIBUTES, PROCESS_SEARCH_ATTRIBUTE } from '../../platform/search-attributes';

/*
 * docker-compose.yml can't be run on a machine without a Docker engine, so these tests read it: which variables it
 * gives the app, whether config accepts them, and whether the services agree with each other.
 */

// ---------------------------------------------------------------------------------------------------------------
// A small, strict reader for the YAML this compose file uses: block maps, block lists of scalars, flow lists of
// scalars, quoted and plain scalars, `|` blocks and comments. Anything else (anchors, flow maps, `>` folding, tabs,
// lists of maps, ...) throws, so an edit that outgrows it fails loudly instead of being misread.

type Yaml = string | null | Yaml[] | { [key: string]: Yaml };

class YamlReader {
  private readonly lines: string[];
  private i = 0;

  constructor(text: string) {
    this.lines = text.replace(/\r\n/g, '\n').split('\n');
  }

  read(): Yaml {
    this.skipBlank();
    if (this.i >= this.lines.length) return null;
    const { indent } = this.current();
    if (indent !== 0) this.fail('the document must start at column 1');
    const value = this.node(0);
    this.skipBlank();
    if (this.i < this.lines.length) this.fail('unexpected indentation');
    return value;
  }

  private fail(message: string): never {
    throw new Error(`docker-compose.yml line ${this.i + 1}: ${message}`);
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && stripComment(this.lines[this.i] ?? '').trim() === '') this.i++;
  }

  private current(): { indent: number; content: string } {
    const line = this.lines[this.i] ?? '';
    if (/^ *\t/.test(line)) this.fail('tabs are not supported');
    const indent = line.length - line.trimStart().length;
    return { indent, content: stripComment(line).trim() };
  }

  private node(indent: number): Yaml {
    return isListItem(this.current().content) ? this.list(indent) : this.map(indent);
  }

  private map(indent: number): { [key: string]: Yaml } {
    const result: { [key: string]: Yaml } = {};
    for (this.skipBlank(); this.i < this.lines.length; this.skipBlank()) {
      const line = this.current();
      if (line.indent < indent) break;
      if (line.indent > indent) this.fail('unexpected indentation');
      if (isListItem(line.content)) this.fail('a list where a key was expected');
      const match = /^([A-Za-z0-9_.-]+|'[^']*'|"[^"\\]*"):(?:\s+(.*))?$/.exec(line.content);
      if (!match) this.fail(`not a "key: value" line: ${line.content}`);
      const key = match[1]!.replace(/^(['"])(.*)\1$/, '$2');
      if (Object.prototype.hasOwnProperty.call(result, key)) this.fail(`duplicate key "${key}"`);
      const rest = match[2] ?? '';
      this.i++;
      if (rest === '') {
        this.skipBlank();
        const next = this.i < this.lines.length ? this.current() : undefined;
        result[key] = next && next.indent > indent ? this.node(next.indent) : null;
        if (next && next.indent === indent && isListItem(next.content)) this.fail('indent list items under their key');
      } else if (rest === '|' || rest === '|-') {
        result[key] = this.literalBlock(indent, rest === '|-');
      } else {
        result[key] = this.scalarOrFlow(rest);
      }
    }
    return result;
  }

  private list(indent: number): Yaml[] {
    const result: Yaml[] = [];
    for (this.skipBlank(); this.i < this.lines.length; this.skipBlank()) {
      const line = this.current();
      if (line.indent < indent) break;
      if (line.indent > indent || !isListItem(line.content)) this.fail('unexpected line in a list');
      const item = line.content.slice(1).trim();
      this.i++;
      if (item === '|' || item === '|-') result.push(this.literalBlock(indent, item === '|-'));
      else if (item === '' || /^[^'"[]*:(\s|$)/.test(item))
        this.fail('lists of maps or nested lists are not supported');
      else result.push(this.scalarOrFlow(item));
    }
    return result;
  }

  /** A `|` block: the following lines indented deeper than the parent, with their common indentation removed. */
  private literalBlock(parentIndent: number, strip: boolean): string {
    const body: string[] = [];
    let blockIndent: number | undefined;
    while (this.i < this.lines.length) {
      const line = this.lines[this.i] ?? '';
      if (line.trim() === '') {
        body.push('');
        this.i++;
        continue;
      }
      const lineIndent = line.length - line.trimStart().length;
      if (lineIndent <= parentIndent) break;
      blockIndent ??= lineIndent;
      if (lineIndent < blockIndent) this.fail('a line of a | block is less indented than its first line');
      body.push(line.slice(blockIndent));
      this.i++;
    }
    while (body.length > 0 && body[body.length - 1] === '') body.pop();
    if (body.length === 0) this.fail('empty | block');
    return body.join('\n') + (strip ? '' : '\n');
  }

  private scalarOrFlow(text: string): Yaml {
    if (text.startsWith('[')) {
      if (!text.endsWith(']')) this.fail('a flow list must end on its line');
      const inner = text.slice(1, -1).trim();
      return inner === '' ? [] : splitOutsideQuotes(inner, ',').map((item) => this.scalar(item.trim()));
    }
    return this.scalar(text);
  }

  private scalar(text: string): string {
    if (text.startsWith("'")) {
      const match = /^'((?:[^']|'')*)'$/.exec(text);
      if (!match) this.fail(`bad single-quoted scalar: ${text}`);
      return match[1]!.replace(/''/g, "'");
    }
    if (text.startsWith('"')) {
      const match = /^"((?:[^"\\]|\\["\\nt])*)"$/.exec(text);
      if (!match) this.fail(`bad or unsupported double-quoted scalar: ${text}`);
      const escapes: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };
      return match[1]!.replace(/\\(["\\nt])/g, (_, c: string) => escapes[c]!);
    }
    if (/^[&*!{}>|%@`,\]]/.test(text)) this.fail(`unsupported YAML construct: ${text}`);
    if (/:\s/.test(text)) this.fail(`a plain scalar may not contain ": " (quote it): ${text}`);
    return text;
  }
}

function isListItem(content: string): boolean {
  return content === '-' || content.startsWith('- ');
}

/** Drops a `#` comment: one at the start of the content, or after a space, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function readYaml(text: string): Yaml {
  return new YamlReader(text).read();
}

// ---------------------------------------------------------------------------------------------------------------
// Compose's interpolation, as `docker compose` does it with the variables of `.env` (and the shell).

interface Reference {
  readonly name: string;
  /** ':-' and '-' take a default; ':?' and '?' make the variable required. */
  readonly operator?: ':-' | '-' | ':?' | '?';
  readonly argument?: string;
}

/** The `${...}` and `$NAME` references in a value, in order; `$$` is an escaped `$`. */
function references(value: string): Reference[] {
  const found: Reference[] = [];
  forEachReference(value, (ref) => {
    found.push(ref);
    return '';
  });
  return found;
}

function interpolate(value: string, env: Env): string {
  return forEachReference(value, ({ name, operator, argument }) => {
    const raw = env[name];
    const unsetOrEmpty = raw === undefined || raw === '';
    switch (operator) {
      case ':-':
        return unsetOrEmpty ? (argument ?? '') : raw;
      case '-':
        return raw === undefined ? (argument ?? '') : raw;
      case ':?':
      case '?':
        if (operator === ':?' ? unsetOrEmpty : raw === undefined) {
          throw new Error(`required variable ${name} is missing a value: ${argument ?? ''}`);
        }
        return raw ?? '';
      default:
        return raw ?? '';
    }
  });
}

function forEachReference(value: string, replace: (ref: Reference) => string): string {
  let out = '';
  for (let i = 0; i < value.length;) {
    const c = value[i];
    const next = value[i + 1];
    if (c !== '$') {
      out += c;
      i++;
    } else if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const close = value.indexOf('}', i);
      if (close < 0) throw new Error(`unclosed \${ in ${JSON.stringify(value)}`);
      const body = value.slice(i + 2, close);
      if (body.includes('$')) throw new Error(`nested interpolation is not supported here: ${JSON.stringify(value)}`);
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([\s\S]*))?$/.exec(body);
      if (!match) throw new Error(`unsupported interpolation \${${body}}`);
      out += replace({
        name: match[1]!,
        operator: match[2] as Reference['operator'],
        argument: match[3],
      });
      i = close + 1;
    } else if (next !== undefined && /[A-Za-z_]/.test(next)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))![0];
      out += replace({ name });
      i += 1 + name.length;
    } else {
      throw new Error(`a lone $ in ${JSON.stringify(value)}: write $$ for a literal $`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The compose file, and what config/index.ts reads.

function asMap(value: Yaml | undefined, where: string): { [key: string]: Yaml } {
  if (value === null || value === undefined || typeof value === 'string' || Array.isArray(value)) {
    throw new Error(`${where} should be a map`);
  }
  return value;
}

function asString(value: Yaml | undefined, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where} should be a string`);
  return value;
}

function asStrings(value: Yaml | undefined, where: string): string[] {
  if (!Array.isArray(value)) throw new Error(`${where} should be a list`);
  return value.map((item, index) => asString(item, `${where}[${index}]`));
}

const compose = asMap(readYaml(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')), 'the file');
const services = asMap(compose.services, 'services');

function service(name: string): { [key: string]: Yaml } {
  return asMap(services[name], `services.${name}`);
}

/** A service's `environment:` map, uninterpolated. */
function rawEnvironment(name: string): Record<string, string> {
  const environment = asMap(service(name).environment, `services.${name}.environment`);
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, asString(value, `services.${name}.environment.${key}`)]),
  );
}

/** A service's environment as the container gets it, given the variables of `.env`. */
function environment(name: string, dotEnv: Env = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rawEnvironment(name)).map(([key, value]) => [key, interpolate(value, dotEnv)]),
  );
}

const configVariables = variablesReadByConfig();
const APP_SERVICES = ['worker', 'api'];
/** The api service needs API_TOKEN; any value will do for these tests. */
const withToken = (dotEnv: Env = {}): Env => ({ API_TOKEN: 'test-token-0123456789', ...dotEnv });

// ---------------------------------------------------------------------------------------------------------------

describe('the YAML reader used by these tests', () => {
  it('reads maps, lists, flow lists, quotes, comments and | blocks', () => {
    const text = [
      'a: plain # comment',
      "b: 'it''s'",
      'c: "x: y"',
      'd: [one, "two, three"]',
      'e:',
      '  - |',
      '    line 1',
      '      line 2',
      '  - x',
      'f:',
      '  g: ${V:-1}',
      'h:',
    ].join('\n');
    expect(readYaml(text)).toEqual({
      a: 'plain',
      b: "it's",
      c: 'x: y',
      d: ['one', 'two, three'],
      e: ['line 1\n  line 2\n', 'x'],
      f: { g: '${V:-1}' },
      h: null,
    });
  });

  it.each([
    ['an anchor', 'a: &x 1'],
    ['a flow map', 'a: {b: 1}'],
    ['a folded block', 'a: >\n  text'],
    ['a list of maps', 'a:\n  - b: 1'],
    ['a duplicate key', 'a: 1\na: 2'],
    ['a tab', 'a:\n\tb: 1'],
    ['a list not indented under its key', 'a:\n- 1'],
  ])('rejects %s instead of misreading it', (_what, text) => {
    expect(() => readYaml(text)).toThrow();
  });

  it('interpolates like docker compose', () => {
    expect(interpolate('${A:-x}|${B-y}|$C|$$D', { A: '', B: '', C: 'c' })).toBe('x||c|$D');
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow('required variable A is missing a value: set A');
  });
});

describe('docker-compose.yml', () => {
  it('has the stack: PostgreSQL, Temporal, its search-attribute job and UI, the worker and the API', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'postgresql', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'worker'].sort(),
    );
  });

  it('finds the variables config/index.ts reads', () => {
    expect([...configVariables]).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'BEHFLOW_TIMEZONE', 'RESCHEDULE_HOUR', 'LOG_LEVEL']),
    );
  });

  it.each(APP_SERVICES)('sets on %s only variables that config reads, or the API_* ones', (name) => {
    const unknown = Object.keys(rawEnvironment(name)).filter(
      (key) => !configVariables.has(key) && !API_VARIABLES.includes(key),
    );
    expect(unknown).toEqual([]);
  });

  it('gives the api everything it gives the worker, with the same values', () => {
    const worker = rawEnvironment('worker');
    const api = rawEnvironment('api');
    const differences = Object.keys(worker).filter((key) => api[key] !== worker[key]);
    expect(differences).toEqual([]);
  });

  it.each(APP_SERVICES)('takes each setting of %s from the .env variable of the same name', (name) => {
    const mismatched = Object.entries(rawEnvironment(name)).flatMap(([key, value]) => {
      const refs = references(value);
      const whole = refs.length === 1 && /^\$\{[^}]*\}$/.test(value);
      return whole && refs[0]!.name !== key ? [`${key} <- ${value}`] : [];
    });
    expect(mismatched).toEqual([]);
  });

  it.each(APP_SERVICES)('gives %s, with an empty .env, settings that loadConfig accepts', (name) => {
    const config = loadConfig(environment(name, withToken()), PROCESS_REGISTRY);
    expect(config.databaseUrl).toMatch(/^postgres:\/\/[^@]+@postgresql:5432\/behflow$/);
    expect(config.temporalAddress).toBe('temporal:7233');
  });

  it("uses config's own defaults, so the stack behaves like `npm start` until .env says otherwise", () => {
    const baseline = loadConfig({}, PROCESS_REGISTRY);
    const differing = Object.entries(rawEnvironment('worker')).flatMap(([key, value]) => {
      const refs = references(value);
      const ref = refs[0];
      if (refs.length !== 1 || ref?.operator !== ':-' || ref.name !== key) return [];
      return JSON.stringify(loadConfig({ [key]: ref.argument }, PROCESS_REGISTRY)) === JSON.stringify(baseline)
        ? []
        : [`${key} defaults to ${JSON.stringify(ref.argument)}`];
    });
    expect(differing).toEqual([]);
  });

  it('passes values from .env through to the worker', () => {
    const config = loadConfig(
      environment('worker', {
        RESCHEDULE_HOUR: '8',
        RESCHEDULE_MINUTE: '5',
        BEHFLOW_TIMEZONE: 'UTC',
        LOG_LEVEL: 'debug',
      }),
      PROCESS_REGISTRY,
    );
    expect(config.processSchedules.reschedule_remaining_tasks).toEqual({ hour: 8, minute: 5, timezone: 'UTC' });
    expect(config.logLevel).toBe('debug');
  });

  it("does not let a host-side .env point the containers at the host's database or Temporal", () => {
    const hostEnv = { DATABASE_URL: 'postgres://me:pw@localhost:5432/behflow', TEMPORAL_ADDRESS: '127.0.0.1:7233' };
    for (const name of APP_SERVICES) {
      const env = environment(name, withToken(hostEnv));
      expect(new URL(env.DATABASE_URL ?? '').hostname).toBe('postgresql');
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
  });

  it('refuses to run the api without an API_TOKEN', () => {
    expect(() => environment('api', {})).toThrow(/API_TOKEN/);
    expect(() => environment('api', { API_TOKEN: '' })).toThrow(/API_TOKEN/);
    expect(environment('api', { API_TOKEN: 'secret' }).API_TOKEN).toBe('secret');
  });

  it('runs the api from the worker image with its own command, listening on all interfaces inside the container', () => {
    const api = service('api');
    const worker = service('worker');
    expect(api.image).toBe(worker.image);
    expect(api.build).toEqual(worker.build);
    expect(asStrings(api.command, 'services.api.command')).toEqual(['npx', 'tsx', 'api/server.ts']);
    expect(worker.command).toBeUndefined(); // the Dockerfile's CMD: the worker
    const env = environment('api', withToken());
    expect(env.API_HOST).toBe('0.0.0.0');
    expect(asStrings(api.ports, 'services.api.ports').map((port) => interpolate(port, {}))).toEqual([
      `${env.API_PORT}:${env.API_PORT}`,
    ]);
  });

  it.each<Env>([{}, { POSTGRES_PASSWORD: 's3cret' }])(
    'gives the app and Temporal the credentials of the postgresql service (.env %j)',
    (dotEnv) => {
      const postgres = environment('postgresql', dotEnv);
      const temporal = environment('temporal', dotEnv);
      for (const name of APP_SERVICES) {
        const url = new URL(environment(name, withToken(dotEnv)).DATABASE_URL ?? '');
        expect(url.hostname).toBe('postgresql');
        expect(url.port).toBe('5432');
        expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER);
        expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
        expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
      }
      expect(temporal.POSTGRES_SEEDS).toBe('postgresql');
      expect(temporal.DB_PORT).toBe('5432');
      expect(temporal.POSTGRES_USER).toBe(postgres.POSTGRES_USER);
      expect(temporal.POSTGRES_PWD).toBe(postgres.POSTGRES_PASSWORD);
    },
  );

  it('keeps Temporal on PostgreSQL, and PostgreSQL on a named volume', () => {
    expect(environment('temporal').DB).toBe('postgres12');
    const volumes = asStrings(service('postgresql').volumes, 'services.postgresql.volumes');
    const data = volumes.find((volume) => volume.endsWith(':/var/lib/postgresql/data'));
    expect(data).toBeDefined();
    const volumeName = data!.split(':')[0]!;
    expect(Object.keys(asMap(compose.volumes, 'volumes'))).toContain(volumeName);
  });

  it.each<Env>([{}, { TEMPORAL_NAMESPACE: 'behflow' }])(
    'has Temporal, its UI, the search-attribute job and the app agree on the namespace (.env %j)',
    (dotEnv) => {
      const expected = dotEnv.TEMPORAL_NAMESPACE ?? loadConfig({}, PROCESS_REGISTRY).temporalNamespace;
      expect(environment('temporal', dotEnv).DEFAULT_NAMESPACE).toBe(expected);
      expect(environment('temporal-ui', dotEnv).TEMPORAL_DEFAULT_NAMESPACE).toBe(expected);
      expect(environment('temporal-admin-tools', dotEnv).TEMPORAL_NAMESPACE).toBe(expected);
      for (const name of APP_SERVICES) {
        expect(loadConfig(environment(name, withToken(dotEnv)), PROCESS_REGISTRY).temporalNamespace).toBe(expected);
      }
    },
  );

  it('registers the search attributes the code uses, with their types', () => {
    const job = service('temporal-admin-tools');
    const script = asStrings(job.command, 'services.temporal-admin-tools.command')
      .map((part) => interpolate(part, {}))
      .join('\n');
    const created = Object.fromEntries(
      [...script.matchAll(/search-attribute create\b[^\n]*--name (\w+) --type (\w+)/g)].map((m) => [m[1], m[2]]),
    );
    expect(created).toEqual(CUSTOM_SEARCH_ATTRIBUTES);
    expect(script).toContain(`grep -qw ${PROCESS_SEARCH_ATTRIBUTE}`); // skipped when already there: safe to rerun
    expect(script).toContain('--address temporal:7233');
    expect(job.restart).toBe('no');
  });

  it('starts the worker only after PostgreSQL and Temporal are ready and the search attribute exists', () => {
    const dependsOn = asMap(service('worker').depends_on, 'services.worker.depends_on');
    const conditions = Object.fromEntries(
      Object.entries(dependsOn).map(([name, value]) => [name, asMap(value, `depends_on.${name}`).condition]),
    );
    expect(conditions).toEqual({
      postgresql: 'service_healthy',
      temporal: 'service_healthy',
      'temporal-admin-tools': 'service_completed_successfully',
    });
  });

  it('waits for health only on services that have a healthcheck, and for completion only on one-shot services', () => {
    const problems: string[] = [];
    for (const [name, definition] of Object.entries(services)) {
      const dependsOn = asMap(definition, name).depends_on;
      if (dependsOn === undefined) continue;
      for (const [target, value] of Object.entries(asMap(dependsOn, `${name}.depends_on`))) {
        const condition = asMap(value, `${name}.depends_on.${target}`).condition;
        const targetService = service(target);
        if (condition === 'service_healthy' && targetService.healthcheck === undefined) {
          problems.push(`${name} waits for ${target} to be healthy, but it has no healthcheck`);
        }
        if (condition === 'service_completed_successfully' && targetService.restart !== 'no') {
          problems.push(`${name} waits for ${target} to complete, but it restarts`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('pins every image to a version, and Temporal server and admin tools to the same one', () => {
    const images = Object.fromEntries(
      Object.keys(services).map((name) => [name, asString(service(name).image, `services.${name}.image`)]),
    );
    const unpinned = Object.values(images).filter(
      (image) => !/^[\w./-]+:[\w.-]+$/.test(image) || /:latest$/.test(image),
    );
    expect(unpinned).toEqual([]);
    const serverVersion = images.temporal?.split(':')[1];
    expect(images.temporal).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(images['temporal-admin-tools']).toMatch(new RegExp(`^temporalio/admin-tools:${serverVersion}(-|$)`));
    expect(images['temporal-ui']).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  });

  it.each<Env>([{}, { TEMPORAL_UI_PORT: '9000' }])(
    "publishes the Temporal UI where the app's links to it point (.env %j)",
    (dotEnv) => {
      const ports = asStrings(service('temporal-ui').ports, 'services.temporal-ui.ports').map((port) =>
        interpolate(port, dotEnv),
      );
      const hostPort = dotEnv.TEMPORAL_UI_PORT ?? '8233';
      expect(ports).toEqual([`127.0.0.1:${hostPort}:8080`]);
      expect(environment('temporal-ui', dotEnv).TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(loadConfig(environment('worker', dotEnv), PROCESS_REGISTRY).temporalUiUrl).toBe(
        `http://localhost:${hostPort}`,
      );
    },
  );
});
