import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/*
 * The local side of a sync (no AWS SDK here): push-dags lists and hashes the folder and starts
 * the Python check while the SDK clients are still loading.
 */

export interface LocalFile {
  /** Path relative to the synced folder, with `/` separators: the key suffix. */
  readonly relative: string;
  readonly path: string;
  readonly md5: string;
  /** Stored as the object's `sha256` metadata, which the CodeBuild deploy compares. */
  readonly sha256: string;
  readonly size: number;
}

const SKIPPED = new Set(['__pycache__', '.DS_Store', '.git', '.pytest_cache', 'node_modules']);

async function hashFile(path: string): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex') };
}

/** Every file under `dir` (no caches, no compiled Python), with its MD5. */
export async function listLocalFiles(dir: string): Promise<LocalFile[]> {
  const paths: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (SKIPPED.has(entry.name) || entry.name.endsWith('.pyc')) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) paths.push(full);
    }
  };
  await walk(dir);
  paths.sort();
  return Promise.all(
    paths.map(async (path) => ({
      relative: relative(dir, path).split(sep).join('/'),
      path,
      ...(await hashFile(path)),
      size: (await stat(path)).size,
    })),
  );
}
