import { Command, CommanderError, Option } from 'commander';
import { DAG_AIRFLOW_VERSIONS, DEFAULT_AIRFLOW_VERSION } from '../engine/mwaa-catalog.js';
import { EXIT, ToolError, errorMessage } from '../base/errors.js';
import { createOutput, type Output } from '../output/output.js';
import { colorEnabled } from '../output/style.js';
import { STEP_NAMES } from '../engine/types.js';
import { VERSION } from '../base/version.js';
import type { CommandContext, CommandHandler } from './context.js';
import { onInterrupt } from './interrupt.js';
import type { CommandName, CommanderValues, OptionsByCommand } from './options.js';
import type { GlobalOptions } from './session.js';

/** One command, ready to run: its options parsed once into their type, then its handler called. */
type Runner = (ctx: CommandContext, values: CommanderValues, args: readonly string[]) => Promise<number>;

/** Command `name`: its option parser (cli/options.ts) and its handler load when it runs. */
function command<N extends CommandName>(name: N, load: () => Promise<CommandHandler<OptionsByCommand[N]>>): Runner {
  return async (ctx, values, args) => {
    const { parseOptions } = await import('./options.js');
    return (await load())(ctx, parseOptions(name, values, args));
  };
}

/** Command modules load only when their command runs, so `--help` never loads the AWS SDK. */
const COMMANDS: Readonly<Record<CommandName, Runner>> = {
  up: command('up', async () => (await import('./commands/up.js')).up),
  status: command('status', async () => (await import('./commands/status.js')).status),
  destroy: command('destroy', async () => (await import('./commands/destroy.js')).destroy),
  park: command('park', async () => (await import('./commands/park.js')).park),
  'push-dags': command('push-dags', async () => (await import('./commands/push-dags.js')).pushDags),
  'add-data': command('add-data', async () => (await import('./commands/add-data.js')).addData),
  run: command('run', async () => (await import('./commands/run.js')).run),
  runs: command('runs', async () => (await import('./commands/runs.js')).runs),
  predict: command('predict', async () => (await import('./commands/predict.js')).predict),
  local: command('local', async () => (await import('./commands/local.js')).local),
  policy: command('policy', async () => (await import('./commands/policy.js')).policy),
};

function shapingOptions(command: Command): Command {
  return command
    .option('--env-class <class>', 'MWAA environment class (mw1.micro … mw1.2xlarge)', 'mw1.small')
    .option('--max-workers <n>', 'MWAA maximum workers', '10')
    .option('--min-workers <n>', 'MWAA minimum workers', '1')
    .option('--airflow-version <v>', `Airflow version (one the DAG is tested on: ${DAG_AIRFLOW_VERSIONS.join(', ')}; default ${DEFAULT_AIRFLOW_VERSION} for a new environment, an existing one keeps its own)`, DEFAULT_AIRFLOW_VERSION)
    .option('--webserver-access <mode>', 'PUBLIC_ONLY or PRIVATE_ONLY', 'PUBLIC_ONLY')
    .option('--nat-gateways <n>', 'NAT gateways in the created VPC: 2 (one per AZ) or 1 (cheaper)', '2')
    .option('--subnet-ids <a,b>', 'use two existing private subnets instead of creating a VPC')
    .option('--security-group-ids <sg,...>', 'security groups for the existing subnets')
    .option('--etl-engine <engine>', 'Glue job type: pythonshell (small data) or spark (large data)', 'pythonshell')
    .option('--managed-policies', "attach the AWS managed policies the book uses instead of least-privilege policies", false)
    .option('--rmse-threshold <rings>', 'deploy a model only when its test RMSE is at most this', '3.1');
}

export function buildProgram(run: (name: CommandName, values: CommanderValues, args: string[]) => Promise<void>): Command {
  const program = new Command('abalone-pipeline')
    .description('Stand up, inspect, update and tear down the abalone ML pipeline (S3, Glue, SageMaker, Lambda, MWAA) on AWS.')
    .version(VERSION)
    .option('--name <name>', 'pipeline name; prefix of every resource name', 'abalone')
    .option('--region <region>', 'AWS region (default: the SDK resolution: AWS_REGION, profile)')
    .option('--profile <profile>', 'AWS shared-config profile')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (an emulator)')
    .option('--yes', 'never prompt: take defaults and confirm', false)
    .option('--json', 'one JSON document on stdout; progress goes to stderr', false)
    .option('--no-color', 'plain output (also when NO_COLOR is set or stdout is not a terminal)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const action = (name: CommandName) =>
    async function (this: Command, ...params: unknown[]) {
      const args = params.slice(0, -2).flat() as string[];
      // Which options the user typed: shaping options not typed fall back to the stored settings.
      const explicitOptions = this.options.map((o) => o.attributeName()).filter((key) => this.getOptionValueSource(key) === 'cli');
      await run(name, { ...this.optsWithGlobals(), explicitOptions }, args);
    };

  shapingOptions(
    program
      .command('up')
      .description('create or update every resource, changing only what differs')
      .option('--dry-run', 'print the changes it would make; make no mutating call', false)
      .option('--only <steps>', `run only these steps (comma-separated): ${STEP_NAMES.join(', ')}`)
      .option('--no-wait', 'return once the Airflow environment creation or update is requested')
      .option('--dir <dir>', 'the Airflow folder upload-airflow syncs (default: the shipped artifacts/airflow)')
      .option('--force-unlock', 'break a live lock held by another run', false)
      .option('--adopt', "take over resources with the pipeline's names that lack its tag, and tag them", false),
  ).action(action('up'));

  shapingOptions(
    program.command('status').description('show every resource the pipeline owns and its state (exit 3 on missing or drift)'),
  ).action(action('status'));

  program
    .command('push-dags')
    .description("sync the Airflow folder to the bucket's airflow/ prefix, uploading only what changed")
    .option('--dir <dir>', 'the Airflow folder (dags/, requirements.txt, scripts/)')
    .option('--delete', 'remove objects no longer present locally', false)
    .option('--dry-run', 'print what would be uploaded or deleted', false)
    .option('--no-wait', 'do not wait for the environment update after a requirements change')
    .option('--via-codebuild', 'upload a bundle and deploy it through the CodeBuild deploy project', false)
    .option('--force-unlock', 'break a live lock held by another run', false)
    .action(action('push-dags'));

  program
    .command('add-data')
    .description('validate new survey data files and upload each valid file under <name>_data/new/')
    .argument('<file...>', 'CSV files with the nine abalone columns')
    .option('--no-run', 'only upload: do not start a pipeline run')
    .action(action('add-data'));

  program
    .command('run')
    .description('start a pipeline run (unpausing the DAG if needed) and follow it to its decision')
    .option('--force', 'retrain even when no data is new (run conf {"force": true})', false)
    .option('--no-follow', 'return once the run is started, printing its id')
    .action(action('run'));

  program
    .command('runs')
    .description("the pipeline's runs, newest first: state, decision, RMSE, data the model saw")
    .option('--limit <n>', 'how many runs to show', '10')
    .action(action('runs'));

  program
    .command('predict')
    .description('predict ring counts and ages with the deployed model endpoint')
    .argument('[csv-file]', 'rows of sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight (no rings)')
    .option('--row <sex,length,...>', 'one row to predict (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .action(action('predict'));

  shapingOptions(
    program
      .command('destroy')
      .description('delete everything the pipeline owns, in dependency order')
      .option('--keep-data', 'keep the bucket and its objects', false)
      .option('--no-wait', 'do not wait for deletions AWS runs asynchronously')
      .option('--force-unlock', 'break a live lock held by another run', false),
  ).action(action('destroy'));

  shapingOptions(
    program
      .command('park')
      .description('delete what bills by the hour while idle (Airflow environment, NAT gateways, endpoint); `up` resumes')
      .option('--dry-run', 'print what it would delete; make no mutating call', false)
      .option('--force-unlock', 'break a live lock held by another run', false),
  ).action(action('park'));

  program
    .command('policy')
    .description("print the least-privilege IAM policy the operator's identity needs for a command")
    .requiredOption('--for <command>', 'the command: run, runs, predict, add-data, push-dags, up, status, park or destroy')
    .option('--account <id>', 'render for this account id without calling AWS (default: the account of the credentials)')
    .action(action('policy'));

  program
    .command('local')
    .description('run a local AWS endpoint (moto + the built-in MWAA emulator) on 127.0.0.1')
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default('4566'))
    .action(action('local'));

  return program;
}

function globalOptions(raw: CommanderValues): GlobalOptions {
  return {
    name: String(raw.name ?? 'abalone'),
    region: raw.region as string | undefined,
    profile: raw.profile as string | undefined,
    endpointUrl: raw.endpointUrl as string | undefined,
    yes: Boolean(raw.yes),
    json: Boolean(raw.json),
    color: raw.color !== false,
  };
}

/** The one error boundary: every failure becomes a message and an exit code, never a stack trace. */
export function reportError(output: Output, error: unknown): number {
  const known = error instanceof ToolError;
  const code = known ? error.code : 'UnexpectedError';
  const message = known ? error.message : errorMessage(error);
  if (output.json) output.result({ error: { code, message } });
  output.info(output.style.red(`error: ${message}`));
  if (!known && process.env.ABALONE_DEBUG) output.info(String((error as Error)?.stack ?? error));
  return known ? error.exitCode : EXIT.failed;
}

function outputFor(json: boolean, colorFlag: boolean): Output {
  const color = colorEnabled(colorFlag, process.env, Boolean(process.stdout.isTTY));
  return createOutput({ json, color, stdout: process.stdout, stderr: process.stderr, env: process.env });
}

export async function main(argv: string[]): Promise<number> {
  // Until commander has parsed the flags (usage errors), read the two that shape output from argv.
  const wantsJson = argv.includes('--json');
  let output = outputFor(wantsJson, !argv.includes('--no-color'));
  let exitCode: number = EXIT.ok;
  let usageText = '';

  const program = buildProgram(async (name, raw, args) => {
    const global = globalOptions(raw);
    output = outputFor(global.json, global.color);
    const interrupt = onInterrupt((m) => output.info(m));
    try {
      exitCode = await COMMANDS[name]({ global, output, signal: interrupt.signal }, raw, args);
    } finally {
      interrupt.dispose();
    }
  });
  program.configureOutput({
    writeErr: (text) => {
      usageText += text;
    },
    writeOut: (text) => process.stdout.write(text),
  });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (wantsJson) output.result({ error: { code: 'UsageError', message: error.message.replace(/^error: /, '') } });
      process.stderr.write(usageText);
      return EXIT.usage;
    }
    return reportError(output, error);
  }
}
