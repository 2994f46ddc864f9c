import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bundleExportNames, esmShim } from '../../../src/cli/sdk-hooks.js';

const require = createRequire(import.meta.url);
const pkg = require('../../../package.json') as { dependencies: Record<string, string> };
const CLIENTS = Object.keys(pkg.dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));

describe('the SDK load hook', () => {
  it.each(CLIENTS)('%s: the shim re-exports every name require() gives', async (client) => {
    expect.hasAssertions();
    const path = require.resolve(client);
    const names = bundleExportNames(readFileSync(path, 'utf8'));
    const runtime = Object.keys(require(client) as object).filter((k) => k !== 'default' && k !== '__esModule');
    expect(runtime.length).toBeGreaterThan(0);
    if (names === undefined) {
      // The hook leaves this bundle to Node's own loader, whose CommonJS lexer must then find
      // every name itself (e.g. client-sts re-exports from other modules via __reExport).
      const namespace = Object.keys((await import(client)) as object);
      expect(runtime.filter((name) => !namespace.includes(name))).toEqual([]);
      return;
    }
    // Every runtime export is there; the annotation may also list a type-only name ($Command),
    // which Node's own lexer would export as undefined too.
    expect(runtime.filter((name) => !names.includes(name))).toEqual([]);
    expect(names.filter((name) => !runtime.includes(name)).every((name) => name.startsWith('$'))).toBe(true);
  });

  it('recognises most client bundles (else the hook gains nothing)', () => {
    const recognised = CLIENTS.filter((c) => bundleExportNames(readFileSync(require.resolve(c), 'utf8')) !== undefined);
    expect(recognised.length).toBeGreaterThanOrEqual(CLIENTS.length - 2);
  });

  it('leaves an unexpected shape to Node', () => {
    expect(bundleExportNames('module.exports = {}')).toBeUndefined();
    expect(bundleExportNames('\n0 && (module.exports = {\n  class,\n});')).toBeUndefined();
    expect(esmShim(['A', 'B'])).toContain('export const { A, B } = cjs;');
  });
});
