/**
 * Checks of request members against the MWAA service model (botocore data/mwaa/2020-07-01):
 * types, required members, lengths, ranges, enums and patterns. Patterns are matched in full,
 * as the API reference writes them (`^...$`). Messages follow AWS's wording:
 * "1 validation error detected: Value 'x' at 'Name' failed to satisfy constraint: ...".
 */
import { validationError } from './http.js';

export class Violations {
  private readonly items: string[] = [];

  add(value: unknown, path: string, constraint: string): void {
    this.items.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  throwIfAny(): void {
    const n = this.items.length;
    if (n > 0) throw validationError(`${n} validation error${n > 1 ? 's' : ''} detected: ${this.items.join('; ')}`);
  }
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value);
}

export type Check = (v: Violations, value: unknown, path: string) => void;

interface Pattern {
  source: string;
  regex: RegExp;
}

function pattern(source: string, flags = ''): Pattern {
  return { source, regex: new RegExp(`^(?:${source})$`, flags) };
}

export function str(min: number, max: number, p?: Pattern, sensitive = false): Check {
  return (v, value, path) => {
    if (typeof value !== 'string') return v.add(value, path, 'Member must be a string');
    const shown = sensitive ? '*** Sensitive Data Redacted ***' : value;
    if (value.length < min) v.add(shown, path, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) v.add(shown, path, `Member must have length less than or equal to ${max}`);
    if (p && !p.regex.test(value)) v.add(shown, path, `Member must satisfy regular expression pattern: ${p.source}`);
  };
}

export function int(min?: number, max?: number): Check {
  return (v, value, path) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return v.add(value, path, 'Member must be an integer');
    if (min !== undefined && value < min) v.add(value, path, `Member must have value greater than or equal to ${min}`);
    if (max !== undefined && value > max) v.add(value, path, `Member must have value less than or equal to ${max}`);
  };
}

export const bool: Check = (v, value, path) => {
  if (typeof value !== 'boolean') v.add(value, path, 'Member must be a boolean');
};

export function oneOf(values: readonly string[]): Check {
  return (v, value, path) => {
    if (typeof value !== 'string' || !values.includes(value)) {
      v.add(value, path, `Member must satisfy enum value set: [${values.join(', ')}]`);
    }
  };
}

export function list(min: number, max: number, member: Check): Check {
  return (v, value, path) => {
    if (!Array.isArray(value)) return v.add(value, path, 'Member must be a list');
    if (value.length < min) v.add(value, path, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) v.add(value, path, `Member must have length less than or equal to ${max}`);
    value.forEach((item, i) => member(v, item, `${path}.${i + 1}.member`));
  };
}

export function map(key: Check, val: Check, min = 0, max = Infinity): Check {
  return (v, value, path) => {
    if (!isObject(value)) return v.add(value, path, 'Member must be a map');
    const entries = Object.entries(value);
    if (entries.length < min) v.add(value, path, `Member must have length greater than or equal to ${min}`);
    if (entries.length > max) v.add(value, path, `Member must have length less than or equal to ${max}`);
    for (const [k, item] of entries) {
      key(v, k, `${path}.key`);
      val(v, item, `${path}.${k}.value`);
    }
  };
}

export function struct(fields: Record<string, Check>, required: readonly string[] = []): Check {
  return (v, value, path) => {
    if (!isObject(value)) return v.add(value, path, 'Member must be a structure');
    checkMembers(v, value, fields, required, `${path}.`);
  };
}

/** Checks each known member present (and each required one); members the model does not have are ignored. */
export function checkMembers(
  v: Violations,
  body: Record<string, unknown>,
  fields: Record<string, Check>,
  required: readonly string[],
  prefix = '',
): void {
  for (const name of required) {
    if (body[name] === undefined || body[name] === null) v.add(null, `${prefix}${name}`, 'Member must not be null');
  }
  for (const [name, check] of Object.entries(fields)) {
    const value = body[name];
    if (value !== undefined && value !== null) check(v, value, `${prefix}${name}`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const PATTERNS = {
  environmentName: pattern('[a-zA-Z][0-9a-zA-Z-_]*'),
  /** The model writes `arn:aws(-[a-z]+)?`; `*` also admits the `aws-us-gov` partition. */
  environmentArn: pattern('arn:aws(-[a-z]+)*:airflow:[a-z0-9\\-]+:\\d{12}:environment/\\w+.*'),
  roleArn: pattern('arn:aws(-[a-z]+)*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+'),
  bucketArn: pattern('arn:aws(-[a-z]+)*:s3:::[a-z0-9.\\-]+'),
  relativePath: pattern('.*'),
  subnetId: pattern('subnet-[a-zA-Z0-9\\-._]+'),
  securityGroupId: pattern('sg-[a-zA-Z0-9\\-._]+'),
  configKey: pattern('[a-z]+([a-z0-9._]*[a-z0-9_]+)?'),
  configValue: pattern('[ -~]+'),
  kmsKey: pattern(
    '(((arn:aws(-[a-z]+)*:kms:[a-z]{2}-[a-z]+-\\d:\\d+:)?key\\/)?[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|(arn:aws(-[a-z]+)*:kms:[a-z]{2}-[a-z]+-\\d:\\d+:)?alias/.+)',
  ),
  airflowVersion: pattern('[0-9a-z.]+'),
  maintenanceWindow: pattern('.*(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\\d|2[0-3]):(00|30).*'),
  tag: pattern('([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)', 'u'),
};
