/**
 * The Airflow CLI command lines the MWAA CLI endpoint accepts, parsed as Airflow 2.10's argparse
 * definitions (apache/airflow airflow/cli/cli_config.py) parse them: the five commands of
 * docs/mwaa-emulator.md ("Airflow CLI"), with their options. A command line is split like a POSIX shell (shlex).
 */
import { OUTPUT_FORMATS, type OutputFormat } from './airflow-console.js';

export type CliCommand =
  | { kind: 'unpause'; dagId: string; output: OutputFormat }
  | { kind: 'trigger'; dagId: string; conf?: string; runId?: string; replaceMicroseconds: boolean; output: OutputFormat }
  | { kind: 'list-runs'; dagId: string; state?: string; output: OutputFormat }
  | { kind: 'states-for-dag-run'; dagId: string; runIdOrDate: string; output: OutputFormat }
  | { kind: 'list-import-errors'; output: OutputFormat };

export type ParseResult =
  | { ok: true; command: CliCommand }
  /** argparse refused the line: Airflow prints its help and `<prog> command error: <message>, see help above.`, exit 2 */
  | { ok: false; usage: { prog: string; message: string } }
  /** a command or option this endpoint does not run */
  | { ok: false; unsupported: string };

/** shlex.split (POSIX mode). Throws with shlex's message on an open quote. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < line.length && '\\"$`\n'.includes(line[i + 1]!)) word += line[++i];
      else word += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '\\') {
      if (i + 1 >= line.length) throw new Error('No escaped character');
      word += line[++i];
    } else word += ch;
  }
  if (quote) throw new Error('No closing quotation');
  if (inWord) words.push(word);
  return words;
}

interface OptionSpec {
  flags: string[];
  dest: string;
  /** takes a value; otherwise a store_true/store_false switch */
  value: boolean;
  choices?: readonly string[];
  /** an Airflow option this endpoint does not honour */
  unsupported?: boolean;
}

interface CommandSpec {
  prog: string;
  positionals: string[];
  options: OptionSpec[];
  required?: { dest: string; flags: string }[];
}

const OUTPUT: OptionSpec = { flags: ['-o', '--output'], dest: 'output', value: true, choices: OUTPUT_FORMATS };
const VERBOSE: OptionSpec = { flags: ['-v', '--verbose'], dest: 'verbose', value: false };
const SUBDIR: OptionSpec = { flags: ['-S', '--subdir'], dest: 'subdir', value: true, unsupported: true };

const SPECS: Record<string, CommandSpec> = {
  'dags unpause': {
    prog: 'airflow dags unpause',
    positionals: ['dag_id'],
    options: [
      SUBDIR,
      VERBOSE,
      { flags: ['--treat-dag-id-as-regex'], dest: 'treat_dag_id_as_regex', value: false, unsupported: true },
      { flags: ['-y', '--yes'], dest: 'yes', value: false },
      OUTPUT,
    ],
  },
  'dags trigger': {
    prog: 'airflow dags trigger',
    positionals: ['dag_id'],
    options: [
      SUBDIR,
      { flags: ['-r', '--run-id'], dest: 'run_id', value: true },
      { flags: ['-c', '--conf'], dest: 'conf', value: true },
      { flags: ['-e', '--exec-date'], dest: 'exec_date', value: true, unsupported: true },
      VERBOSE,
      { flags: ['--no-replace-microseconds'], dest: 'no_replace_microseconds', value: false },
      OUTPUT,
    ],
  },
  'dags list-runs': {
    prog: 'airflow dags list-runs',
    positionals: [],
    options: [
      { flags: ['-d', '--dag-id'], dest: 'dag_id', value: true },
      { flags: ['--no-backfill'], dest: 'no_backfill', value: false },
      { flags: ['--state'], dest: 'state', value: true, choices: ['queued', 'running', 'success', 'failed'] },
      OUTPUT,
      VERBOSE,
      { flags: ['-s', '--start-date'], dest: 'start_date', value: true, unsupported: true },
      { flags: ['-e', '--end-date'], dest: 'end_date', value: true, unsupported: true },
    ],
    required: [{ dest: 'dag_id', flags: '-d/--dag-id' }],
  },
  'tasks states-for-dag-run': {
    prog: 'airflow tasks states-for-dag-run',
    positionals: ['dag_id', 'execution_date_or_run_id'],
    options: [OUTPUT, VERBOSE],
  },
  'dags list-import-errors': {
    prog: 'airflow dags list-import-errors',
    positionals: [],
    options: [SUBDIR, OUTPUT, VERBOSE],
  },
};

/** The commands this endpoint runs, for messages. */
export const SUPPORTED_COMMANDS = Object.keys(SPECS);

export function parseCommandLine(line: string): ParseResult {
  let words: string[];
  try {
    words = splitCommandLine(line.trim());
  } catch (error) {
    return { ok: false, usage: { prog: 'airflow', message: (error as Error).message } };
  }
  const name = words.slice(0, 2).join(' ');
  const spec = SPECS[name];
  if (!spec) {
    const shown = words.slice(0, 2).join(' ') || '(empty)';
    return { ok: false, unsupported: `this endpoint does not support the Airflow CLI command '${shown}'; it runs ${SUPPORTED_COMMANDS.join(', ')}` };
  }
  return parseArgs(spec, words.slice(2));
}

function parseArgs(spec: CommandSpec, args: string[]): ParseResult {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  /** extras in the order argparse meets them: unknown options and surplus positionals */
  const unrecognized: string[] = [];
  const usage = (message: string): ParseResult => ({ ok: false, usage: { prog: spec.prog, message } });
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--' ) {
      for (const rest of args.slice(i + 1)) (positionals.length < spec.positionals.length ? positionals : unrecognized).push(rest);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (positionals.length < spec.positionals.length) positionals.push(arg);
      else unrecognized.push(arg);
      continue;
    }
    const [flag, inline] = splitInline(arg, spec.options);
    const option = spec.options.find((o) => o.flags.includes(flag));
    if (!option) {
      unrecognized.push(arg);
      continue;
    }
    const label = option.flags.join('/');
    let value: string | boolean = true;
    if (option.value) {
      if (inline !== undefined) value = inline;
      else if (i + 1 < args.length && !args[i + 1]!.startsWith('-')) value = args[++i]!;
      else return usage(`argument ${label}: expected one argument`);
      if (option.choices && !option.choices.includes(value)) {
        return usage(`argument ${label}: invalid choice: '${value}' (choose from ${option.choices.map((c) => `'${c}'`).join(', ')})`);
      }
    } else if (inline !== undefined) {
      return usage(`argument ${label}: ignored explicit argument '${inline}'`);
    }
    if (option.unsupported) return { ok: false, unsupported: `this endpoint does not support the option ${label} of '${spec.prog}'` };
    values[option.dest] = value;
  }
  const missing = [
    ...spec.positionals.slice(positionals.length),
    ...(spec.required ?? []).filter((r) => values[r.dest] === undefined).map((r) => r.flags),
  ];
  if (missing.length) return usage(`the following arguments are required: ${missing.join(', ')}`);
  if (unrecognized.length) return usage(`unrecognized arguments: ${unrecognized.join(' ')}`);

  const output = (values.output as OutputFormat | undefined) ?? 'table';
  const str = (dest: string) => (typeof values[dest] === 'string' ? (values[dest] as string) : undefined);
  const command = ((): CliCommand => {
    switch (spec.prog) {
      case 'airflow dags unpause':
        return { kind: 'unpause', dagId: positionals[0]!, output };
      case 'airflow dags trigger': {
        const conf = str('conf');
        const runId = str('run_id');
        return {
          kind: 'trigger',
          dagId: positionals[0]!,
          ...(conf !== undefined ? { conf } : {}),
          ...(runId !== undefined ? { runId } : {}),
          replaceMicroseconds: values.no_replace_microseconds !== true,
          output,
        };
      }
      case 'airflow dags list-runs': {
        const state = str('state');
        return { kind: 'list-runs', dagId: str('dag_id')!, ...(state ? { state } : {}), output };
      }
      case 'airflow tasks states-for-dag-run':
        return { kind: 'states-for-dag-run', dagId: positionals[0]!, runIdOrDate: positionals[1]!, output };
      default:
        return { kind: 'list-import-errors', output };
    }
  })();
  return { ok: true, command };
}

/** `--output=json` and `-ojson`, as argparse reads them. */
function splitInline(arg: string, options: OptionSpec[]): [string, string | undefined] {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    return eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
  }
  const short = arg.slice(0, 2);
  if (arg.length > 2 && options.some((o) => o.value && o.flags.includes(short))) return [short, arg.slice(2)];
  return [arg, undefined];
}
