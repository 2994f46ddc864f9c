import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/abalone-pipeline.js', import.meta.url));
const RSS_PROBE = new URL('./rss-probe.js', import.meta.url).href;

/**
 * Runs a command to exit and times it from spawn to exit (ms). With `rssFile`, a node child
 * gets the RSS probe and the result has `rssKiB`.
 */
export function timed(command, args, { env = {}, rssFile, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, ...(rssFile ? { BENCH_RSS_FILE: rssFile } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      let rssKiB;
      if (rssFile) {
        try {
          rssKiB = Number(readFileSync(rssFile, 'utf8'));
          rmSync(rssFile, { force: true });
        } catch {
          rssKiB = undefined;
        }
      }
      resolve({ code, ms, stdout, stderr, started, rssKiB });
    });
  });
}

/** The built CLI, the way a user runs it. */
export function cli(args, options = {}) {
  const pre = options.rssFile ? ['--import', RSS_PROBE] : [];
  return timed(process.execPath, [...pre, BIN, ...args], options);
}

export function mustSucceed(result, what, codes = [0]) {
  if (!codes.includes(result.code)) {
    throw new Error(`${what} exited ${result.code}\n--- stdout ---\n${result.stdout.slice(-3000)}\n--- stderr ---\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** The run whose time is the median (the lower middle one for an even count). */
export function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export const ms = (v) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);

export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Reads an ABALONE_TIMELINE file: [{ step, start, end, status }] in start order (apply mode). */
export function readTimeline(file, mode = 'apply') {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const steps = new Map();
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line);
    if (e.mode !== mode) continue;
    const s = steps.get(e.step) ?? { step: e.step };
    if (e.event === 'start') s.start = e.t;
    else {
      s.end = e.t;
      s.status = e.status;
      s.start ??= e.t;
    }
    steps.set(e.step, s);
  }
  return [...steps.values()].sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The most steps running at one moment. */
export function peakConcurrentSteps(timeline) {
  const edges = timeline.flatMap((s) => [[s.start, 1], [s.end ?? s.start, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (open += d));
  return peak;
}

const PRE_LOAD = '(node, modules)';
const PRE_AWS = '(STS, lock, settings)';

/**
 * One ASCII timeline: a row per step from its start to its end, on one time axis from the
 * process's start to its exit. The first two rows are what ran before any step: Node's
 * start and module loading (to the first AWS call), then STS, the lock and the stored settings.
 */
export function renderTimeline(timeline, totalMs, firstCallMs, width = 64) {
  if (timeline.length === 0) return '(no timeline recorded)';
  const scale = width / Math.max(totalMs, 1);
  const label = Math.max(...timeline.map((s) => s.step.length), PRE_LOAD.length, PRE_AWS.length) + 2;
  const bar = (from, to, char) => {
    const a = Math.min(width - 1, Math.floor(from * scale));
    const b = Math.max(a + 1, Math.min(width, Math.round(to * scale)));
    return ' '.repeat(a) + char.repeat(b - a) + ' '.repeat(width - b);
  };
  const firstStart = Math.min(...timeline.map((s) => s.start));
  const first = Math.min(firstCallMs ?? firstStart, firstStart);
  const rows = [
    `${PRE_LOAD.padEnd(label)}|${bar(0, first, '-')}| ${ms(0)} - ${ms(first)}`,
    `${PRE_AWS.padEnd(label)}|${bar(first, firstStart, '=')}| ${ms(first)} - ${ms(firstStart)}`,
    ...timeline.map((s) => `${s.step.padEnd(label)}|${bar(s.start, s.end ?? s.start, '#')}| ${ms(s.start)} - ${ms(s.end ?? s.start)}${s.status && s.status !== 'changed' ? ` (${s.status})` : ''}`),
  ];
  const axis = `${''.padEnd(label)}0${' '.repeat(width - 1)}${ms(totalMs)} (exit)`;
  return [...rows, axis].join('\n');
}

/** Time with at least one call in flight (the union of the calls' intervals), in ms. */
export function busyTime(calls) {
  const spans = calls.map((c) => [c.t0, c.t1]).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/**
 * Where one run's time went, from spawn to exit: Node's own start (the `node -e 0` baseline),
 * loading and setting up until the first AWS call, waiting on the endpoint (any call in flight),
 * and the rest (our code between calls, sleeps, exit). `calls` are the metered proxy's, on the
 * same clock as `run.started`.
 */
export function timeSplit(run, calls, nodeBaselineMs) {
  const first = calls.length ? Math.min(...calls.map((c) => c.t0)) - run.started : run.ms;
  const endpoint = busyTime(calls);
  const perCall = stats(calls.map((c) => c.t1 - c.t0));
  return {
    total: run.ms,
    node: nodeBaselineMs,
    loading: Math.max(0, first - nodeBaselineMs),
    endpoint,
    rest: Math.max(0, run.ms - first - endpoint),
    calls: calls.length,
    perCallMedian: perCall.median,
    perCallSum: calls.reduce((s, c) => s + (c.t1 - c.t0), 0),
  };
}
