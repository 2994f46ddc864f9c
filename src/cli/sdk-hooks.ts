import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { LoadHook } from 'node:module';

/**
 * Module hooks (registered by sdk-loader.ts) that make loading the AWS SDK clients cheap.
 *
 * Each `@aws-sdk/client-*` package is one CommonJS bundle (ec2's is 3 MB). When an ES module
 * imports it, Node 20 first compiles it once only to detect its format, then scans all of it
 * with its export-name lexer, then compiles it again to run it: about twice the cost of a
 * plain `require`. For the bundles, this hook serves a tiny ES module instead that
 * `require`s the bundle and re-exports the names the bundle's own export annotation lists
 * (`0 && (module.exports = { ... })`, the very list Node's lexer would find). Anything it does
 * not recognise goes to Node's own loader unchanged.
 */
const CLIENT_BUNDLE = /\/node_modules\/@aws-sdk\/client-[a-z0-9-]+\/dist-cjs\/index\.js$/;
const ANNOTATION = '\n0 && (module.exports = {\n';
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Names a module cannot bind with `export const`: a bundle exporting one goes to Node's loader. */
const RESERVED = new Set(
  'arguments await break case catch class const continue debugger delete do else enum eval export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(' '),
);

/** The bundle's export names, or undefined when its shape is not the one expected. */
export function bundleExportNames(text: string): string[] | undefined {
  if (text.includes('__reExport(')) return undefined; // names from elsewhere: let Node find them
  const start = text.lastIndexOf(ANNOTATION);
  const end = start < 0 ? -1 : text.indexOf('\n});', start);
  if (end < 0) return undefined;
  const names = text
    .slice(start + ANNOTATION.length, end)
    .split('\n')
    .map((line) => line.trim().replace(/,$/, ''))
    .filter((name) => name !== '');
  if (names.length === 0 || !names.every((name) => IDENTIFIER.test(name) && !RESERVED.has(name))) return undefined;
  return names.filter((name) => name !== 'default');
}

export function esmShim(names: readonly string[]): string {
  return [
    "import { createRequire } from 'node:module';",
    "const cjs = createRequire(import.meta.url)('./index.js');",
    'export default cjs;',
    `export const { ${names.join(', ')} } = cjs;`,
    '',
  ].join('\n');
}

export const load: LoadHook = async (url, context, nextLoad) => {
  if (CLIENT_BUNDLE.test(url)) {
    try {
      const names = bundleExportNames(await readFile(fileURLToPath(url), 'utf8'));
      if (names) return { format: 'module', source: esmShim(names), shortCircuit: true };
    } catch {
      // fall through to Node's own loader, which reports any real problem
    }
  }
  return nextLoad(url, context);
};
