/** Task logs shipped as MWAA ships them: each finished task attempt's log to CloudWatch Logs. */
import { appendFileSync, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { putLog } from '../compute/cloudwatch-logs.js';
import type { DagRun } from './dag-run-types.js';

export interface TaskLogTarget {
  /** LoggingConfiguration.TaskLogs.Enabled of the environment. */
  readonly enabled: boolean;
  /** The environment's name: the group is `airflow-<environment>-Task`. */
  readonly environment: string;
  readonly region: string;
  /** This endpoint (CloudWatch Logs is moto's, through it). */
  readonly endpointUrl: string;
  /** True once the environment is gone: nothing more is sent. */
  readonly closed: () => boolean;
}

/**
 * MWAA sends each task attempt's log to the environment's task log group,
 * `airflow-<environment>-Task`, when TaskLogs is enabled. Its TaskLogHandler is the Amazon
 * provider's CloudwatchTaskHandler (aws/amazon-mwaa-docker-images,
 * images/airflow/2.10.3/python/mwaa/logging/cloudwatch_handlers.py), whose stream name is the
 * rendered log_filename_template with every ':' made '_' (apache/airflow,
 * providers/amazon/aws/log/cloudwatch_task_handler.py, `_render_filename`):
 * `dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`. Here a finished attempt's
 * log file is sent once the runner reports the attempt over.
 */
export function shipTaskLogs(run: DagRun, target: TaskLogTarget): void {
  if (!target.enabled) return;
  for (const task of run.tasks) {
    if (!task.log_path || task.state === null) continue;
    const over = task.state === 'running' || task.state === 'queued' || task.state === 'scheduled' ? task.try_number - 1 : task.try_number;
    const dir = dirname(task.log_path);
    for (let attempt = 1; attempt <= over; attempt++) {
      const path = join(dir, `attempt=${attempt}.log`);
      if (run.shippedLogs.has(path) || !existsSync(path)) continue;
      run.shippedLogs.add(path);
      const stream = relative(run.logsDir, path).split(sep).join('/').replace(/:/g, '_');
      const group = `airflow-${target.environment}-Task`;
      run.logsShipped = run.logsShipped.then(async () => {
        if (target.closed()) return;
        try {
          await putLog(target.endpointUrl, target.region, group, stream, await readFile(path, 'utf8'), statSync(path).mtime);
        } catch (error) {
          const note = `could not send ${stream} to CloudWatch Logs group ${group}: ${(error as Error).message}\n`;
          try {
            appendFileSync(join(dirname(dir), 'runner.log'), note);
          } catch {
            // the environment is gone with its directory: there is nowhere left to say so
          }
        }
      });
    }
  }
}
