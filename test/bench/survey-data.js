import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: a small seeded generator, so every bench run validates the same rows. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes `rows` valid survey rows (with the header) to `path`; resolves to the file's size. */
export async function writeSurveyFile(path, rows, seed = 7) {
  const next = random(seed);
  const out = createWriteStream(path);
  const sexes = ['M', 'F', 'I'];
  const n = (scale, digits) => (next() * scale).toFixed(digits);
  let bytes = 0;
  let chunk = 'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings\n';
  for (let i = 0; i < rows; i++) {
    const length = next() * 0.7 + 0.07;
    chunk += `${sexes[Math.floor(next() * 3)]},${length.toFixed(3)},${(length * 0.8).toFixed(3)},${n(0.25, 3)},${n(2.5, 4)},${n(1.2, 4)},${n(0.6, 4)},${n(0.9, 4)},${1 + Math.floor(next() * 29)}\n`;
    if (chunk.length > 1 << 16) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += chunk.length;
  out.end(chunk);
  await once(out, 'close');
  return bytes;
}
