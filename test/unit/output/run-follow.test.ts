import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../src/output/output.js';
import { createStyle } from '../../../src/output/style.js';
import { outcomeLines, resultLine, runDocument, RunFollowReporter } from '../../../src/output/run-follow.js';
import { runsTable } from '../../../src/output/runs-report.js';
import type { RunOutcome } from '../../../src/ops/run.js';

const plain = createStyle(false);
const deployed: RunOutcome = {
  runId: 'manual__2026-12-01T10:00:00+00:00',
  state: 'success',
  tasks: [{ taskId: 'train', state: 'success', start: '2026-12-01T10:01:00+00:00', end: '2026-12-01T10:05:00+00:00' }],
  result: { decision: 'deployed', rmse: 1.8213, threshold: 3.1, endpoint: 'abalone-endpoint', endpointStatus: 'InService', dataFiles: 2, rows: 4277 },
  failed: [],
};

function capture(json: boolean) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const output = createOutput({ json, color: false, stdout, stderr, env: {} });
  return { output, text: () => ({ out, err }) };
}

describe('run output', () => {
  it('the result line a person reads at a glance', () => {
    expect(resultLine(plain, deployed.result!)).toBe('deployed  rmse 1.82 ≤ 3.10 · 4,277 rows from 2 files · endpoint abalone-endpoint InService');
    expect(resultLine(plain, { ...deployed.result!, decision: 'rejected', rmse: 3.5, endpoint: null, endpointStatus: null })).toBe('rejected  rmse 3.50 > 3.10 · 4,277 rows from 2 files · the endpoint keeps its previous model');
    expect(resultLine(plain, { decision: 'skipped', rmse: null, threshold: null, endpoint: null, endpointStatus: null, dataFiles: null, rows: null })).toMatch(/^skipped  no new data/);
  });

  it('a failed run names the failed task and where its log is', () => {
    const failed: RunOutcome = { ...deployed, state: 'failed', result: null, failed: [{ taskId: 'train', where: 'CloudWatch Logs group airflow-abalone-airflow-environment-Task, streams dag_id=abalone_pipeline/run_id=x/task_id=train/attempt=<n>.log' }] };
    expect(outcomeLines(plain, failed)).toEqual(['failed  task train failed · log: CloudWatch Logs group airflow-abalone-airflow-environment-Task, streams dag_id=abalone_pipeline/run_id=x/task_id=train/attempt=<n>.log']);
  });

  it('--json: the contract shape', () => {
    expect(runDocument(deployed)).toEqual({
      runId: 'manual__2026-12-01T10:00:00+00:00',
      state: 'success',
      tasks: [{ taskId: 'train', state: 'success', start: '2026-12-01T10:01:00+00:00', end: '2026-12-01T10:05:00+00:00' }],
      result: { decision: 'deployed', rmse: 1.8213, threshold: 3.1, endpoint: 'abalone-endpoint', dataFiles: 2, rows: 4277 },
    });
    expect(runDocument({ ...deployed, state: 'queued', tasks: [], result: null })).toMatchObject({ state: 'queued', result: null });
  });

  it('one line per task state change with its time; in --json mode they go to stderr and stdout stays empty', () => {
    const human = capture(false);
    const reporter = new RunFollowReporter(human.output);
    reporter.onEvent({ kind: 'task', task: { taskId: 'train', state: 'running', start: null, end: null }, at: new Date('2026-12-01T10:01:02Z') });
    reporter.onEvent({ kind: 'notice', message: 'DAG abalone_pipeline was paused (MWAA creates DAGs paused): unpaused it' });
    expect(human.text().out).toBe('10:01:02  train               running\n');
    expect(human.text().err).toMatch(/was paused/);
    const json = capture(true);
    new RunFollowReporter(json.output).onEvent({ kind: 'task', task: { taskId: 'train', state: 'failed', start: null, end: null }, at: new Date('2026-12-01T10:01:02Z') });
    expect(json.text().out).toBe('');
    expect(json.text().err).toBe('10:01:02  train               failed\n');
  });

  it('no spinner on a terminal that reports no width (ora would divide by it)', async () => {
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 0 });
    let err = '';
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const output = createOutput({ json: false, color: false, stdout: new PassThrough(), stderr, env: {} });
    expect(output.spinners).toBe(true);
    const reporter = new RunFollowReporter(output);
    reporter.onEvent({ kind: 'running', taskIds: ['train'] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    reporter.stop();
    expect(err).toBe('');
  });

  it('runs: a table newest first, dashes where a run has no value', () => {
    const lines = runsTable(plain, [
      { runId: 'manual__2026-12-01T10:00:00+00:00', state: 'success', start: '2026-12-01T10:00:00.123456+00:00', end: null, decision: 'skipped', rmse: null, threshold: null, endpoint: null, dataFiles: null, rows: null },
      { runId: 'scheduled__2026-11-30T00:00:00+00:00', state: 'success', start: '2026-12-01T00:00:05+00:00', end: null, decision: 'deployed', rmse: 1.82, threshold: 3.1, endpoint: 'abalone-endpoint', dataFiles: 2, rows: 4277 },
    ]);
    expect(lines[0]).toMatch(/^RUN ID\s+START\s+STATE\s+DECISION\s+RMSE\s+THRESHOLD\s+FILES\s+ROWS$/);
    expect(lines[1]).toMatch(/^manual__2026-12-01T10:00:00\+00:00\s+2026-12-01T10:00:00Z\s+success\s+skipped\s+-\s+-\s+-\s+-$/);
    expect(lines[2]).toMatch(/deployed\s+1\.82\s+3\.10\s+2\s+4,277$/);
  });
});
