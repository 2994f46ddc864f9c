// The registry of error codes (issue 20): see ERROR_CODES.

/** The exit code (EXIT in errors.ts: 1 failed, 2 usage, 130 interrupted) and one line of meaning. */
type Registered = { readonly exit: 1 | 2 | 130; readonly meaning: string };

/**
 * Every error code the tool reports (the `code` of `--json`'s `{"error": {code, message}}` and of a
 * failed step), with its exit code and what it means; docs/cli.md lists them (a unit test keeps
 * the two equal). To add a code: add it here (a ToolError with an unregistered code does not
 * compile), then put the table test/unit/architecture/error-codes.test.ts prints into docs/cli.md.
 * A step's failure may instead carry the AWS exception name of the call that failed (e.g.
 * AccessDenied), as the SDK reports it: `foreignCode()` in errors.ts. The table is read only by
 * tests and docs: errors.ts imports its type alone, so no command loads it.
 */
export const ERROR_CODES = {
  // usage errors (exit 2): nothing was sent to AWS
  UsageError: { exit: 2, meaning: 'the command line is wrong: an unknown command or flag, a missing argument' },
  InvalidOption: { exit: 2, meaning: 'a flag has a value it does not take (the message names the flag and what it takes)' },
  InvalidName: { exit: 2, meaning: '--name is not a valid pipeline name, or a name derived from it would be too long' },
  InvalidRegion: { exit: 2, meaning: 'the region is not an AWS region name' },
  MissingRegion: { exit: 2, meaning: 'no region from --region, AWS_REGION, AWS_DEFAULT_REGION or the profile' },
  InvalidDir: { exit: 2, meaning: '--dir is not a readable folder' },
  UnreadableFile: { exit: 2, meaning: 'a file given to add-data or predict cannot be read' },
  NoRows: { exit: 2, meaning: 'predict was given neither a file nor --row' },
  ConfirmationRequired: { exit: 2, meaning: 'the command needs a confirmation and there is no terminal: pass --yes' },
  // interrupted (exit 130)
  Interrupted: { exit: 130, meaning: 'Ctrl-C (or a prompt left): stopped between AWS calls; run the command again to finish' },
  // credentials, endpoint, account
  NotOurs: { exit: 1, meaning: "a resource has the pipeline's name but not its tag: left alone (up --adopt takes it over)" },
  RowTooLarge: { exit: 1, meaning: "one predict row is larger than InvokeEndpoint's 6 MB payload" },
  MissingCredentials: { exit: 1, meaning: 'no AWS credentials were found' },
  ExpiredCredentials: { exit: 1, meaning: 'the AWS credentials have expired' },
  InvalidCredentials: { exit: 1, meaning: 'AWS rejected the credentials' },
  EndpointUnreachable: { exit: 1, meaning: 'the AWS endpoint (or --endpoint-url) does not answer' },
  EndpointGarbage: { exit: 1, meaning: 'the endpoint answered, but not as AWS STS does' },
  NoAccount: { exit: 1, meaning: 'STS returned no account id' },
  OperationNotImplemented: { exit: 1, meaning: 'the endpoint (an emulator) lacks an operation an update needs' },
  // the lock
  Locked: { exit: 1, meaning: 'another run holds the pipeline lock (the message names it); --force-unlock breaks it' },
  // reconcile steps
  NotPlanned: { exit: 1, meaning: 'a step was not in the confirmed plan, so nothing of it was applied' },
  WaitTimeout: { exit: 1, meaning: 'a wait reached ABALONE_WAIT_TIMEOUT; run the command again to continue it' },
  BucketAlreadyExists: { exit: 1, meaning: 'the bucket name is taken by another account: choose another --name' },
  DeleteObjectsFailed: { exit: 1, meaning: 'S3 refused to delete an object' },
  TemplateError: { exit: 1, meaning: 'a shipped template (templates/) has a placeholder without a value, or is not valid JSON' },
  TemplateMissing: { exit: 1, meaning: 'a shipped template file is missing' },
  LambdaFailed: { exit: 1, meaning: 'the analyze-results function failed to create or update' },
  NetworkIncomplete: { exit: 1, meaning: 'a piece of the VPC this run did not create is missing; run up again' },
  NotEnoughAvailabilityZones: { exit: 1, meaning: 'the region offers fewer than the two availability zones MWAA needs' },
  RouteTableAssociation: { exit: 1, meaning: "a subnet's route table association cannot be found" },
  NatGatewayFailed: { exit: 1, meaning: 'a NAT gateway ended failed' },
  InvalidNetwork: { exit: 1, meaning: 'the network given with --subnet-ids/--security-group-ids cannot host MWAA' },
  NetworkMissing: { exit: 1, meaning: 'the environment needs the network, and it does not exist' },
  EnvironmentCreateFailed: { exit: 1, meaning: 'MWAA could not create the environment (CREATE_FAILED)' },
  EnvironmentUpdateFailed: { exit: 1, meaning: 'MWAA could not update the environment (UPDATE_FAILED)' },
  EnvironmentDeleteFailed: { exit: 1, meaning: 'MWAA could not delete the environment' },
  EnvironmentMustBeRecreated: { exit: 1, meaning: 'a setting MWAA cannot change in place differs: the environment must be deleted and created' },
  AirflowDowngradeRefused: { exit: 1, meaning: 'the environment runs Airflow 3, and MWAA downgrades 3.x only to 2.11.x, which the DAG is not tested on' },
  EnvironmentUnavailable: { exit: 1, meaning: 'the environment is UNAVAILABLE and cannot be updated' },
  EndpointCreateFailed: { exit: 1, meaning: 'the SageMaker endpoint failed to come InService' },
  EndpointDeleteFailed: { exit: 1, meaning: 'the SageMaker endpoint failed to delete' },
  // park, status, cost
  NotFound: { exit: 1, meaning: 'the pipeline has no stored settings in this region: nothing to park' },
  InvalidSettings: { exit: 1, meaning: 'the stored settings parameter is not a JSON object; up rewrites it' },
  UnknownPrice: { exit: 1, meaning: 'no list price is known for what bills (the cost is reported as not known)' },
  // push-dags
  NoRequirementsForVersion: { exit: 1, meaning: "the Airflow folder's requirements/ has no file for the environment's Airflow version" },
  PythonSyntaxError: { exit: 1, meaning: 'a Python file of the Airflow folder does not compile; nothing was uploaded' },
  PythonCheckFailed: { exit: 1, meaning: 'the Python compile check itself failed' },
  BuildNotStarted: { exit: 1, meaning: 'CodeBuild did not start the deploy build' },
  BuildNotFound: { exit: 1, meaning: 'the deploy build disappeared while followed' },
  BuildFailed: { exit: 1, meaning: 'the deploy build failed (the message names the phase)' },
  // add-data, run, runs, predict
  NoBucket: { exit: 1, meaning: "the pipeline's bucket does not exist: run up first" },
  NoEnvironment: { exit: 1, meaning: 'the Airflow environment does not exist: run up first' },
  EnvironmentNotAvailable: { exit: 1, meaning: 'the Airflow environment is not AVAILABLE (creating, updating, parked...)' },
  WebserverPrivate: { exit: 1, meaning: "the environment's web server is PRIVATE_ONLY and not reachable from here" },
  NoWebServer: { exit: 1, meaning: 'the environment reports no web server URL' },
  NoCliToken: { exit: 1, meaning: 'MWAA returned no CLI token' },
  AirflowCliUnreachable: { exit: 1, meaning: "the Airflow CLI endpoint does not answer" },
  AirflowCliTimeout: { exit: 1, meaning: 'an Airflow CLI call did not answer in time' },
  AirflowCliError: { exit: 1, meaning: 'an Airflow CLI command failed or answered what cannot be read' },
  DagNotFound: { exit: 1, meaning: "Airflow does not know the pipeline's DAG: run push-dags" },
  AirflowCliRedirect: { exit: 1, meaning: "the Airflow CLI endpoint answered a redirect, which the tool refuses (the CLI token would follow it)" },
  AirflowCliHost: { exit: 1, meaning: "the CLI token would go somewhere other than the environment's https web server or a loopback endpoint" },
  AirflowRestError: { exit: 1, meaning: "Airflow's REST API (through MWAA's InvokeRestApi) answered an error status" },
  AirflowRestTimeout: { exit: 1, meaning: 'an InvokeRestApi call did not answer in time' },
  AirflowRestAccessDenied: { exit: 1, meaning: 'the caller may not call airflow:InvokeRestApi for the Airflow role it needs' },
  AirflowRestInvalid: { exit: 1, meaning: "InvokeRestApi's answer is not what Airflow's REST API v2 gives" },
  RestApiPathInvalid: { exit: 1, meaning: 'a REST API path the tool built is not one InvokeRestApi takes' },
  RestApiPathTooLong: { exit: 1, meaning: "a REST API path is over InvokeRestApi's 64-character limit" },
  InvalidRunId: { exit: 1, meaning: "a DAG run id does not match Airflow's allowed pattern" },
  DagImportError: { exit: 1, meaning: "Airflow cannot import the pipeline's DAG (file and error in the message)" },
  NoEndpoint: { exit: 1, meaning: 'no model endpoint is deployed: a run deploys one when its model is good enough' },
  EndpointNotInService: { exit: 1, meaning: 'the model endpoint exists but is not InService' },
  BadPrediction: { exit: 1, meaning: 'the endpoint answered something other than one number per row' },
  // local
  PortInUse: { exit: 1, meaning: 'local: the --port is in use' },
  MotoMissing: { exit: 1, meaning: 'local: moto_server is not installed' },
  MotoExited: { exit: 1, meaning: 'local: moto_server exited at start' },
  MotoPortTaken: { exit: 1, meaning: "local: moto_server's port was taken before it bound it" },
  MotoTimeout: { exit: 1, meaning: 'local: moto_server did not answer in time' },
  // anything else
  UnexpectedError: { exit: 1, meaning: 'a failure the tool did not foresee (ABALONE_DEBUG=1 prints its stack)' },
} as const satisfies Readonly<Record<string, Registered>>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
