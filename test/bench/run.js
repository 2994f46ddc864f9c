#!/usr/bin/env node
/**
 * `npm run bench`: how fast the built CLI is against the local endpoint (issue #7).
 *
 * Each scenario runs after a warm-up, several times; the table shows the median (and min/max)
 * wall time from spawn to exit, and the AWS calls counted by a proxy in front of the endpoint
 * (read or mutating, classified by test/support/counting-proxy.ts; the lock's own calls apart).
 * Writes test/bench/results.md (with the date and machine) and prints the same.
 *
 *   node test/bench/run.js [--runs N] [--delay D] [--only endpoint,help,fresh,noop,status,destroy,push,add,critical,compute,run,run-skipped] [--out file]
 *
 * Not part of `npm test`: timings are reported, never asserted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { register } from 'node:module';
import { parseArgs } from 'node:util';
import { MeteredProxy } from './metered-proxy.js';
import { cli, markdownTable, medianRun, ms, mustSucceed, peakConcurrentSteps, readTimeline, renderTimeline, ROOT, stats, timed, timeSplit } from './lib.js';
import { writeSurveyFile } from './survey-data.js';
import { benchCompute } from './compute.js';
import { benchPipelineRun } from './pipeline-run.js';

// The test helpers are TypeScript: the bench loads them as they are (types stripped).
register('./ts-loader.js', import.meta.url);
const support = await import('../support/counting-proxy.ts');
const { startLocalEndpoint } = await import('../support/local-endpoint.ts');

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    delay: { type: 'string', default: '20' },
    only: { type: 'string' },
    out: { type: 'string' },
  },
});
const RUNS = Math.max(1, Number(opts.runs));
const DELAY = Number(opts.delay);
const ONLY = opts.only ? new Set(opts.only.split(',')) : undefined;
const wanted = (name) => !ONLY || ONLY.has(name);
const OUT = opts.out ?? (ONLY ? undefined : join(ROOT, 'test/bench/results.md'));

const work = mkdtempSync(join(tmpdir(), 'abalone-bench-'));
const rows = [];
const sections = [];
const notes = [];
/** Where the time of each counted run went (the split table). */
const splits = [];
let nodeBaseline = 0;
const loadNow = () => loadavg()[0].toFixed(1);
const log = (line) => process.stderr.write(`${line}\n`);
const verdict = (ok, why = '') => `${ok ? 'met' : '**NOT met**'}${why ? `: ${why}` : ''}`;
const span = (s) => `${ms(s.min)} – ${ms(s.max)}`;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

function haveCommand(command, args = ['--version']) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** Runs `fn` once as a warm-up, then `runs` times; returns the measured runs. */
async function repeat(runs, fn) {
  await fn(-1);
  const out = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

let endpoint;
let proxy;
let critical;
let criticalProxy;

/** When the run's first AWS call went out, in ms from the spawn. */
function firstCall(p, run) {
  return p.calls.length ? Math.min(...p.calls.map((c) => c.t0)) - run.started : undefined;
}
const started = performance.now();
const loadAtStart = loadavg()[0];

try {
  log(`bench: starting the local endpoint (moto_server and the MWAA emulator, delays 0)…`);
  // Emulator delays 0: the figures are the tool's and moto's, not a simulated AWS wait.
  endpoint = await startLocalEndpoint({ ABALONE_MWAA_CREATE_DELAY: '0', ABALONE_MWAA_UPDATE_DELAY: '0', ABALONE_MWAA_DELETE_DELAY: '0', ABALONE_LOCAL_ENDPOINT_DELAY: '0' });
  proxy = new MeteredProxy(endpoint.url, support);
  await proxy.start();
  // Timed runs go straight to the endpoint; one more run per scenario goes through the metered
  // proxy, for the calls and the split of its time (a proxy adds a hop to every call).
  const direct = endpoint.env;
  const env = { ...endpoint.env, AWS_ENDPOINT_URL: proxy.url };
  const bucket = 'abalone-data-us-east-1-123456789012';

  // --- Node alone, in the same run: the floor under every figure -------------------------------
  const bare = stats((await repeat(Math.max(RUNS, 9), () => timed(process.execPath, ['-e', '0']))).map((r) => r.ms));
  nodeBaseline = bare.median;
  rows.push(['`node -e 0` (Node alone, for reference)', '', ms(bare.median), span(bare), '', `load ${loadNow()}`]);

  /** One counted run through the proxy: its calls and where its time went. */
  const counted = async (run) => {
    proxy.clear();
    const r = await run(env);
    const calls = [...proxy.calls];
    return { ...r, calls: proxy.summary(), raw: calls, firstCall: firstCall(proxy, r), split: timeSplit(r, calls, nodeBaseline) };
  };
  const recordSplit = (label, r, load) => splits.push([label, ms(r.split.total), ms(r.split.node), ms(r.split.loading), ms(r.split.endpoint), ms(r.split.rest), `${r.split.calls}: ${ms(r.split.perCallMedian)} median, ${ms(r.split.perCallSum)} in all`, load]);

  // --- the endpoint alone: what one call costs there, without the CLI -------------------------
  if (wanted('endpoint') || wanted('noop') || wanted('status')) {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const sts = new STSClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await sts.send(new GetCallerIdentityCommand({}));
    const N = 40;
    const load = loadNow();
    let t = performance.now();
    for (let i = 0; i < N; i++) await sts.send(new GetCallerIdentityCommand({}));
    const sequential = (performance.now() - t) / N;
    t = performance.now();
    await Promise.all(Array.from({ length: N }, () => sts.send(new GetCallerIdentityCommand({}))));
    const concurrent = (performance.now() - t) / N;
    sts.destroy();
    rows.push([
      `the endpoint alone: ${N} STS GetCallerIdentity calls from one warm client`,
      '(reference: time per call at the endpoint)',
      `${ms(sequential)} per call`,
      `${ms(concurrent)} per call with ${N} in flight`,
      `${2 * N} / 0`,
      `load ${load}: the floor under every call the CLI makes`,
    ]);
  }

  // --- --help ------------------------------------------------------------------------------
  if (wanted('help')) {
    log('bench: --help');
    const load = loadNow();
    const help = stats((await repeat(Math.max(RUNS, 9), () => cli(['--help']).then((r) => mustSucceed(r, '--help')))).map((r) => r.ms));
    rows.push(['`abalone-pipeline --help` (process start to exit)', '≤ 60 ms', ms(help.median), span(help), '–', verdict(help.median <= 60, `${ms(help.median - nodeBaseline)} over \`node -e 0\`; load ${load}`)]);
  }

  // --- fresh up ------------------------------------------------------------------------------
  const timelineFile = join(work, 'timeline.jsonl');
  // Fresh: after a destroy, so that moto's backends are warm (a reset makes moto build each
  // service's backend again on its first call: the cold run below shows what that costs).
  const freshUp = async (useEnv = direct, cold = false) => {
    if (cold) await endpoint.reset();
    else mustSucceed(await cli(['destroy', '--yes'], { env: direct }), 'destroy before a fresh up');
    rmSync(timelineFile, { force: true });
    const r = mustSucceed(await cli(['up', '--yes', '--no-wait'], { env: { ...useEnv, ABALONE_TIMELINE: timelineFile } }), 'fresh up');
    return { ...r, timeline: readTimeline(timelineFile) };
  };
  if (wanted('fresh')) {
    log('bench: fresh up --yes --no-wait');
    const load = loadNow();
    const runs = await repeat(Math.max(3, RUNS - 2), () => freshUp());
    const s = stats(runs.map((r) => r.ms));
    const peak = Math.min(...runs.map((r) => peakConcurrentSteps(r.timeline)));
    const c = await counted(freshUp);
    rows.push([
      'fresh `up --yes --no-wait` (after a warm-up)',
      '≤ 1.0 s; independent steps concurrent',
      ms(s.median),
      span(s),
      `${c.calls.reads} / ${c.calls.mutating} (+${c.calls.lock} lock)`,
      verdict(s.median <= 1000 && peak >= 2, `up to ${peak} steps at once; load ${load}`),
    ]);
    recordSplit('fresh `up --yes --no-wait`', c, load);
    const cold = await counted((e) => freshUp(e, true));
    recordSplit('fresh `up --yes --no-wait`, cold (just after a reset)', cold, loadNow());
    const slow = [...cold.raw].sort((a, b) => b.t1 - b.t0 - (a.t1 - a.t0)).slice(0, 3);
    notes.push(
      `Fresh \`up\` just after a reset of the endpoint took ${ms(cold.ms)}: moto builds a service's backend on its first call after a reset; ` +
        `the slowest calls were ${slow.map((x) => `${x.service} ${x.operation} (${ms(x.t1 - x.t0)})`).join(', ')}.`,
    );
    sections.push(`### Timeline: fresh \`up --yes --no-wait\` (the counted run, ${ms(c.ms)}, through the proxy)\n\n\`\`\`text\n${renderTimeline(c.timeline, c.ms, c.firstCall)}\n\`\`\``);
  }

  // --- no-op up --------------------------------------------------------------------------------
  const converge = async () => {
    await endpoint.reset();
    mustSucceed(await cli(['up', '--yes'], { env: direct }), 'converging up');
  };
  if (wanted('noop') || wanted('status') || wanted('push')) await converge();
  if (wanted('noop')) {
    log('bench: no-op up');
    const load = loadNow();
    const noop = async (useEnv = direct) => {
      rmSync(timelineFile, { force: true });
      const r = mustSucceed(await cli(['up', '--yes'], { env: { ...useEnv, ABALONE_TIMELINE: timelineFile } }), 'no-op up');
      if (!/Done: nothing changed/.test(r.stdout)) throw new Error(`no-op up changed something:\n${r.stdout}`);
      return { ...r, timeline: readTimeline(timelineFile) };
    };
    const runs = await repeat(RUNS, () => noop());
    const s = stats(runs.map((r) => r.ms));
    const c = await counted(noop);
    const repeated = c.calls.repeatedReads;
    rows.push([
      'no-op `up --yes`',
      '≤ 0.5 s; zero mutating calls; no read repeated',
      ms(s.median),
      span(s),
      `${c.calls.reads} / ${c.calls.mutating} (+${c.calls.lock} lock)`,
      verdict(c.calls.mutating === 0 && s.median <= 500 && repeated === 0, `${c.calls.reads} reads, ${repeated} repeated; load ${load}`),
    ]);
    recordSplit('no-op `up --yes`', c, load);
    sections.push(
      `### No-op \`up\`: the ${c.calls.reads} reads (the counted run)\n\n` +
        `${proxy.breakdown((x) => !x.mutating && !x.lock).join(', ')}.\n\n` +
        `Identical requests repeated: ${repeated}. The lock's own calls (${c.calls.lock}) are counted apart.\n\n` +
        `\`\`\`text\n${renderTimeline(c.timeline, c.ms, c.firstCall)}\n\`\`\``,
    );
  }

  // --- status ----------------------------------------------------------------------------------
  if (wanted('status')) {
    log('bench: status');
    const load = loadNow();
    const status = (useEnv = direct) => cli(['status'], { env: useEnv, rssFile: join(work, 'rss.txt') }).then((r) => mustSucceed(r, 'status', [0, 3]));
    const runs = await repeat(RUNS, () => status());
    const s = stats(runs.map((r) => r.ms));
    const rss = stats(runs.map((r) => r.rssKiB));
    const c = await counted(status);
    const writes = c.calls.mutating + c.calls.lock;
    rows.push([
      '`status`',
      '≤ 0.4 s; reads only, concurrent',
      ms(s.median),
      span(s),
      `${c.calls.reads} / ${writes}`,
      verdict(writes === 0 && c.calls.peakInFlight > 1 && s.median <= 400, `up to ${c.calls.peakInFlight} calls in flight; exit ${c.code}; load ${load}`),
    ]);
    rows.push(['peak memory of `status` (maxRSS)', '≤ 150 MB', `${(rss.median / 1024).toFixed(0)} MiB`, `${(rss.min / 1024).toFixed(0)} – ${(rss.max / 1024).toFixed(0)} MiB`, '', verdict(rss.median * 1024 <= 150e6, `${((rss.median * 1024) / 1e6).toFixed(0)} MB`)]);
    recordSplit('`status`', c, load);
    sections.push(`### \`status\`: the ${c.calls.reads} reads (the counted run)\n\n${proxy.breakdown().join(', ')}.`);
  }

  // --- destroy ---------------------------------------------------------------------------------
  if (wanted('destroy')) {
    log('bench: destroy --yes');
    const load = loadNow();
    const destroy = async (useEnv = direct) => {
      await converge();
      rmSync(timelineFile, { force: true });
      const r = mustSucceed(await cli(['destroy', '--yes'], { env: { ...useEnv, ABALONE_TIMELINE: timelineFile } }), 'destroy');
      return { ...r, timeline: readTimeline(timelineFile, 'destroy') };
    };
    const runs = await repeat(Math.max(3, RUNS - 2), () => destroy());
    const s = stats(runs.map((r) => r.ms));
    const c = await counted(destroy);
    rows.push(['`destroy --yes` (a converged pipeline)', '≤ 1.0 s', ms(s.median), span(s), `${c.calls.reads} / ${c.calls.mutating} (+${c.calls.lock} lock)`, verdict(s.median <= 1000, `load ${load}`)]);
    recordSplit('`destroy --yes`', c, load);
    sections.push(`### Timeline: \`destroy --yes\` (the counted run, ${ms(c.ms)}, through the proxy)\n\n\`\`\`text\n${renderTimeline(c.timeline, c.ms, c.firstCall)}\n\`\`\``);
    if (wanted('push') || wanted('add')) await converge();
  }

  // --- push-dags vs aws s3 sync ---------------------------------------------------------------
  if (wanted('push')) {
    const awsCli = haveCommand('aws');
    const dir = join(work, 'airflow');
    mkdirSync(join(dir, 'dags'), { recursive: true });
    const dagText = (i, version = 0) =>
      `"""Bench DAG ${i}."""\nfrom datetime import datetime\n\nVERSION = ${version}\nTASKS = [${Array.from({ length: 20 }, (_, k) => `"task_${i}_${k}"`).join(', ')}]\n\n\ndef run(context):\n    return {"dag": ${i}, "when": datetime(2026, 1, 1).isoformat(), "tasks": len(TASKS)}\n`;
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, 'dags', `dag_${String(i).padStart(3, '0')}.py`), dagText(i));
    const awsEnv = { ...endpoint.env, AWS_CONFIG_FILE: join(work, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'aws-credentials'), HOME: work };
    const awsSync = () => timed('aws', ['s3', 'sync', dir, `s3://${bucket}/airflow/`, '--endpoint-url', proxy.url, '--only-show-errors'], { env: awsEnv });
    const pushDags = () => cli(['push-dags', '--dir', dir], { env });
    const uploads = () => proxy.calls.filter((c) => c.service === 's3' && c.method === 'PUT' && c.path.includes('/airflow/')).length;
    const measure = async (what, run) => {
      proxy.clear();
      const r = mustSucceed(await run(), what);
      return { ...r, uploads: uploads(), calls: proxy.summary() };
    };
    log('bench: push-dags, 200 files');
    mustSucceed(await pushDags(), 'first push-dags');

    const compare = async (label, prepare) => {
      const push = [];
      const aws = [];
      let version = 0;
      // Cheap and noisy (two interpreters starting): more runs, the two tools alternating.
      await repeat(Math.max(RUNS, 9), async (i) => {
        if (prepare) prepare(++version);
        const p = await measure('push-dags', pushDags);
        if (prepare) prepare(++version);
        const a = awsCli ? await measure('aws s3 sync', awsSync) : undefined;
        if (i >= 0) {
          push.push(p);
          if (a) aws.push(a);
        }
      });
      return { label, push, aws };
    };
    const unchanged = await compare('nothing changed');
    const changed = await compare('one changed', (v) => writeFileSync(join(dir, 'dags', 'dag_042.py'), dagText(42, v)));
    for (const { label, push, aws } of [unchanged, changed]) {
      const want = label === 'one changed' ? 1 : 0;
      const p = stats(push.map((r) => r.ms));
      const uploadsSeen = [...new Set(push.map((r) => r.uploads))];
      const a = aws.length ? stats(aws.map((r) => r.ms)) : undefined;
      const ratio = a ? p.median / a.median : undefined;
      const mid = medianRun(push);
      rows.push([
        `\`push-dags\`, 200 files, ${label}`,
        want === 1 ? 'exactly one upload; faster than `aws s3 sync`' : 'zero uploads; ≤ 0.5× the time of `aws s3 sync`',
        ms(p.median),
        span(p),
        `${mid.calls.reads} / ${mid.calls.mutating} (+${mid.calls.lock} lock); uploads: ${uploadsSeen.join(', ')}`,
        a
          ? verdict(uploadsSeen.length === 1 && uploadsSeen[0] === want && ratio <= (want === 1 ? 1 : 0.5), `${ratio.toFixed(2)}× the time of \`aws s3 sync\` (${(1 / ratio).toFixed(1)}× faster); load ${loadNow()}`)
          : verdict(uploadsSeen.length === 1 && uploadsSeen[0] === want, 'aws CLI not installed: no comparison'),
      ]);
      if (a) {
        const am = medianRun(aws);
        rows.push([`\`aws s3 sync\` of the same folder, ${label}`, '(comparison, same endpoint, same run)', ms(a.median), span(a), `${am.calls.reads} / ${am.calls.mutating}; uploads: ${[...new Set(aws.map((r) => r.uploads))].join(', ')}`, '']);
      }
    }
  }

  // --- add-data, 1 million rows -------------------------------------------------------------
  if (wanted('add')) {
    log('bench: add-data (generating the survey files)');
    if (!wanted('noop') && !wanted('status') && !wanted('push') && !wanted('fresh')) await freshUp();
    const { S3Client, ListObjectsV2Command, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const forget = async () => {
      // The same content is never uploaded twice: remove it so that every run uploads.
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'abalone_data/new/' }));
      const Objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key }));
      if (Objects.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects } }));
    };
    const sizes = { small: 100_000, large: 1_000_000, huge: 3_000_000 };
    const files = {};
    for (const [name, count] of Object.entries(sizes)) {
      files[name] = { path: join(work, `survey-${count}.csv`), count };
      files[name].bytes = await writeSurveyFile(files[name].path, count, 7);
    }
    const addData = async (file) => {
      await forget();
      proxy.clear();
      const r = mustSucceed(await cli(['add-data', file.path], { env, rssFile: join(work, 'rss.txt') }), 'add-data');
      if (!/accepted .* → s3:/.test(r.stdout)) throw new Error(`add-data did not upload:\n${r.stdout}`);
      const at = (pred) => proxy.calls.find(pred);
      const sts = at((c) => c.service === 'sts');
      const head = at((c) => c.service === 's3' && c.method === 'HEAD');
      const put = at((c) => c.service === 's3' && c.method === 'PUT');
      return { ...r, validateMs: head && sts ? head.t0 - sts.t1 : NaN, uploadMs: put ? put.t1 - put.t0 : NaN, uploaded: put?.bytes ?? 0 };
    };
    log('bench: add-data 100k, 1M and 3M rows');
    const small = await repeat(Math.min(RUNS, 3), () => addData(files.small));
    const large = await repeat(Math.min(RUNS, 3), () => addData(files.large));
    const huge = [await addData(files.huge)];
    await forget();
    const s = stats(large.map((r) => r.ms));
    const mid = medianRun(large);
    const rss = (runs) => stats(runs.map((r) => r.rssKiB)).median;
    const mib = (kib) => `${Math.round(kib / 1024)} MiB`;
    const perSecond = (rowsDone, msTaken) => Math.round(rowsDone / (msTaken / 1000)).toLocaleString('en');
    // Memory that held the data would grow by at least the extra data from 1M to 3M rows (about
    // 100 MB); flat: it grows by less than 64 MiB (GC timing alone moves the peak by ±30 MiB).
    const growth = rss(huge) - rss(large);
    const flat = growth < 64 * 1024;
    rows.push([
      `\`add-data\`, 1 million rows (${(files.large.bytes / 1e6).toFixed(0)} MB)`,
      'throughput in rows/s; memory stays flat (peak RSS)',
      ms(s.median),
      span(s),
      '2 / 1',
      verdict(
        flat,
        `${perSecond(files.large.count, mid.ms)} rows/s end to end; validation ${perSecond(files.large.count, mid.validateMs)} rows/s; ` +
          `upload ${perSecond(files.large.count, mid.uploadMs)} rows/s (${(mid.uploaded / 1e6 / (mid.uploadMs / 1000)).toFixed(0)} MB/s); ` +
          `peak RSS (median) ${mib(rss(small))} at 100k rows, ${mib(rss(large))} at 1M, ${mib(rss(huge))} at 3M (${(files.huge.bytes / 1e6).toFixed(0)} MB, ${ms(huge[0].ms)}): ` +
          `${growth >= 0 ? '+' : '−'}${mib(Math.abs(growth))} for ${((files.huge.bytes - files.large.bytes) / 1e6).toFixed(0)} MB more data`,
      ),
    ]);
  }

  // --- up critical path with a slow MWAA --------------------------------------------------------
  if (wanted('critical')) {
    log(`bench: up with the MWAA emulator's creation delay at ${DELAY} s`);
    critical = await startLocalEndpoint({ ABALONE_MWAA_CREATE_DELAY: String(DELAY) });
    criticalProxy = new MeteredProxy(critical.url, support);
    await criticalProxy.start();
    const cenv = { ...critical.env, AWS_ENDPOINT_URL: criticalProxy.url };
    // Warm the endpoint (moto builds its EC2, IAM, ... backends on first use), then start over.
    mustSucceed(await cli(['up', '--yes', '--no-wait', '--only', 'ensure-bucket,ensure-vpc,ensure-roles'], { env: cenv }), 'warm-up up');
    await critical.reset();
    rmSync(timelineFile, { force: true });
    criticalProxy.clear();
    const r = mustSucceed(await cli(['up', '--yes'], { env: { ...cenv, ABALONE_TIMELINE: timelineFile } }), 'critical-path up');
    const calls = criticalProxy.summary();
    const timeline = readTimeline(timelineFile);
    const mwaa = timeline.find((t) => t.step === 'ensure-mwaa');
    const budget = DELAY * 1000 + 10_000;
    rows.push([
      `\`up --yes\`, MWAA creation delay D = ${DELAY} s`,
      `at most D + 10 s = ${DELAY + 10} s`,
      ms(r.ms),
      '(one run)',
      `${calls.reads} / ${calls.mutating} (+${calls.lock} lock)`,
      verdict(r.ms <= budget, `ensure-mwaa starts at ${ms(mwaa?.start ?? NaN)}; everything else before or while MWAA is created; ${ms(r.ms - DELAY * 1000)} beyond D`),
    ]);
    sections.push(`### Timeline: \`up --yes\` with MWAA taking ${DELAY} s to create\n\n\`\`\`text\n${renderTimeline(timeline, r.ms, firstCall(criticalProxy, r))}\n\`\`\``);
  }
  // --- the pipeline's work through the endpoint (issue #12) --------------------------------------
  if (wanted('compute')) {
    log('bench: ETL job + XGBoost training + batch transform through the local endpoint');
    const runs = await benchCompute({ endpoint, runs: Math.max(1, Math.min(RUNS, 3)), log });
    const s = stats(runs.map((r) => r.ms));
    const mid = runs.find((r) => r.ms === s.median) ?? runs[0];
    rows.push([
      'Glue ETL on the UCI data + XGBoost training + batch transform (endpoint)',
      'under 20 s in total',
      ms(s.median),
      span(s),
      '–',
      verdict(s.median < 20_000, `ETL ${ms(mid.etlMs)}, training ${ms(mid.trainMs)}, transform ${ms(mid.transformMs)}`),
    ]);
  }
  // --- whole pipeline runs through the endpoint (issue #13) ----------------------------------------
  if (wanted('run') || wanted('run-skipped')) {
    // One environment per Airflow version the tool accepts: the default first (what `up` creates).
    const { DAG_AIRFLOW_VERSIONS, DEFAULT_AIRFLOW_VERSION } = await import('../../dist/engine/mwaa-catalog.js');
    const versions = [DEFAULT_AIRFLOW_VERSION, ...DAG_AIRFLOW_VERSIONS.filter((v) => v !== DEFAULT_AIRFLOW_VERSION)];
    for (const version of versions) {
      log(`bench: run to a deployed endpoint, and a run with no new data, through the local endpoint (Airflow ${version})`);
      const r = await benchPipelineRun({ endpoint, runs: Math.max(1, Math.min(RUNS, 3)), log, wantDeployed: wanted('run'), wantSkipped: wanted('run-skipped'), airflowVersion: version });
      if (r.deployed.length) {
        const s = stats(r.deployed);
        rows.push([`\`run --force\` on Airflow ${version}: trigger to a deployed endpoint (real DAG runner, ETL, XGBoost, endpoint)`, 'under 45 s', ms(s.median), span(s), '–', verdict(s.median < 45_000)]);
      }
      if (r.skipped.length) {
        const s = stats(r.skipped);
        rows.push([`\`run\` on Airflow ${version}, no new data: skipped`, 'under 10 s', ms(s.median), span(s), '–', verdict(s.median < 10_000)]);
      }
    }
  }
} finally {
  await proxy?.stop();
  await endpoint?.stop();
  await criticalProxy?.stop();
  await critical?.stop();
  rmSync(work, { recursive: true, force: true });
}

// --- the report ----------------------------------------------------------------------------------
function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
const cpu = cpus();
const machine = `${cpu[0]?.model?.trim() ?? 'unknown CPU'}, ${plural(cpu.length, 'core')}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
const header = ['scenario', 'target', 'median', 'min – max', 'AWS calls: read / mutating', 'result'];
const report = [
  `# Benchmark results`,
  '',
  `\`npm run bench\` on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${commit()}, against the local endpoint (moto + the MWAA emulator).`,
  `Machine: ${machine}. ${RUNS} measured runs per scenario after a warm-up unless noted; the whole bench took ${ms(performance.now() - started)}; load average ${loadAtStart.toFixed(1)} at its start, ${loadavg()[0].toFixed(1)} at its end.`,
  '',
  markdownTable(header, rows),
  '',
  ...(splits.length
    ? [
        '### Where the time goes (one counted run per scenario, through the metered proxy)',
        '',
        'Node: the `node -e 0` median of this run. Loading: from there to the first AWS call (reading the bundle, compiling it, setting up; the STS call is the first). ' +
          'Endpoint: time with at least one call in flight (moto and the MWAA emulator working, plus the proxy\'s hop). Rest: our code between calls, waits, and exit.',
        '',
        markdownTable(['scenario', 'total', 'Node start', 'loading, to 1st call', 'at the endpoint', 'rest (ours)', 'calls: time per call', 'load'], splits),
        '',
      ]
    : []),
  'Times are wall-clock, from spawning the process to its exit. AWS calls come from a counting proxy in front of the endpoint; the lock\'s own calls (an SSM parameter that `up` and `push-dags` take, check and release) are counted apart. ' +
    'Timings move with the machine\'s load: on 2 cores, other processes running at the same time can add a third or more.',
  ...notes,
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n');

if (OUT) writeFileSync(OUT, report);
process.stdout.write(report);
if (OUT) log(`bench: wrote ${OUT}`);
