import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { checkLayers, describeViolation } from '../../support/layer-rules.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));

it('every import under src/ keeps the layer rules (src/README.md), and steps hold no module-level state', async () => {
  const violations = await checkLayers(SRC);
  expect(violations.map(describeViolation).join('\n'), `${violations.length} broken layer rule(s)`).toBe('');
});
