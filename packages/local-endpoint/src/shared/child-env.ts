/**
 * The environment every child of the endpoint starts from (moto, the DAG runner, the Glue, Lambda
 * and SageMaker executors, the interpreter probe): what a Python child needs to start and find its
 * packages, the ABALONE_LOCAL_* knobs, dummy credentials, and nothing else of the user's. No AWS_*
 * variable of the parent reaches a child (its keys, session token, profile), and the shared
 * config and credentials files point at a path that does not exist, so ~/.aws is never read.
 */

/** Variables a child may take from the parent as they are. */
const PASSED = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TZ', 'SYSTEMROOT', 'VIRTUAL_ENV', 'CONDA_PREFIX'];
/** Prefixes of variables a child may take: Python's own settings and pyenv's, the endpoint's knobs, moto's. */
const PASSED_PREFIXES = ['PYTHON', 'PYENV_', 'ABALONE_LOCAL_', 'MOTO_'];

/** A path that cannot exist (a file under /dev/null): the default of `noFile`. */
export const NO_FILE = '/dev/null/no-aws-config';

/** Dummy credentials every child gets: moto accepts any, and real ones must never be used. */
export const DUMMY_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } as const;

/**
 * The base environment of a child. `noFile` is a path inside the endpoint's folder that does not
 * exist: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE point there.
 */
export function childBaseEnv(noFile = NO_FILE, source: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (PASSED.includes(key) || PASSED_PREFIXES.some((p) => key.startsWith(p))) env[key] = value;
  }
  env.LANG ??= 'C.UTF-8';
  return {
    ...env,
    ...DUMMY_CREDENTIALS,
    AWS_CONFIG_FILE: noFile,
    AWS_SHARED_CREDENTIALS_FILE: noFile,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
