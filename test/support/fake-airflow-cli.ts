import { createServer, type Server } from 'node:http';

/**
 * A small HTTP server that plays MWAA's `POST /aws_mwaa/cli` contract
 * (https://docs.aws.amazon.com/mwaa/latest/userguide/call-mwaa-apis-cli.html: Bearer CLI token,
 * text/plain command line, answer `{"stdout": base64, "stderr": base64}`) with scripted Airflow
 * 2.10 answers in the `-o json` formats of apache/airflow's dag_command.py / task_command.py.
 * Runs advance one scripted step per `tasks states-for-dag-run` call.
 */
export interface RunStep {
  readonly state: string;
  readonly tasks: Record<string, string | null>;
}

export interface FakeRun {
  readonly runId: string;
  readonly conf: Record<string, unknown>;
  readonly steps: RunStep[];
  step: number;
  readonly start: string;
}

export interface FakeAirflowOptions {
  paused?: boolean;
  /** Unpausing starts a scheduled run with these steps (Airflow's scheduler does, for the latest interval). */
  scheduledOnUnpause?: RunStep[];
  /** Steps of each triggered run. */
  triggeredSteps?: RunStep[];
  importErrors?: Array<{ filepath: string; error: string }>;
  /** Answer 403 to the request with these 1-based numbers (a token that expired). */
  rejectRequests?: number[];
  /** Milliseconds each answer takes. */
  delayMs?: number;
}

export class FakeAirflowCli {
  readonly commands: string[] = [];
  readonly tokensSeen: string[] = [];
  readonly runs: FakeRun[] = [];
  requests = 0;
  maxInFlight = 0;
  private inFlight = 0;
  private server: Server | undefined;
  paused: boolean;

  constructor(private readonly options: FakeAirflowOptions = {}) {
    this.paused = options.paused ?? false;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        this.requests += 1;
        const number = this.requests;
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        setTimeout(() => {
          this.inFlight -= 1;
          if (req.url !== '/aws_mwaa/cli' || req.method !== 'POST') {
            res.writeHead(404).end('not found');
            return;
          }
          const auth = req.headers.authorization ?? '';
          if (!auth.startsWith('Bearer ') || req.headers['content-type'] !== 'text/plain') {
            res.writeHead(400).end('bad request');
            return;
          }
          this.tokensSeen.push(auth.slice(7));
          if (this.options.rejectRequests?.includes(number)) {
            res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"token expired"}');
            return;
          }
          this.commands.push(body);
          const { stdout, stderr } = this.answer(body);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ stdout: Buffer.from(stdout).toString('base64'), stderr: Buffer.from(stderr).toString('base64') }));
        }, this.options.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(command: string): { stdout: string; stderr: string } {
    const words = command.split(' ');
    const json = (rows: unknown[]) => ({ stdout: rows.length === 0 ? 'No data found\n' : `${JSON.stringify(rows, null, 2)}\n`, stderr: '' });
    if (command.startsWith('dags list-import-errors')) return json(this.options.importErrors ?? []);
    if (command.startsWith('dags unpause abalone_pipeline')) {
      if (!this.paused) return { stdout: 'No paused DAGs were found\n', stderr: '' };
      this.paused = false;
      if (this.options.scheduledOnUnpause) this.addRun('scheduled__2026-11-30T00:00:00+00:00', {}, this.options.scheduledOnUnpause);
      return json([{ dag_id: 'abalone_pipeline', is_paused: true }]);
    }
    if (command.startsWith('dags trigger abalone_pipeline')) {
      const conf = /-c '([^']*)'/.exec(command)?.[1];
      const run = this.addRun(`manual__2026-12-01T10:00:0${this.runs.length}+00:00`, conf ? JSON.parse(conf) : {}, this.options.triggeredSteps ?? []);
      return json([{ conf: run.conf, dag_id: 'abalone_pipeline', dag_run_id: run.runId, state: 'queued', run_type: 'manual', external_trigger: true }]);
    }
    if (command.startsWith('dags list-runs -d abalone_pipeline')) {
      return json(
        [...this.runs].reverse().map((r) => ({ dag_id: 'abalone_pipeline', run_id: r.runId, state: this.current(r).state, execution_date: r.start, start_date: r.start, end_date: '' })),
      );
    }
    if (command.startsWith('tasks states-for-dag-run abalone_pipeline')) {
      const run = this.runs.find((r) => r.runId === words[3]);
      if (!run) return { stdout: '', stderr: `airflow.exceptions.DagRunNotFound: DagRun for abalone_pipeline with run_id or execution_date of '${words[3]}' not found\n` };
      const step = this.current(run);
      if (run.step < run.steps.length - 1) run.step += 1;
      return json(
        Object.entries(step.tasks).map(([task_id, state]) => ({ dag_id: 'abalone_pipeline', execution_date: run.start, task_id, state, start_date: state ? run.start : '', end_date: state === 'success' || state === 'failed' || state === 'skipped' ? run.start : '' })),
      );
    }
    return { stdout: '', stderr: `airflow command error: argument GROUP_OR_COMMAND: invalid choice: '${words[0]}'\n` };
  }

  private current(run: FakeRun): RunStep {
    return run.steps[Math.min(run.step, run.steps.length - 1)] ?? { state: 'queued', tasks: {} };
  }

  private addRun(runId: string, conf: Record<string, unknown>, steps: RunStep[]): FakeRun {
    const run: FakeRun = { runId, conf, steps, step: 0, start: new Date().toISOString().replace('Z', '+00:00') };
    this.runs.push(run);
    return run;
  }
}

const TASKS = ['load_config', 'check_new_data', 'crawl_new_data', 'preprocess', 'prepare_training', 'train', 'prepare_evaluation', 'batch_transform', 'write_evaluation', 'analyze', 'check_rmse', 'deploy', 'reject', 'record_run', 'end'];

/** A run's steps: every task in `done` success, `running` running, the rest none; `state` the run's. */
export function step(state: string, overrides: Record<string, string | null>): RunStep {
  const tasks: Record<string, string | null> = {};
  for (const t of TASKS) tasks[t] = null;
  return { state, tasks: { ...tasks, ...overrides } };
}

export function allTasks(state: string | null, except: Record<string, string | null> = {}): Record<string, string | null> {
  const tasks: Record<string, string | null> = {};
  for (const t of TASKS) tasks[t] = state;
  return { ...tasks, ...except };
}
