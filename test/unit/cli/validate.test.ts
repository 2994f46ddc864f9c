import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../src/cli/pipeline-config.js';
import {
  airflowVersion,
  envClass,
  etlEngine,
  natGateways,
  positiveNumber,
  securityGroupIds,
  stepList,
  subnetIds,
  validateName,
  validateRegion,
  webserverAccess,
  workers,
} from '../../../src/cli/validate.js';
import { UsageError } from '../../../src/base/errors.js';

/** Runs `fn`, expects a UsageError (exit code 2) and returns it. */
function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return error as UsageError;
  }
  throw new Error('expected a UsageError, got none');
}

describe('validateName', () => {
  it('accepts lower-case names with digits and inner hyphens', () => {
    for (const name of ['abalone', 'a', 'team-2', 'abalone-prod-eu', 'x1']) expect(validateName(name, 'us-east-1')).toBe(name);
  });

  it.each([
    ['upper case', 'Abalone'],
    ['underscore', 'aba_lone'],
    ['leading dash', '-abalone'],
    ['trailing dash', 'abalone-'],
    ['leading digit', '1abalone'],
    ['dot', 'aba.lone'],
    ['space', 'aba lone'],
  ])('rejects %s with a message saying what is allowed', (_what, name) => {
    const error = usageError(() => validateName(name, 'us-east-1'));
    expect(error.code).toBe('InvalidName');
    expect(error.message).toContain(`--name "${name}"`);
    expect(error.message).toMatch(/lower-case letters, digits and hyphens/);
    expect(error.message).toMatch(/S3 bucket/);
  });

  it('rejects an empty name', () => {
    const error = usageError(() => validateName('', 'us-east-1'));
    expect(error).toMatchObject({ code: 'InvalidName' });
    expect(error.message).toMatch(/--name is empty/);
  });

  it('rejects a name too long for the bucket, naming the derived resource, its length and the limit', () => {
    // bucket = <name>-data-us-east-1-123456789012 (name + 28) <= 63: 35 fits, 36 does not.
    expect(validateName('a'.repeat(35), 'us-east-1')).toBe('a'.repeat(35));
    const name = 'a'.repeat(36);
    const error = usageError(() => validateName(name, 'us-east-1'));
    expect(error.code).toBe('InvalidName');
    expect(error.message).toContain('S3 bucket');
    expect(error.message).toContain(`"${name}-data-us-east-1-123456789012"`);
    expect(error.message).toContain('64 characters');
    expect(error.message).toContain('AWS allows 63');
    expect(error.message).toContain('at most 35 characters');
  });

  it('computes the limit for the region: a longer region leaves fewer characters', () => {
    // <name>-data-ap-southeast-2-123456789012: name + 33 <= 63.
    expect(validateName('a'.repeat(30), 'ap-southeast-2')).toBe('a'.repeat(30));
    const error = usageError(() => validateName('a'.repeat(31), 'ap-southeast-2'));
    expect(error.message).toContain('at most 30 characters');
  });

  it('rejects names whose bucket name S3 forbids by prefix (xn--, sthree-)', () => {
    // S3 bucket naming rules: names must not start with "xn--" or "sthree-".
    for (const name of ['xn--abalone', 'sthree-abalone']) {
      const error = usageError(() => validateName(name, 'us-east-1'));
      expect(error.code).toBe('InvalidName');
    }
  });
});

describe('validateRegion', () => {
  it('accepts AWS region names', () => {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1', 'cn-north-1', 'eu-central-2', 'il-central-1']) {
      expect(validateRegion(region)).toBe(region);
    }
  });

  it.each(['US-EAST-1', 'us-east', 'useast1', 'us_east_1', 'us-east-1 ', '', 'mars-1', 'https://eu-west-1'])('rejects "%s" as InvalidRegion', (region) => {
    const error = usageError(() => validateRegion(region));
    expect(error.code).toBe('InvalidRegion');
    expect(error.message).toContain('--region');
  });
});

describe('option validators: UsageError, exit 2', () => {
  it('workers: whole numbers from 1 to 25', () => {
    const max = workers('--max-workers');
    expect(max('1')).toBe(1);
    expect(max('25')).toBe(25);
    for (const value of ['0', '26', '-1', '2.5', 'ten', '', '1e1']) {
      const error = usageError(() => max(value));
      expect(error.code).toBe('InvalidOption');
      expect(error.message).toContain(`--max-workers "${value}"`);
      expect(error.message).toContain('from 1 to 25');
    }
  });

  it('env class: one of the MWAA classes', () => {
    expect(envClass('mw1.micro')).toBe('mw1.micro');
    expect(envClass('mw1.2xlarge')).toBe('mw1.2xlarge');
    const error = usageError(() => envClass('mw1.huge'));
    expect(error.message).toContain('--env-class "mw1.huge"');
    expect(error.message).toContain('mw1.small');
  });

  it('airflow version: only the versions the DAG is tested on (issues 19, 22), naming what MWAA runs', () => {
    expect(airflowVersion('3.0.6')).toBe('3.0.6');
    expect(airflowVersion('2.10.3')).toBe('2.10.3');
    for (const bad of ['2.9.2', '2.10.1', '2.11.0']) {
      const error = usageError(() => airflowVersion(bad));
      expect(error.message).toBe(`--airflow-version "${bad}": the DAG is tested on Airflow 3.0.6, 2.10.3 only (MWAA runs ${bad}, but the DAG and its requirements are not tested on it); accepted: 3.0.6, 2.10.3`);
    }
    for (const bad of ['1.10.12', '2.5.1', '3.0.0', '3.1.0']) {
      const error = usageError(() => airflowVersion(bad));
      expect(error.message).toBe(
        `--airflow-version "${bad}": the DAG is tested on Airflow 3.0.6, 2.10.3 only (not a version MWAA runs: 2.7.2, 2.8.1, 2.9.2, 2.10.1, 2.10.3, 2.11.0, 3.0.6); accepted: 3.0.6, 2.10.3`,
      );
    }
  });

  it('webserver access, etl engine, nat gateways, rmse threshold', () => {
    expect(webserverAccess('PRIVATE_ONLY')).toBe('PRIVATE_ONLY');
    usageError(() => webserverAccess('public_only'));
    expect(etlEngine('spark')).toBe('spark');
    usageError(() => etlEngine('emr'));
    expect(natGateways('1')).toBe(1);
    usageError(() => natGateways('3'));
    expect(positiveNumber('--rmse-threshold', '2.5')).toBe(2.5);
    for (const value of ['0', '-1', 'abc', '', 'Infinity']) usageError(() => positiveNumber('--rmse-threshold', value));
  });

  it('subnet ids: exactly two different subnet ids', () => {
    expect(subnetIds('subnet-0123abcd,subnet-4567ef01')).toEqual(['subnet-0123abcd', 'subnet-4567ef01']);
    expect(subnetIds(' subnet-0123abcd , subnet-4567ef01 ')).toEqual(['subnet-0123abcd', 'subnet-4567ef01']);
    const one = usageError(() => subnetIds('subnet-0123abcd'));
    expect(one.message).toMatch(/exactly two/);
    const same = usageError(() => subnetIds('subnet-0123abcd,subnet-0123abcd'));
    expect(same.message).toMatch(/the same subnet twice/);
    usageError(() => subnetIds('subnet-0123abcd,subnet-4567ef01,subnet-89abcdef'));
    const bad = usageError(() => subnetIds('subnet-0123abcd,sg-4567ef01'));
    expect(bad.message).toContain('bad: sg-4567ef01');
    usageError(() => subnetIds(''));
  });

  it('security group ids: a list of sg- ids', () => {
    expect(securityGroupIds('sg-0123abcd')).toEqual(['sg-0123abcd']);
    expect(securityGroupIds('sg-0123abcd,sg-0123abcdef012345')).toEqual(['sg-0123abcd', 'sg-0123abcdef012345']);
    const bad = usageError(() => securityGroupIds('sg-xyz'));
    expect(bad.message).toContain('--security-group-ids');
    usageError(() => securityGroupIds(','));
  });

  it('--only: known step names', () => {
    expect(stepList('ensure-bucket, upload-data')).toEqual(['ensure-bucket', 'upload-data']);
    const unknown = usageError(() => stepList('ensure-bucket,ensure-moon'));
    expect(unknown.message).toContain('unknown step ensure-moon');
    expect(unknown.message).toContain('ensure-mwaa');
    const none = usageError(() => stepList(','));
    expect(none.message).toContain('(none given)');
  });
});

describe('pipelineConfig', () => {
  const defaults = {
    envClass: 'mw1.small',
    maxWorkers: '10',
    minWorkers: '1',
    airflowVersion: '2.10.3',
    webserverAccess: 'PUBLIC_ONLY',
    natGateways: '2',
    etlEngine: 'pythonshell',
    managedPolicies: false,
    rmseThreshold: '3.1',
  };

  it('resolves the defaults', () => {
    expect(pipelineConfig(defaults)).toMatchObject({
      envClass: 'mw1.small',
      minWorkers: 1,
      maxWorkers: 10,
      airflowVersion: '2.10.3',
      natGateways: 2,
      etlEngine: 'pythonshell',
      rmseThreshold: 3.1,
      wait: true,
      keepData: false,
      subnetIds: undefined,
    });
  });

  it('rejects min workers above max workers', () => {
    const error = usageError(() => pipelineConfig({ ...defaults, minWorkers: '5', maxWorkers: '3' }));
    expect(error.message).toContain('--min-workers 5 is more than --max-workers 3');
  });

  it('wants subnet ids and security group ids together', () => {
    const error = usageError(() => pipelineConfig({ ...defaults, subnetIds: 'subnet-0123abcd,subnet-4567ef01' }));
    expect(error.message).toMatch(/go together/);
    expect(pipelineConfig({ ...defaults, subnetIds: 'subnet-0123abcd,subnet-4567ef01', securityGroupIds: 'sg-0123abcd' })).toMatchObject({
      subnetIds: ['subnet-0123abcd', 'subnet-4567ef01'],
      securityGroupIds: ['sg-0123abcd'],
    });
  });

  it('rejects each invalid shaping option with exit 2', () => {
    for (const bad of [{ envClass: 'mw2.small' }, { maxWorkers: '0' }, { minWorkers: 'x' }, { airflowVersion: '3.0.0' }, { natGateways: '0' }]) {
      usageError(() => pipelineConfig({ ...defaults, ...bad }));
    }
  });
});
