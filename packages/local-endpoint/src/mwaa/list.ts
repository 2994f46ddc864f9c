/** ListEnvironments: names in the request's region, in name order, paged by an opaque NextToken. */
import type { EnvironmentStore } from './environment.js';
import { validationError } from './http.js';
import { Violations, int, str } from './shapes.js';

const PAGE_LIMIT = 25;

export function listEnvironments(store: EnvironmentStore, region: string, query: URLSearchParams): unknown {
  const v = new Violations();
  const rawMax = query.get('MaxResults');
  const max = rawMax === null ? PAGE_LIMIT : Number(rawMax);
  if (rawMax !== null) int(1, PAGE_LIMIT)(v, Number.isInteger(max) ? max : rawMax, 'MaxResults');
  const token = query.get('NextToken');
  if (token !== null) str(0, 2048)(v, token, 'NextToken');
  v.throwIfAny();

  const names = [...store.values()]
    .filter((env) => env.arn.split(':')[3] === region)
    .map((env) => env.name)
    .sort();
  const after = token ? decodeToken(token) : undefined;
  const start = after === undefined ? 0 : names.findIndex((n) => n > after);
  const page = start < 0 ? [] : names.slice(start, start + max);
  const more = start >= 0 && start + max < names.length;
  return { Environments: page, ...(more ? { NextToken: encodeToken(page[page.length - 1]!) } : {}) };
}

function encodeToken(lastName: string): string {
  return Buffer.from(JSON.stringify({ after: lastName })).toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // falls through to the error below
  }
  throw validationError('The NextToken is not valid.');
}
