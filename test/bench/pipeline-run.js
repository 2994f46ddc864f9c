/**
 * Bench scenarios `run` and `run-skipped` (issue #13): the whole pipeline through the local
 * endpoint with the real DAG runner and executors. After `up`, the first `run` (unpause, the
 * scheduled run, deployed) is the warm-up; each measured `run --force` retrains on the same data
 * and deploys again (target: trigger to a deployed endpoint in under 45 s). Then each measured
 * `run` finds no new data and skips (target: under 10 s). Times are the CLI's, spawn to exit.
 */
import { cli, mustSucceed } from './lib.js';

function decisionOf(result, what) {
  let doc;
  try {
    doc = JSON.parse(result.stdout);
  } catch {
    throw new Error(`${what} printed no JSON document:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`);
  }
  return doc.result?.decision ?? `(no decision; state ${doc.state})`;
}

async function measured(endpoint, args, expected, runs, log, label) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    log(`bench: ${label} ${i + 1}`);
    const r = mustSucceed(await cli([...args, '--json'], { env: endpoint.env }), label);
    const decision = decisionOf(r, label);
    if (decision !== expected) throw new Error(`${label} decided ${decision}, not ${expected}:\n${r.stderr.slice(-2000)}`);
    out.push(r.ms);
  }
  return out;
}

/**
 * Returns { deployed: [ms], skipped: [ms] }; each list empty when its scenario is not wanted.
 * `airflowVersion`: the environment's (`up --airflow-version`), or undefined for `up`'s default.
 */
export async function benchPipelineRun({ endpoint, runs, log, wantDeployed, wantSkipped, airflowVersion }) {
  await endpoint.reset();
  const version = airflowVersion ? ['--airflow-version', airflowVersion] : [];
  mustSucceed(await cli(['up', '--yes', ...version], { env: endpoint.env }), `up ${version.join(' ')}`);
  log('bench: run (warm-up: unpause, the scheduled run)');
  const first = mustSucceed(await cli(['run', '--json'], { env: endpoint.env }), 'first run');
  if (decisionOf(first, 'first run') !== 'deployed') throw new Error(`the first run did not deploy:\n${first.stderr.slice(-2000)}`);
  const deployed = wantDeployed ? await measured(endpoint, ['run', '--force'], 'deployed', runs, log, 'run --force (deployed)') : [];
  const skipped = wantSkipped ? await measured(endpoint, ['run'], 'skipped', runs, log, 'run (skipped)') : [];
  return { deployed, skipped };
}
