/**
 * Glue crawler runs the local endpoint performs (StartCrawler, StopCrawler, GetCrawlerMetrics, and
 * the state GetCrawler/GetCrawlers report over moto's definitions): one table per S3 target,
 * its schema inferred from a sample of its first object (csv-schema.ts).
 */
import { CreateTableCommand, GetCrawlerCommand, GetDatabaseCommand, UpdateTableCommand, type Crawler } from '@aws-sdk/client-glue';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { ComputeContext } from '../compute/context.js';
import { getBytes, listKeys, parseS3Uri } from '../compute/s3-files.js';
import { AwsError, epoch, fromSdkError, jsonBody, jsonReply, str, type Forward, type Reply, type ServiceRequest } from '../protocol.js';
import { inferCsvSchema } from './csv-schema.js';

interface CrawlState {
  state: 'READY' | 'RUNNING' | 'STOPPING';
  lastCrawl?: { Status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'; ErrorMessage?: string; LogGroup: string; LogStream: string; MessagePrefix: string; StartTime: Date };
  startedAt?: Date;
  lastRuntime: number;
  runtimes: number[];
  tablesCreated: number;
  tablesUpdated: number;
}

export class GlueCrawls {
  private crawls = new Map<string, CrawlState>();

  constructor(private readonly ctx: ComputeContext) {}

  /** The crawler operations this module owns; undefined for the rest. */
  async handle(req: ServiceRequest, op: string, forward: Forward): Promise<Reply | undefined> {
    switch (op) {
      case 'StartCrawler':
        return jsonReply(await this.startCrawler(req.region, jsonBody(req.body)));
      case 'StopCrawler':
        return jsonReply(this.stopCrawler(jsonBody(req.body)));
      case 'GetCrawlerMetrics':
        return jsonReply(this.crawlerMetrics(jsonBody(req.body)));
      case 'GetCrawler':
      case 'GetCrawlers':
        return this.overlayCrawlers(await forward());
      default:
        return undefined;
    }
  }

  reset(): void {
    this.crawls.clear();
  }

  private crawl(name: string): CrawlState {
    let c = this.crawls.get(name);
    if (!c) {
      c = { state: 'READY', lastRuntime: 0, runtimes: [], tablesCreated: 0, tablesUpdated: 0 };
      this.crawls.set(name, c);
    }
    return c;
  }

  private async startCrawler(region: string, input: Record<string, unknown>): Promise<Record<string, never>> {
    const name = str(input, 'Name', true);
    let crawler: Crawler;
    try {
      crawler = (await (await this.ctx.moto(region).glue()).send(new GetCrawlerCommand({ Name: name }))).Crawler!;
    } catch (error) {
      throw fromSdkError(error);
    }
    const state = this.crawl(name);
    if (state.state !== 'READY') throw new AwsError('CrawlerRunningException', `Crawler with name ${name} has already started`);
    state.state = 'RUNNING';
    state.startedAt = new Date();
    void this.runCrawl(region, crawler, state);
    return {};
  }

  private async runCrawl(region: string, crawler: Crawler, state: CrawlState): Promise<void> {
    const started = state.startedAt!;
    let status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';
    let message: string | undefined;
    try {
      const counts = await this.catalogTargets(region, crawler);
      state.tablesCreated = counts.created;
      state.tablesUpdated = counts.updated;
    } catch (error) {
      status = 'FAILED';
      message = (error as Error).message;
    }
    if (state.state !== 'RUNNING' && state.state !== 'STOPPING') return;
    state.state = 'STOPPING';
    const runtime = (Date.now() - started.getTime()) / 1000;
    setTimeout(() => {
      if (this.crawls.get(crawler.Name!) !== state) return;
      state.state = 'READY';
      state.lastRuntime = runtime;
      state.runtimes.push(runtime);
      state.lastCrawl = {
        Status: state.lastCrawl?.Status === 'CANCELLED' ? 'CANCELLED' : status,
        ...(message ? { ErrorMessage: message } : {}),
        LogGroup: '/aws-glue/crawlers',
        LogStream: crawler.Name!,
        MessagePrefix: randomUUID(),
        StartTime: started,
      };
    }, 100);
  }

  /** One table per S3 target, named after the target's last path segment, in the crawler's database. */
  private async catalogTargets(region: string, crawler: Crawler): Promise<{ created: number; updated: number }> {
    const glue = await this.ctx.moto(region).glue();
    const s3 = await this.ctx.moto(region).s3();
    const database = crawler.DatabaseName;
    if (!database) throw new Error('the crawler has no DatabaseName');
    try {
      await glue.send(new GetDatabaseCommand({ Name: database }));
    } catch {
      throw new Error(`Database ${database} not found`);
    }
    let created = 0;
    let updated = 0;
    const unsupported = Object.entries(crawler.Targets ?? {}).filter(([k, v]) => k !== 'S3Targets' && Array.isArray(v) && v.length > 0);
    if (unsupported.length) throw new Error(`the local endpoint crawls S3 targets only (this crawler has ${unsupported.map(([k]) => k).join(', ')})`);
    for (const target of crawler.Targets?.S3Targets ?? []) {
      const loc = parseS3Uri(target.Path ?? '');
      if (!loc) throw new Error(`S3 target ${target.Path} is not an s3:// path`);
      const keys = (await listKeys(s3, loc)).filter((k) => !basename(k).startsWith('.') && !basename(k).startsWith('_'));
      if (keys.length === 0) continue;
      const sample = (await getBytes(s3, { bucket: loc.bucket, key: keys[0]! })).subarray(0, 1 << 20).toString('utf8');
      const schema = inferCsvSchema(sample);
      if (!schema) continue;
      const folder = loc.key.replace(/\/+$/, '').split('/').pop() || loc.bucket;
      const tableName = `${crawler.TablePrefix ?? ''}${folder}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      const table = {
        Name: tableName,
        TableType: 'EXTERNAL_TABLE',
        Parameters: {
          classification: 'csv',
          delimiter: ',',
          typeOfData: 'file',
          columnsOrdered: 'true',
          areColumnsQuoted: 'false',
          ...(schema.hasHeader ? { 'skip.header.line.count': '1' } : {}),
          UPDATED_BY_CRAWLER: crawler.Name!,
          CrawlerSchemaSerializerVersion: '1.0',
          CrawlerSchemaDeserializerVersion: '1.0',
        },
        StorageDescriptor: {
          Columns: schema.columns,
          Location: `s3://${loc.bucket}/${loc.key.endsWith('/') || loc.key === '' ? loc.key : `${loc.key}/`}`,
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          Compressed: false,
          NumberOfBuckets: -1,
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe', Parameters: { 'field.delim': ',' } },
          Parameters: { classification: 'csv', delimiter: ',', typeOfData: 'file' },
          StoredAsSubDirectories: false,
        },
      };
      try {
        await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: table }));
        created++;
      } catch (error) {
        if ((error as { name?: string }).name !== 'AlreadyExistsException') throw error;
        if (crawler.SchemaChangePolicy?.UpdateBehavior === 'LOG') continue;
        await glue.send(new UpdateTableCommand({ DatabaseName: database, TableInput: table }));
        updated++;
      }
    }
    return { created, updated };
  }

  private stopCrawler(input: Record<string, unknown>): Record<string, never> {
    const name = str(input, 'Name', true);
    const state = this.crawls.get(name);
    if (!state || state.state === 'READY') throw new AwsError('CrawlerNotRunningException', `Crawler with name ${name} is not running`);
    if (state.state === 'STOPPING') throw new AwsError('CrawlerStoppingException', `Crawler with name ${name} is stopping`);
    state.lastCrawl = { Status: 'CANCELLED', LogGroup: '/aws-glue/crawlers', LogStream: name, MessagePrefix: randomUUID(), StartTime: state.startedAt! };
    state.state = 'STOPPING';
    return {};
  }

  private crawlerMetrics(input: Record<string, unknown>) {
    const names = Array.isArray(input.CrawlerNameList) ? (input.CrawlerNameList as unknown[]).filter((n): n is string => typeof n === 'string') : [...this.crawls.keys()];
    return {
      CrawlerMetricsList: names.map((name) => {
        const c = this.crawl(name);
        const sorted = [...c.runtimes].sort((a, b) => a - b);
        return {
          CrawlerName: name,
          TimeLeftSeconds: 0,
          StillEstimating: c.state === 'RUNNING',
          LastRuntimeSeconds: c.lastRuntime,
          MedianRuntimeSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0,
          TablesCreated: c.tablesCreated,
          TablesUpdated: c.tablesUpdated,
          TablesDeleted: 0,
        };
      }),
    };
  }

  private overlayCrawlers(reply: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }): Reply {
    const headers = Object.fromEntries(Object.entries(reply.headers).filter(([k, v]) => typeof v === 'string' && !['content-length', 'transfer-encoding'].includes(k))) as Record<string, string>;
    if (reply.status !== 200) return { status: reply.status, headers, body: reply.body };
    const body = JSON.parse(reply.body.toString('utf8')) as { Crawler?: Record<string, unknown>; Crawlers?: Array<Record<string, unknown>> };
    const overlay = (c: Record<string, unknown>) => {
      const state = this.crawls.get(String(c.Name));
      if (!state) return c;
      return {
        ...c,
        State: state.state,
        ...(state.lastCrawl ? { LastCrawl: { ...state.lastCrawl, StartTime: epoch(state.lastCrawl.StartTime) } } : {}),
        ...(state.state === 'RUNNING' && state.startedAt ? { CrawlElapsedTime: Date.now() - state.startedAt.getTime() } : {}),
      };
    };
    if (body.Crawler) body.Crawler = overlay(body.Crawler);
    if (body.Crawlers) body.Crawlers = body.Crawlers.map(overlay);
    return { status: 200, headers, body: JSON.stringify(body) };
  }
}
