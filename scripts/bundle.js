#!/usr/bin/env node
/**
 * The second half of `npm run build`: bundles the CLI (src/cli/main.ts, its commands, and the
 * parts of the AWS SDK and other packages they import) into dist/bundle/ with esbuild, one ES module
 * per command and per shared part, so that a command loads a few files instead of several
 * hundred, only the SDK commands the tool calls, and nothing a command does not reach (`--help`
 * loads main.js alone). bin/abalone-pipeline.js runs dist/bundle/main.js. tsc (the first half)
 * type-checks and compiles src/ to dist/ beside it.
 */
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}dist/bundle`;

/**
 * The `local` command (the endpoint) is bundled on its own, into dist/bundle/local/: it imports
 * whole SDK packages, which in the same build would put every command of EC2, S3, ... into the
 * chunks the other commands load.
 */
const LOCAL_COMMAND = /\/commands\/local\.js$/;
const localApart = {
  name: 'local-apart',
  setup(b) {
    b.onResolve({ filter: LOCAL_COMMAND }, () => ({ path: './local/local.js', external: true }));
  },
};

/**
 * The errors the local command throws must be the main bundle's classes (its error boundary
 * tells a ToolError by instanceof): the local bundle imports src/base/errors.ts from the main
 * bundle's errors.js entry instead of a copy of its own.
 */
const ERRORS_SOURCE = join(ROOT, 'src', 'base', 'errors.js');
const sharedErrors = {
  name: 'shared-errors',
  setup(b) {
    b.onResolve({ filter: /errors\.js$/ }, (args) => (resolve(args.resolveDir, args.path) === ERRORS_SOURCE ? { path: '../errors.js', external: true } : undefined));
  },
};

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The SDK's ES module builds (dist-es), whose unused commands esbuild leaves out.
  mainFields: ['module', 'main'],
  // CommonJS dependencies (commander, fast-xml-parser, ...) call require() for Node's built-ins.
  banner: { js: "import { createRequire as __abaloneRequire } from 'node:module';\nconst require = __abaloneRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
};

rmSync(OUT, { recursive: true, force: true });
const [cli, local] = await Promise.all([
  build({ ...common, entryPoints: { main: 'src/cli/main.ts', errors: 'src/base/errors.ts' }, outdir: OUT, plugins: [localApart] }),
  build({ ...common, entryPoints: { local: 'src/cli/commands/local.ts' }, outdir: `${OUT}/local`, plugins: [sharedErrors] }),
]);
writeFileSync(`${OUT}/meta.json`, JSON.stringify(cli.metafile));
writeFileSync(`${OUT}/local/meta.json`, JSON.stringify(local.metafile));
