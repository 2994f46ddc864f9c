import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateJobCommand,
  DeleteCrawlerCommand,
  DeleteDatabaseCommand,
  DeleteJobCommand,
  GetCrawlerCommand,
  GetDatabaseCommand,
  GetJobCommand,
  GetTagsCommand,
  TagResourceCommand,
  UpdateCrawlerCommand,
  UpdateJobCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { isNotFound, readOrUndefined } from '../aws/errors.js';
import { errorMatching, retryWhileRolePropagates } from '../aws/retry.js';
import { requireImplemented } from '../aws/unsupported.js';
import { errorName } from '../base/errors.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { adoptDetail, claim, leaveAlone, notOursDetail } from '../engine/ownership.js';
import { crawlerDifferences, crawlerSpec, glueArn, jobDifferences, jobSpec, tags } from './glue/specs.js';

const STEP = 'ensure-glue';
const roleNotAssumable = errorMatching('InvalidInputException', /unable to assume/i);

/** One Glue resource as read: missing, or present with the differences from what `up` makes. */
interface Observed {
  readonly type: 'glue-database' | 'glue-crawler' | 'glue-job';
  readonly id: string;
  readonly arn: string;
  readonly exists: boolean;
  readonly differences: string[];
  readonly tagged: boolean;
  /** The pipeline tag's value (undefined when untagged). */
  readonly tag?: string;
}

async function tagOf(glue: GlueClient, ctx: StepContext, arn: string): Promise<string | undefined> {
  const out = await readOrUndefined(() => glue.send(new GetTagsCommand({ ResourceArn: arn })));
  return out?.Tags?.[ctx.names.tagKey];
}

async function observe(ctx: StepContext): Promise<{ glue: GlueClient; resources: Observed[] }> {
  const glue = await ctx.clients.glue();
  const { names } = ctx;
  const [database, crawler, job] = await Promise.all([
    readOrUndefined(() => glue.send(new GetDatabaseCommand({ Name: names.glueDatabase }))),
    readOrUndefined(() => glue.send(new GetCrawlerCommand({ Name: names.crawler }))),
    readOrUndefined(() => glue.send(new GetJobCommand({ JobName: names.etlJob }))),
  ]);
  const arns = {
    database: glueArn(names, 'database', names.glueDatabase),
    crawler: glueArn(names, 'crawler', names.crawler),
    job: glueArn(names, 'job', names.etlJob),
  };
  const [dbTag, crawlerTag, jobTag] = await Promise.all([
    database?.Database ? tagOf(glue, ctx, arns.database) : undefined,
    crawler?.Crawler ? tagOf(glue, ctx, arns.crawler) : undefined,
    job?.Job ? tagOf(glue, ctx, arns.job) : undefined,
  ]);
  const ours = (tag: string | undefined) => ({ tag, tagged: tag === names.name });
  return {
    glue,
    resources: [
      { type: 'glue-database', id: names.glueDatabase, arn: arns.database, exists: !!database?.Database, differences: [], ...ours(dbTag) },
      {
        type: 'glue-crawler',
        id: names.crawler,
        arn: arns.crawler,
        exists: !!crawler?.Crawler,
        differences: crawler?.Crawler ? crawlerDifferences(crawlerSpec(names), crawler.Crawler) : [],
        ...ours(crawlerTag),
      },
      {
        type: 'glue-job',
        id: names.etlJob,
        arn: arns.job,
        exists: !!job?.Job,
        differences: job?.Job ? jobDifferences(jobSpec(names, ctx.config), job.Job) : [],
        ...ours(jobTag),
      },
    ],
  };
}

function create(ctx: StepContext, glue: GlueClient, type: Observed['type']): () => Promise<void> {
  const { names } = ctx;
  const withRole = <T>(fn: () => Promise<T>) => retryWhileRolePropagates(ctx, STEP, names.roles.glue, roleNotAssumable, fn);
  const ignoreExisting = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      // A retry after a lost response finds what it made; a later plan reports any difference.
      if (errorName(error) !== 'AlreadyExistsException') throw error;
    }
  };
  switch (type) {
    case 'glue-database':
      return () =>
        ignoreExisting(() =>
          glue.send(
            new CreateDatabaseCommand({
              DatabaseInput: { Name: names.glueDatabase, Description: `abalone-pipeline ${names.name}: new survey data` },
              Tags: tags(names),
            }),
          ),
        );
    case 'glue-crawler':
      return () => ignoreExisting(() => withRole(() => glue.send(new CreateCrawlerCommand({ ...crawlerSpec(names), Tags: tags(names) }))));
    case 'glue-job': {
      const spec = jobSpec(names, ctx.config);
      return () =>
        ignoreExisting(() => withRole(() => glue.send(new CreateJobCommand({ ...spec, Name: names.etlJob, Role: spec.Role!, Command: spec.Command!, Tags: tags(names) }))));
    }
  }
}

function update(ctx: StepContext, glue: GlueClient, type: 'glue-crawler' | 'glue-job'): () => Promise<void> {
  const { names } = ctx;
  const withRole = <T>(fn: () => Promise<T>) => retryWhileRolePropagates(ctx, STEP, names.roles.glue, roleNotAssumable, fn);
  if (type === 'glue-crawler') {
    return async () => {
      await requireImplemented('glue:UpdateCrawler', `crawler ${names.crawler}`, () =>
        withRole(() => glue.send(new UpdateCrawlerCommand({ ...crawlerSpec(names) }))),
      );
    };
  }
  return async () => {
    await requireImplemented('glue:UpdateJob', `job ${names.etlJob}`, () =>
      withRole(() => glue.send(new UpdateJobCommand({ JobName: names.etlJob, JobUpdate: jobSpec(names, ctx.config) }))),
    );
  };
}

function createDetail(ctx: StepContext, type: Observed['type']): string {
  const { names, config } = ctx;
  if (type === 'glue-database') return 'catalog database for the crawled new data';
  if (type === 'glue-crawler') return `over s3://${names.bucket}/${names.newDataPrefix} into ${names.glueDatabase}`;
  const spec = jobSpec(names, config);
  const capacity = spec.WorkerType ? `${spec.NumberOfWorkers} x ${spec.WorkerType}` : `${spec.MaxCapacity} DPU`;
  const engine = config.etlEngine === 'spark' ? 'Spark' : 'Python shell';
  return `${engine} job (${spec.Command?.Name}, Glue ${spec.GlueVersion}, ${capacity}), timeout ${spec.Timeout} min, 1 concurrent run`;
}

export const ensureGlue: Step = {
  name: STEP,
  dependsOn: ['ensure-roles', 'ensure-bucket'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { glue, resources } = await observe(ctx);
    claim(ctx, resources.filter((r) => r.exists).map((r) => ({ resource: r.arn, tag: r.tag })));
    const changes: Change[] = [];
    for (const r of resources) {
      if (!r.exists) {
        changes.push(change('create', r.arn, createDetail(ctx, r.type), create(ctx, glue, r.type)));
        continue;
      }
      if (r.differences.length > 0 && r.type !== 'glue-database') {
        changes.push(change('update', r.arn, r.differences.join('; '), update(ctx, glue, r.type)));
      }
      if (!r.tagged) {
        changes.push(
          change('update', r.arn, adoptDetail(ctx.names, r.tag), async () => {
            await glue.send(new TagResourceCommand({ ResourceArn: r.arn, TagsToAdd: tags(ctx.names) }));
          }),
        );
      }
    }
    return changes;
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { resources } = await observe(ctx);
    return resources.map((r): ResourceState => {
      const base = { type: r.type, id: r.id };
      if (!r.exists) return { ...base, state: 'missing', detail: '' };
      if (!r.tagged) return { ...base, state: 'drift', detail: notOursDetail(ctx.names, r.tag) };
      const drift = [...r.differences];
      return drift.length > 0 ? { ...base, state: 'drift', detail: drift.join('; ') } : { ...base, state: 'ok', detail: '' };
    });
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const { glue, resources } = await observe(ctx);
    const { names } = ctx;
    const ignoreMissing = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    };
    const remove: Record<Observed['type'], () => Promise<void>> = {
      'glue-crawler': () => ignoreMissing(() => glue.send(new DeleteCrawlerCommand({ Name: names.crawler }))),
      'glue-job': () => ignoreMissing(() => glue.send(new DeleteJobCommand({ JobName: names.etlJob }))),
      'glue-database': () => ignoreMissing(() => glue.send(new DeleteDatabaseCommand({ Name: names.glueDatabase }))),
    };
    const detail: Record<Observed['type'], string> = {
      'glue-crawler': 'the crawler',
      'glue-job': 'the ETL job',
      'glue-database': 'the catalog database and its tables',
    };
    // The crawler and job first: they name the database and the role.
    const order: Observed['type'][] = ['glue-crawler', 'glue-job', 'glue-database'];
    return order
      .map((type) => resources.find((r) => r.type === type)!)
      .filter((r) => r.exists)
      .filter((r) => r.tagged || (leaveAlone(ctx, STEP, r.arn, r.tag), false))
      .map((r) => change('delete', r.arn, detail[r.type], remove[r.type]));
  },
};
