import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildZip, crc32, zipFolder } from '../../../src/base/files/zip.js';

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('deterministic zip', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('gives the same bytes whatever the entry order', () => {
    const a = buildZip([{ name: 'b.py', data: Buffer.from('b') }, { name: 'a.py', data: Buffer.from('a') }]);
    const b = buildZip([{ name: 'a.py', data: Buffer.from('a') }, { name: 'b.py', data: Buffer.from('b') }]);
    expect(a.equals(b)).toBe(true);
  });

  it('gives the same SHA-256 for a folder rebuilt with other timestamps, and skips caches', async () => {
    const one = await zipFolder(folder({ 'handler.py': 'x = 1\n', 'pkg/mod.py': 'y = 2\n' }));
    const two = await zipFolder(folder({ 'pkg/mod.py': 'y = 2\n', 'handler.py': 'x = 1\n', '__pycache__/handler.cpython-312.pyc': 'junk', 'pkg/mod.pyc': 'junk' }));
    expect(two.sha256).toBe(one.sha256);
    expect(two.zip.equals(one.zip)).toBe(true);
    const changed = await zipFolder(folder({ 'handler.py': 'x = 2\n', 'pkg/mod.py': 'y = 2\n' }));
    expect(changed.sha256).not.toBe(one.sha256);
  });

  it('is a valid archive that Python reads back, with 1980-01-01 timestamps', async () => {
    const dir = folder({ 'handler.py': 'def handler(e, c):\n    return 1\n', 'pkg/mod.py': 'y = 2\n' });
    const { zip } = await zipFolder(dir);
    const path = join(dir, 'out.zip');
    writeFileSync(path, zip);
    const script = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'print(sorted((i.filename, i.date_time[:3], oct(i.external_attr >> 16)) for i in z.infolist()))',
      'print(z.read("handler.py").decode())',
    ].join('\n');
    const out = execFileSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(out).toContain("('handler.py', (1980, 1, 1), '0o100644')");
    expect(out).toContain("('pkg/mod.py', (1980, 1, 1), '0o100644')");
    expect(out).toContain('def handler(e, c):');
  });
});
