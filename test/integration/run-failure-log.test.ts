import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteJobCommand, GlueClient } from '@aws-sdk/client-glue';
import { parseJson, runCli } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * A run whose task fails, on the local endpoint with the real DAG runner: `run` names the failed
 * task and where its log is, and that place is where MWAA puts it, in CloudWatch Logs: the group
 * `airflow-<environment>-Task`, one stream per attempt named by Airflow's log_filename_template
 * with ':' made '_' (MWAA's TaskLogHandler extends the Amazon provider's CloudwatchTaskHandler:
 * aws/amazon-mwaa-docker-images images/airflow/2.10.3/python/mwaa/logging/cloudwatch_handlers.py;
 * apache/airflow providers/amazon/aws/log/cloudwatch_task_handler.py `_render_filename`).
 * The project has no CloudWatch Logs client for Node, so the log is read with boto3 in a python3
 * child, through GetLogEvents as a user would.
 */
let endpoint: TestEndpoint;

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
}, 120_000);

afterAll(async () => {
  await endpoint?.stop();
});

const READ_LOG = `
import boto3, json, sys
logs = boto3.client("logs")
group, prefix = sys.argv[1], sys.argv[2]
streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=prefix)["logStreams"]
out = {}
for s in streams:
    events = logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], startFromHead=True)["events"]
    out[s["logStreamName"]] = [e["message"] for e in events]
print(json.dumps(out))
`;

function readTaskLogs(group: string, prefix: string): Promise<Record<string, string[]>> {
  const env = { ...process.env, AWS_ENDPOINT_URL: endpoint.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', READ_LOG, group, prefix], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, string[]>);
    });
  });
}

describe('a run whose task fails', () => {
  it('names the failed task and its CloudWatch Logs stream, and that log says why', async () => {
    const cli = (args: string[]) => runCli(args, { env: endpoint.env, timeoutMs: 240_000 });
    const up = await cli(['up', '--yes', '--json']);
    expect(up.code, up.stderr).toBe(0);
    // The ETL job goes missing behind the tool's back: load_config refuses to run the pipeline.
    const glue = new GlueClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await glue.send(new DeleteJobCommand({ JobName: 'abalone-etl-job' }));

    const run = await cli(['run', '--json']);
    expect(run.code, run.stderr).toBe(1);
    const doc = parseJson(run) as { runId: string; state: string; failedTasks: Array<{ taskId: string; where: string }> };
    expect(doc.state).toBe('failed');
    expect(doc.failedTasks.map((f) => f.taskId)).toEqual(['load_config']);
    const streamPrefix = `dag_id=abalone_pipeline/run_id=${doc.runId.replace(/:/g, '_')}/task_id=load_config/`;
    expect(doc.failedTasks[0]!.where).toBe(`CloudWatch Logs group airflow-abalone-airflow-environment-Task, stream ${streamPrefix}attempt=<n>.log (n: its last attempt)`);

    // The DAG's default_args give every task 2 retries: three attempts, three streams.
    const logs = await readTaskLogs('airflow-abalone-airflow-environment-Task', streamPrefix);
    expect(Object.keys(logs).sort()).toEqual([1, 2, 3].map((n) => `${streamPrefix}attempt=${n}.log`));
    const last = logs[`${streamPrefix}attempt=3.log`]!.join('\n');
    expect(last).toContain('Glue job abalone-etl-job does not exist');

    // The human form says the same in one line.
    const again = await cli(['run']);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout).toMatch(/^failed {2}task load_config failed · log: CloudWatch Logs group airflow-abalone-airflow-environment-Task, stream dag_id=abalone_pipeline\/run_id=manual__[^/:]+\/task_id=load_config\/attempt=<n>\.log/m);
  }, 600_000);
});
