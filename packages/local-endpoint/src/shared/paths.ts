/**
 * The one way a path is made from request data (a region, a run id, a DAG id): resolved against
 * a folder the endpoint made and verified to stay strictly inside it. `..`, an absolute part or a
 * part that resolves to the folder itself is refused, so nothing the endpoint writes, or removes
 * on close, can lie outside its own folder (issue 21, item 1 and 3).
 */
import { isAbsolute, relative, resolve } from 'node:path';

/** A path built from request data would leave the endpoint's folder. */
export class PathEscape extends Error {
  constructor(readonly root: string, readonly parts: readonly string[]) {
    super(`refused path: ${JSON.stringify(parts.join('/'))} does not stay inside ${root}`);
    this.name = 'PathEscape';
  }
}

/** `root` joined with `parts`, resolved; throws PathEscape unless the result is strictly inside `root`. */
export function within(root: string, ...parts: string[]): string {
  const base = resolve(root);
  if (parts.some((p) => p.includes('\0'))) throw new PathEscape(base, parts);
  const target = resolve(base, ...parts);
  const rel = relative(base, target);
  if (rel === '' || rel === '..' || rel.startsWith(`..${'/'}`) || rel.startsWith('..\\') || isAbsolute(rel)) {
    throw new PathEscape(base, parts);
  }
  return target;
}
