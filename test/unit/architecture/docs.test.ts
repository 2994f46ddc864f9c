import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Every folder of the repo whose files could point at a contract. */
const SCANNED = ['src', 'test', 'packages', 'artifacts', 'templates', 'scripts', 'bin', 'docs', 'README.md', '.ci'];
const SKIPPED = new Set(['node_modules', 'dist', '__pycache__']);

async function files(path: string): Promise<string[]> {
  if (SKIPPED.has(relative(ROOT, path)) || !existsSync(path)) return [];
  const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [path];
  return (await Promise.all(entries.filter((e) => !SKIPPED.has(e.name)).map((e) => files(join(path, e.name))))).flat();
}

it('the repo owns its contracts: docs/ holds them, and nothing points at a file outside the repo (shared/spec)', async () => {
  for (const doc of ['cli.md', 'runs.md', 'data.md', 'local-endpoint.md']) expect(existsSync(join(ROOT, 'docs', doc)), `docs/${doc}`).toBe(true);
  const offenders: string[] = [];
  for (const top of SCANNED) {
    for (const file of await files(join(ROOT, top))) {
      if (!/\.(ts|js|mjs|py|md|json|txt|yml|yaml)$/.test(file)) continue;
      const text = await readFile(file, 'utf8');
      if (/shared\/spec|\bcontracts? [AC]\b/.test(text) && !file.endsWith('docs.test.ts')) offenders.push(relative(ROOT, file));
    }
  }
  expect(offenders).toEqual([]);
});
