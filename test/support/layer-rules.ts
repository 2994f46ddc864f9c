import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';

/**
 * The layers of src/ (src/README.md), top to bottom:
 *   cli -> ops -> steps -> aws -> engine, output -> engine, and base/ (errors, error codes, version, paths, files/, data/).
 * The local endpoint is a package of its own (packages/local-endpoint): only the `local` command
 * imports it, and only its entry.
 * A layer may import its own folder and the layers listed for it; nothing imports cli but cli
 * (and bin/, outside src/). output renders engine's results, so it may import engine's types.
 */
export type Layer = 'cli' | 'ops' | 'steps' | 'engine' | 'aws' | 'output' | 'base';

const FOLDER_LAYER: Readonly<Record<string, Layer>> = {
  cli: 'cli',
  ops: 'ops',
  steps: 'steps',
  engine: 'engine',
  aws: 'aws',
  output: 'output',
  base: 'base',
};

export const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  cli: ['cli', 'ops', 'steps', 'engine', 'aws', 'output', 'base'],
  ops: ['ops', 'steps', 'engine', 'aws', 'output', 'base'],
  steps: ['steps', 'engine', 'aws', 'output', 'base'],
  engine: ['engine', 'base'],
  aws: ['aws', 'engine', 'base'],
  output: ['output', 'engine', 'base'],
  base: ['base'],
};

/**
 * Where the AWS SDK may be imported: the aws helpers and the steps (each drives its service).
 * ops call aws helpers and steps; cli, engine, output and the base never see the SDK.
 */
export const MAY_IMPORT_SDK: readonly Layer[] = ['aws', 'steps'];

/** The local endpoint package, and the one file that may import it (its entry only). */
export const LOCAL_ENDPOINT_PACKAGE = '@abalone-pipeline/local-endpoint';
const LOCAL_ENDPOINT_IMPORTER = /^cli\/commands\/local\.ts$/;

export interface Violation {
  /** The importing file, relative to the scanned root, with `/`. */
  readonly file: string;
  readonly specifier: string;
  readonly rule: string;
}

/** The layer of a file given by its path under src/ (`/`-separated); undefined for an unknown folder. */
export function layerOf(path: string): Layer | undefined {
  const parts = path.split('/');
  if (parts.length === 1) return undefined; // a file at the top of src/ belongs in a folder of its layer
  return FOLDER_LAYER[parts[0]!];
}

const STATIC = /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g;
const BARE = /(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier a TypeScript source imports or re-exports, static or dynamic. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const pattern of [STATIC, BARE, DYNAMIC]) for (const m of source.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** The rules one import of `file` (a path under src/) breaks: none, or one message. */
export function checkImport(file: string, specifier: string): Violation | undefined {
  const from = layerOf(file);
  if (!from) return { file, specifier, rule: `${file.split('/')[0]}/ is in no layer: add the folder to the layer table (test/support/layer-rules.ts) and src/README.md` };
  if (specifier === LOCAL_ENDPOINT_PACKAGE || specifier.startsWith(`${LOCAL_ENDPOINT_PACKAGE}/`)) {
    if (specifier === LOCAL_ENDPOINT_PACKAGE && LOCAL_ENDPOINT_IMPORTER.test(file)) return undefined;
    return { file, specifier, rule: `only cli/commands/local.ts imports the local endpoint package, and only its entry (${LOCAL_ENDPOINT_PACKAGE})` };
  }
  if (specifier.startsWith('@aws-sdk/')) {
    if (MAY_IMPORT_SDK.includes(from)) return undefined;
    return { file, specifier, rule: `no @aws-sdk import in ${from}: the SDK is used only in ${MAY_IMPORT_SDK.join(', ')} (put the call in an aws/ helper)` };
  }
  if (!specifier.startsWith('.')) return undefined; // node: built-ins and other packages
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  if (target.startsWith('..')) return { file, specifier, rule: `${from} imports from outside src/` };
  const to = layerOf(target);
  if (!to) return { file, specifier, rule: `${target.split('/')[0]}/ is in no layer: add the folder to the layer table (test/support/layer-rules.ts) and src/README.md` };
  if (MAY_IMPORT[from].includes(to)) return undefined;
  const why = to === 'cli' ? 'nothing imports cli but cli itself (and bin/)' : `${from} may import only ${MAY_IMPORT[from].join(', ')}`;
  return { file, specifier, rule: `${from} -> ${to} is not allowed: ${why}` };
}

/**
 * State at module level in a reconcile step (a top-level let/var, or a Map/Set/WeakMap made at
 * top level without a Readonly type) is shared by every run in the process: steps share what they
 * learn through the run's memo in StepContext instead.
 */
export function moduleStateOf(file: string, source: string): Violation[] {
  const found: Violation[] = [];
  for (const line of source.split('\n')) {
    const declaration = /^(?:export\s+)?(let|var)\s+(\w+)/.exec(line);
    const collection = /^(?:export\s+)?const\s+(\w+)\s*(?::\s*([^=]+))?=\s*new\s+(WeakMap|WeakSet|Map|Set)\b/.exec(line);
    if (declaration) found.push({ file, specifier: line.trim(), rule: `module-level mutable state in steps (${declaration[1]} ${declaration[2]}): share it through ctx.memo` });
    else if (collection && !/^\s*Readonly(Map|Set)</.test(collection[2] ?? '')) {
      found.push({ file, specifier: line.trim(), rule: `module-level mutable ${collection[3]} ${collection[1]} in steps: type it Readonly${collection[3]!.replace('Weak', '')} if it is a constant, or share state through ctx.memo` });
    }
  }
  return found;
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

/** The file a relative import names (`./x.js` is `x.ts`), under src/; undefined for a package. */
function importedFile(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
}

/**
 * Every import cycle among the files (path -> the files it imports), each once, as the path
 * round it: a depth-first search that reports a back edge.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Every rule broken under root (a src/ folder): the file, the import, the rule; and every import cycle. */
export async function checkLayers(root: string): Promise<Violation[]> {
  const violations: Violation[] = [];
  const graph = new Map<string, string[]>();
  for (const path of await sources(root)) {
    const file = relative(root, path).split(sep).join('/');
    if (!layerOf(file)) {
      violations.push({ file, specifier: file, rule: `${file.split('/')[0]}/ is in no layer: add the folder to the layer table (test/support/layer-rules.ts) and src/README.md` });
      continue;
    }
    const text = await readFile(path, 'utf8');
    graph.set(file, importsOf(text).flatMap((specifier) => importedFile(file, specifier) ?? []));
    for (const specifier of importsOf(text)) {
      const v = checkImport(file, specifier);
      if (v) violations.push(v);
    }
    if (layerOf(file) === 'steps') violations.push(...moduleStateOf(file, text));
  }
  for (const cycle of importCycles(graph)) {
    violations.push({ file: cycle[0]!, specifier: cycle.join(' -> '), rule: 'import cycle: modules import each other; move what both need to where it belongs' });
  }
  return violations;
}

export function describeViolation(v: Violation): string {
  return `${v.file}: ${v.specifier}\n    ${v.rule}`;
}
