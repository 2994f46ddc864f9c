import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * A deterministic ZIP writer: the same files give the same bytes on every machine, so the
 * archive's SHA-256 (Lambda's CodeSha256) changes only when the content does. Entries are
 * STORED (uncompressed): deflate output can differ between zlib builds, STORE cannot; the
 * archives here are a few kilobytes. Every entry has the DOS time 1980-01-01 00:00:00, mode
 * 0644 and a name sorted by byte order; there are no extra fields and no comments.
 */
export interface ZipEntry {
  /** The path in the archive, with forward slashes. */
  readonly name: string;
  readonly data: Uint8Array;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
const VERSION = 20; // 2.0: the lowest that every unzip reads
const MADE_BY_UNIX = (3 << 8) | VERSION;
const FILE_MODE = 0o100644;
const UTF8_NAMES = 0x0800;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function buildZip(entries: readonly ZipEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => compareBytes(a.name, b.name));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = Buffer.from(entry.data);
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(0, 8); // STORE
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(UTF8_NAMES, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, directory, end]);
}

/** Byte caches and compiled Python never belong in a deployment package. */
function skipped(name: string): boolean {
  return name === '__pycache__' || name.endsWith('.pyc') || name === '.DS_Store';
}

/** Every file under dir (recursively), named relative to it, skipping caches. */
export async function zipEntriesOf(dir: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const item of await readdir(current, { withFileTypes: true })) {
      if (skipped(item.name)) continue;
      const path = join(current, item.name);
      if (item.isDirectory()) await walk(path);
      else if (item.isFile()) entries.push({ name: relative(dir, path).split(sep).join('/'), data: await readFile(path) });
    }
  };
  await walk(dir);
  return entries;
}

/** The ZIP of a folder and its SHA-256 in base64, the form Lambda reports as CodeSha256. */
export async function zipFolder(dir: string): Promise<{ zip: Buffer; sha256: string }> {
  const zip = buildZip(await zipEntriesOf(dir));
  return { zip, sha256: createHash('sha256').update(zip).digest('base64') };
}
