import { countObjects } from '../aws/s3-objects.js';
import { runsPrefix } from '../engine/names.js';
import type { OpContext } from './context.js';

/** Objects in the bucket that only users made: data they added, and the records of their runs. */
export interface UserData {
  /** e.g. "12 objects under abalone_data/new/ (data added with add-data)" */
  readonly descriptions: readonly string[];
}

/**
 * What `destroy` (without --keep-data) would delete for good that `up` cannot put back: objects
 * under `<name>_data/new/` and run records under `<name>_data/runs/`. Undefined when there are none.
 */
export async function findUserData(ctx: OpContext): Promise<UserData | undefined> {
  const session = await ctx.openSession();
  const { names } = session;
  const s3 = await session.clients.s3();
  const kinds = [
    { prefix: names.newDataPrefix, what: 'data added with add-data' },
    { prefix: runsPrefix(names), what: 'run records' },
  ];
  const counts = await Promise.all(kinds.map((k) => countObjects(s3, names.bucket, k.prefix)));
  const descriptions = kinds.flatMap((k, i) => {
    const { count, more } = counts[i]!;
    if (count === 0) return [];
    return [`${more ? `${count} or more` : count} object${count === 1 && !more ? '' : 's'} under ${k.prefix} (${k.what})`];
  });
  return descriptions.length > 0 ? { descriptions } : undefined;
}
