import fs from 'node:fs';
import path from 'node:path';

/*
 * The folders say what the system is, and each imports only from its own layer or below, so a
 * newcomer can read the product bottom-up and no domain folder depends on start-up code.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['time', 'config'], // pure rules and settings
  ['db'], // entities, migrations, the ORM
  ['platform'], // start-up: logging, connections, the connection-failure classifier
  ['activities'], // the work, in PostgreSQL
  ['workflows'], // the durable runs (types only from activities)
  ['processes'], // the registry and the process rows
  ['temporal'], // the one owner of Temporal: ids, schedules, runs, reconcile
  ['api', 'worker'], // what serves and what works
  ['bin'], // entry points
];
const ROOT = path.resolve(__dirname, '../..');
/** bin/ also holds the tooling's entry points (npm start, npm test, the bench…), which may use dev-stack/. */
const PRODUCT_ENTRY_POINTS = ['worker.ts', 'api.ts', 'reload-schedules.ts', 'build.ts'];
const layerOf = (folder: string): number => LAYERS.findIndex((layer) => layer.includes(folder));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    if (path.basename(dir) === 'bin' && !PRODUCT_ENTRY_POINTS.includes(entry.name)) return [];
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** "from '../x/y'" and "import('../x')", type-only imports included: a type is a dependency too. */
function relativeImports(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  return [...source.matchAll(/(?:from\s+|import\s*\(\s*|require(?:\.resolve)?\(\s*)'(\.[^']*)'/g)].map((m) => m[1]!);
}

const imports = LAYERS.flat().flatMap((folder) =>
  sourceFiles(path.join(ROOT, folder)).flatMap((file) =>
    relativeImports(file).map((specifier) => {
      const target = path.relative(ROOT, path.resolve(path.dirname(file), specifier)).split(path.sep)[0]!;
      return { from: folder, file: path.relative(ROOT, file), target };
    }),
  ),
);

it('has a layer for every product folder that imports another', () => {
  expect(imports.length).toBeGreaterThan(100);
  expect(imports.filter((i) => layerOf(i.target) === -1).map((i) => `${i.file} -> ${i.target}`)).toEqual([]);
});

it('imports only from its own layer or a lower one', () => {
  const upward = imports.filter((i) => layerOf(i.target) > layerOf(i.from));
  expect(upward.map((i) => `${i.file} imports ${i.target}/`)).toEqual([]);
});

it('never imports tooling (dev-stack, bench, tests) at run time', () => {
  const tooling = imports.filter((i) => ['dev-stack', 'bench', 'test', 'test-faults', 'scripts'].includes(i.target));
  expect(tooling.map((i) => `${i.file} -> ${i.target}`)).toEqual([]);
});
