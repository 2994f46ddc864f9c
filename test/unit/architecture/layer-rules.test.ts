import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImport, checkLayers, importsOf, layerOf } from '../../support/layer-rules.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/layers/src', import.meta.url));

describe('the layer rule', () => {
  it('reports every deliberate violation in the fixture (engine -> aws and import cycles included), naming the file, the import and the rule', async () => {
    const found = (await checkLayers(FIXTURE)).map((v) => [v.file, v.specifier, v.rule]);
    expect(found).toEqual([
      ['aws/retry.ts', '../steps/ensure-bucket.js', expect.stringMatching(/^aws -> steps is not allowed: aws may import only aws, engine, base$/)],
      ['engine/lock.ts', '@aws-sdk/client-ssm', expect.stringMatching(/^no @aws-sdk import in engine/)],
      ['engine/settings.ts', '../aws/retry.js', 'engine -> aws is not allowed: engine may import only engine, base'],
      ['ops/run.ts', '@aws-sdk/client-s3', expect.stringMatching(/^no @aws-sdk import in ops: the SDK is used only in aws, steps/)],
      ['ops/run.ts', '../cli/render.js', 'ops -> cli is not allowed: nothing imports cli but cli itself (and bin/)'],
      ['ops/run.ts', '@abalone-pipeline/local-endpoint', expect.stringMatching(/^only cli\/commands\/local.ts imports the local endpoint package/)],
      ['steps/ensure-bucket.ts', '../ops/run.js', expect.stringMatching(/^steps -> ops is not allowed/)],
      ['steps/ensure-bucket.ts', 'const seen = new WeakMap<object, string>();', expect.stringContaining('module-level mutable WeakMap seen')],
      ['steps/ensure-bucket.ts', 'let calls = 0;', expect.stringContaining('module-level mutable state in steps (let calls)')],
      ['util/strings.ts', 'util/strings.ts', expect.stringContaining('util/ is in no layer')],
      ['aws/retry.ts', 'aws/retry.ts -> steps/ensure-bucket.ts -> aws/retry.ts', expect.stringMatching(/^import cycle/)],
      ['steps/ensure-bucket.ts', 'steps/ensure-bucket.ts -> ops/run.ts -> steps/ensure-bucket.ts', expect.stringMatching(/^import cycle/)],
      ['engine/cycle-a.ts', 'engine/cycle-a.ts -> engine/cycle-b.ts -> engine/cycle-a.ts', expect.stringMatching(/^import cycle/)],
    ]);
  });

  it('finds static, multi-line, type-only, re-exported, bare and dynamic imports', () => {
    const source = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      "} from '../b.js';",
      "import type { C } from '@aws-sdk/client-s3';",
      "export { d } from './d.js';",
      "import './e.js';",
      "const f = await import('../f.js');",
      "const text = 'from here to there';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['./a.js', '../b.js', '@aws-sdk/client-s3', './d.js', './e.js', '../f.js']);
  });

  it('places files by their top folder; a file at the root of src/ is in no layer', () => {
    expect(layerOf('cli/commands/up.ts')).toBe('cli');
    expect(layerOf('base/files/zip.ts')).toBe('base');
    expect(layerOf('base/paths.ts')).toBe('base');
    expect(layerOf('paths.ts')).toBeUndefined();
    expect(layerOf('nowhere/x.ts')).toBeUndefined();
    expect(checkImport('steps/mwaa/lifecycle.ts', '../../engine/types.js')).toBeUndefined();
    expect(checkImport('base/paths.ts', 'node:path')).toBeUndefined();
    expect(checkImport('base/errors.ts', '../cli/main.js')?.rule).toMatch(/^base -> cli is not allowed/);
  });
});
