/**
 * Each command's options, typed, and the one place they are read from what commander parsed.
 * main.ts loads this module only when a command runs (never for `--help`); it imports nothing:
 * the values are reshaped here and validated by the command (a usage error, exit 2, before any
 * AWS call).
 */

/** What commander hands over for one command (its options with the program's); read only here. */
export type CommanderValues = Readonly<Record<string, unknown>>;

/**
 * The shaping options of `up`, `status`, `destroy` and `park`, as typed (or commander's default),
 * validated into a PipelineConfig by cli/pipeline-config.ts. Stored settings fill the ones not typed.
 */
export type ShapingOptions = {
  readonly envClass: string;
  readonly minWorkers: string;
  readonly maxWorkers: string;
  readonly airflowVersion: string;
  readonly webserverAccess: string;
  readonly natGateways: string;
  readonly subnetIds?: string;
  readonly securityGroupIds?: string;
  readonly etlEngine: string;
  readonly managedPolicies: boolean;
  readonly rmseThreshold: string;
  /** false with --no-wait (up, destroy). */
  readonly wait?: boolean;
  /** destroy --keep-data. */
  readonly keepData?: boolean;
  /** up --adopt: take over same-named resources that lack the pipeline's tag. */
  readonly adopt?: boolean;
  /** up --dir: the Airflow folder upload-airflow syncs. */
  readonly dir?: string;
  /** The options typed on the command line (attribute names): the others may come from the stored settings. */
  readonly explicitOptions?: readonly string[];
};

export type UpOptions = ShapingOptions & { readonly dryRun: boolean; readonly only?: string; readonly forceUnlock: boolean };
export type StatusOptions = ShapingOptions;
export type DestroyOptions = ShapingOptions & { readonly forceUnlock: boolean };
export type ParkOptions = ShapingOptions & { readonly dryRun: boolean; readonly forceUnlock: boolean };
export type PushDagsOptions = {
  readonly dir?: string;
  readonly delete: boolean;
  readonly dryRun: boolean;
  readonly wait: boolean;
  readonly viaCodebuild: boolean;
  readonly forceUnlock: boolean;
};
export type AddDataOptions = { readonly files: readonly string[]; readonly run: boolean };
export type RunOptions = { readonly force: boolean; readonly follow: boolean };
export type RunsOptions = { readonly limit: string };
export type PredictOptions = { readonly file?: string; readonly rows: readonly string[] };
export type LocalOptions = { readonly port: string };
export type PolicyOptions = { readonly for: string; readonly account?: string };

const flag = (v: CommanderValues, key: string): boolean => Boolean(v[key]);
/** A `--no-x` option: true unless given. */
const unlessNo = (v: CommanderValues, key: string): boolean => v[key] !== false;
const text = (v: CommanderValues, key: string): string => String(v[key]);
const optionalText = (v: CommanderValues, key: string): string | undefined => (v[key] === undefined ? undefined : String(v[key]));
const has = (v: CommanderValues, key: string): boolean => v[key] !== undefined;

function shaping(v: CommanderValues): ShapingOptions {
  return {
    envClass: text(v, 'envClass'),
    minWorkers: text(v, 'minWorkers'),
    maxWorkers: text(v, 'maxWorkers'),
    airflowVersion: text(v, 'airflowVersion'),
    webserverAccess: text(v, 'webserverAccess'),
    natGateways: text(v, 'natGateways'),
    ...(has(v, 'subnetIds') ? { subnetIds: text(v, 'subnetIds') } : {}),
    ...(has(v, 'securityGroupIds') ? { securityGroupIds: text(v, 'securityGroupIds') } : {}),
    etlEngine: text(v, 'etlEngine'),
    managedPolicies: flag(v, 'managedPolicies'),
    rmseThreshold: text(v, 'rmseThreshold'),
    wait: unlessNo(v, 'wait'),
    keepData: flag(v, 'keepData'),
    adopt: flag(v, 'adopt'),
    ...(has(v, 'dir') ? { dir: text(v, 'dir') } : {}),
    explicitOptions: (v.explicitOptions as string[] | undefined) ?? [],
  };
}

/** The typed options of each command. */
export interface OptionsByCommand {
  up: UpOptions;
  status: StatusOptions;
  destroy: DestroyOptions;
  park: ParkOptions;
  'push-dags': PushDagsOptions;
  'add-data': AddDataOptions;
  run: RunOptions;
  runs: RunsOptions;
  predict: PredictOptions;
  local: LocalOptions;
  policy: PolicyOptions;
}

export type CommandName = keyof OptionsByCommand;

/** Each command's parser: commander's values and positional arguments in, the typed options out. */
export const PARSE: { readonly [N in CommandName]: (values: CommanderValues, args: readonly string[]) => OptionsByCommand[N] } = {
  up: (v: CommanderValues): UpOptions => ({ ...shaping(v), dryRun: flag(v, 'dryRun'), ...(has(v, 'only') ? { only: text(v, 'only') } : {}), forceUnlock: flag(v, 'forceUnlock') }),
  status: (v: CommanderValues): StatusOptions => shaping(v),
  destroy: (v: CommanderValues): DestroyOptions => ({ ...shaping(v), forceUnlock: flag(v, 'forceUnlock') }),
  park: (v: CommanderValues): ParkOptions => ({ ...shaping(v), dryRun: flag(v, 'dryRun'), forceUnlock: flag(v, 'forceUnlock') }),
  'push-dags': (v: CommanderValues): PushDagsOptions => ({
    dir: optionalText(v, 'dir'),
    delete: flag(v, 'delete'),
    dryRun: flag(v, 'dryRun'),
    wait: unlessNo(v, 'wait'),
    viaCodebuild: flag(v, 'viaCodebuild'),
    forceUnlock: flag(v, 'forceUnlock'),
  }),
  'add-data': (v: CommanderValues, args: readonly string[]): AddDataOptions => ({ files: [...args], run: unlessNo(v, 'run') }),
  run: (v: CommanderValues): RunOptions => ({ force: v.force === true, follow: unlessNo(v, 'follow') }),
  runs: (v: CommanderValues): RunsOptions => ({ limit: String(v.limit ?? '10') }),
  predict: (v: CommanderValues, args: readonly string[]): PredictOptions => ({
    ...(args[0] === undefined ? {} : { file: args[0] }),
    rows: (v.row as string[] | undefined) ?? [],
  }),
  local: (v: CommanderValues): LocalOptions => ({ port: String(v.port) }),
  policy: (v: CommanderValues): PolicyOptions => ({ for: String(v.for ?? ''), ...(has(v, 'account') ? { account: text(v, 'account') } : {}) }),
};

/** The typed options of command `name`, from commander's values and positional arguments. */
export function parseOptions<N extends CommandName>(name: N, values: CommanderValues, args: readonly string[]): OptionsByCommand[N] {
  return PARSE[name](values, args);
}
