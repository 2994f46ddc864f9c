/** Exit codes of the contract. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notConverged: 3, interrupted: 130 } as const;

type Registered = { readonly exit: (typeof EXIT)[keyof typeof EXIT]; readonly meaning: string };

/**
 * Every error code the tool reports (the `code` of `--json`'s `{"error": {code, message}}` and of a
 * failed step), with its exit code and what it means; docs/cli.md lists them (a unit test keeps
 * the two equal). To add a code: add it here (a ToolError with an unregistered code does not
 * compile), then put the table test/unit/architecture/error-codes.test.ts prints into docs/cli.md.
 * A step's failure may instead carry the AWS exception name of the call that failed (e.g.
 * AccessDenied), as the SDK reports it: `foreignCode()`.
 */
export const ERROR_CODES = {
  // usage errors (exit 2): nothing was sent to AWS
  UsageError: { exit: EXIT.usage, meaning: 'the command line is wrong: an unknown command or flag, a missing argument' },
  InvalidOption: { exit: EXIT.usage, meaning: 'a flag has a value it does not take (the message names the flag and what it takes)' },
  InvalidName: { exit: EXIT.usage, meaning: '--name is not a valid pipeline name, or a name derived from it would be too long' },
  InvalidRegion: { exit: EXIT.usage, meaning: 'the region is not an AWS region name' },
  MissingRegion: { exit: EXIT.usage, meaning: 'no region from --region, AWS_REGION, AWS_DEFAULT_REGION or the profile' },
  InvalidDir: { exit: EXIT.usage, meaning: '--dir is not a readable folder' },
  UnreadableFile: { exit: EXIT.usage, meaning: 'a file given to add-data or predict cannot be read' },
  NoRows: { exit: EXIT.usage, meaning: 'predict was given neither a file nor --row' },
  ConfirmationRequired: { exit: EXIT.usage, meaning: 'the command needs a confirmation and there is no terminal: pass --yes' },
  // interrupted (exit 130)
  Interrupted: { exit: EXIT.interrupted, meaning: 'Ctrl-C (or a prompt left): stopped between AWS calls; run the command again to finish' },
  // credentials, endpoint, account
  MissingCredentials: { exit: EXIT.failed, meaning: 'no AWS credentials were found' },
  ExpiredCredentials: { exit: EXIT.failed, meaning: 'the AWS credentials have expired' },
  InvalidCredentials: { exit: EXIT.failed, meaning: 'AWS rejected the credentials' },
  EndpointUnreachable: { exit: EXIT.failed, meaning: 'the AWS endpoint (or --endpoint-url) does not answer' },
  EndpointGarbage: { exit: EXIT.failed, meaning: 'the endpoint answered, but not as AWS STS does' },
  NoAccount: { exit: EXIT.failed, meaning: 'STS returned no account id' },
  OperationNotImplemented: { exit: EXIT.failed, meaning: 'the endpoint (an emulator) lacks an operation an update needs' },
  // the lock
  Locked: { exit: EXIT.failed, meaning: 'another run holds the pipeline lock (the message names it); --force-unlock breaks it' },
  // reconcile steps
  NotPlanned: { exit: EXIT.failed, meaning: 'a step was not in the confirmed plan, so nothing of it was applied' },
  WaitTimeout: { exit: EXIT.failed, meaning: 'a wait reached ABALONE_WAIT_TIMEOUT; run the command again to continue it' },
  BucketAlreadyExists: { exit: EXIT.failed, meaning: 'the bucket name is taken by another account: choose another --name' },
  DeleteObjectsFailed: { exit: EXIT.failed, meaning: 'S3 refused to delete an object' },
  TemplateError: { exit: EXIT.failed, meaning: 'a shipped template (templates/) has a placeholder without a value, or is not valid JSON' },
  TemplateMissing: { exit: EXIT.failed, meaning: 'a shipped template file is missing' },
  LambdaFailed: { exit: EXIT.failed, meaning: 'the analyze-results function failed to create or update' },
  NetworkIncomplete: { exit: EXIT.failed, meaning: 'a piece of the VPC this run did not create is missing; run up again' },
  NotEnoughAvailabilityZones: { exit: EXIT.failed, meaning: 'the region offers fewer than the two availability zones MWAA needs' },
  RouteTableAssociation: { exit: EXIT.failed, meaning: "a subnet's route table association cannot be found" },
  NatGatewayFailed: { exit: EXIT.failed, meaning: 'a NAT gateway ended failed' },
  InvalidNetwork: { exit: EXIT.failed, meaning: 'the network given with --subnet-ids/--security-group-ids cannot host MWAA' },
  NetworkMissing: { exit: EXIT.failed, meaning: 'the environment needs the network, and it does not exist' },
  EnvironmentCreateFailed: { exit: EXIT.failed, meaning: 'MWAA could not create the environment (CREATE_FAILED)' },
  EnvironmentUpdateFailed: { exit: EXIT.failed, meaning: 'MWAA could not update the environment (UPDATE_FAILED)' },
  EnvironmentDeleteFailed: { exit: EXIT.failed, meaning: 'MWAA could not delete the environment' },
  EnvironmentMustBeRecreated: { exit: EXIT.failed, meaning: 'a setting MWAA cannot change in place differs: the environment must be deleted and created' },
  EnvironmentUnavailable: { exit: EXIT.failed, meaning: 'the environment is UNAVAILABLE and cannot be updated' },
  EndpointCreateFailed: { exit: EXIT.failed, meaning: 'the SageMaker endpoint failed to come InService' },
  EndpointDeleteFailed: { exit: EXIT.failed, meaning: 'the SageMaker endpoint failed to delete' },
  // park, status, cost
  NotFound: { exit: EXIT.failed, meaning: 'the pipeline has no stored settings in this region: nothing to park' },
  InvalidSettings: { exit: EXIT.failed, meaning: 'the stored settings parameter is not a JSON object; up rewrites it' },
  UnknownPrice: { exit: EXIT.failed, meaning: 'no list price is known for what bills (the cost is reported as not known)' },
  // push-dags
  PythonSyntaxError: { exit: EXIT.failed, meaning: 'a Python file of the Airflow folder does not compile; nothing was uploaded' },
  PythonCheckFailed: { exit: EXIT.failed, meaning: 'the Python compile check itself failed' },
  BuildNotStarted: { exit: EXIT.failed, meaning: 'CodeBuild did not start the deploy build' },
  BuildNotFound: { exit: EXIT.failed, meaning: 'the deploy build disappeared while followed' },
  BuildFailed: { exit: EXIT.failed, meaning: 'the deploy build failed (the message names the phase)' },
  // add-data, run, runs, predict
  NoBucket: { exit: EXIT.failed, meaning: "the pipeline's bucket does not exist: run up first" },
  NoEnvironment: { exit: EXIT.failed, meaning: 'the Airflow environment does not exist: run up first' },
  EnvironmentNotAvailable: { exit: EXIT.failed, meaning: 'the Airflow environment is not AVAILABLE (creating, updating, parked...)' },
  WebserverPrivate: { exit: EXIT.failed, meaning: "the environment's web server is PRIVATE_ONLY and not reachable from here" },
  NoWebServer: { exit: EXIT.failed, meaning: 'the environment reports no web server URL' },
  NoCliToken: { exit: EXIT.failed, meaning: 'MWAA returned no CLI token' },
  AirflowCliUnreachable: { exit: EXIT.failed, meaning: "the Airflow CLI endpoint does not answer" },
  AirflowCliTimeout: { exit: EXIT.failed, meaning: 'an Airflow CLI call did not answer in time' },
  AirflowCliError: { exit: EXIT.failed, meaning: 'an Airflow CLI command failed or answered what cannot be read' },
  DagNotFound: { exit: EXIT.failed, meaning: "Airflow does not know the pipeline's DAG: run push-dags" },
  DagImportError: { exit: EXIT.failed, meaning: "Airflow cannot import the pipeline's DAG (file and error in the message)" },
  NoEndpoint: { exit: EXIT.failed, meaning: 'no model endpoint is deployed: a run deploys one when its model is good enough' },
  EndpointNotInService: { exit: EXIT.failed, meaning: 'the model endpoint exists but is not InService' },
  BadPrediction: { exit: EXIT.failed, meaning: 'the endpoint answered something other than one number per row' },
  // local
  PortInUse: { exit: EXIT.failed, meaning: 'local: the --port is in use' },
  MotoMissing: { exit: EXIT.failed, meaning: 'local: moto_server is not installed' },
  MotoExited: { exit: EXIT.failed, meaning: 'local: moto_server exited at start' },
  MotoPortTaken: { exit: EXIT.failed, meaning: "local: moto_server's port was taken before it bound it" },
  MotoTimeout: { exit: EXIT.failed, meaning: 'local: moto_server did not answer in time' },
  // anything else
  UnexpectedError: { exit: EXIT.failed, meaning: 'a failure the tool did not foresee (ABALONE_DEBUG=1 prints its stack)' },
} as const satisfies Readonly<Record<string, Registered>>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A code that is not the tool's own: the AWS exception name a failed call reported, passed on. */
export type ForeignCode = string & { readonly foreign: true };

/** Passes on the code of an error the tool reports but did not make (an AWS exception name, or a code already reported). */
export function foreignCode(code: string): ForeignCode {
  return code as ForeignCode;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/**
 * An error the user can act on: `code` is a stable machine-readable name (JSON output) from
 * ERROR_CODES, `message` says what happened and why, `exitCode` follows the contract (the code's).
 */
export class ToolError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: ErrorCode | ForeignCode,
    message: string,
    exitCode?: number,
  ) {
    super(message);
    this.name = 'ToolError';
    this.exitCode = exitCode ?? (isErrorCode(code) ? ERROR_CODES[code].exit : EXIT.failed);
  }
}

export class UsageError extends ToolError {
  constructor(message: string, code: ErrorCode = 'UsageError') {
    super(code, message, EXIT.usage);
  }
}

export class InterruptedError extends ToolError {
  constructor(message = 'interrupted') {
    super('Interrupted', message, EXIT.interrupted);
  }
}

/** The SDK error's name (its exception shape), or the Node error code for network failures. */
export function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
    if (typeof e.Code === 'string') return e.Code;
    if (typeof e.code === 'string') return e.code;
  }
  return 'Error';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
