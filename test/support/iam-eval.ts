/**
 * IAM's policy evaluation for one identity-based policy, as far as the operator policies use it
 * ("Policy evaluation logic", IAM User Guide: an explicit Deny wins; otherwise a matching Allow
 * allows; otherwise the request is implicitly denied). A statement matches a request when its
 * Action (or NotAction) matches the action, its Resource (or NotResource) matches the resource,
 * and every condition holds. Action names match case-insensitively with `*` and `?` wildcards;
 * resource ARNs match case-sensitively with `*` and `?` ("IAM JSON policy elements: Resource").
 * Conditions: StringEquals, StringLike, StringNotEquals, ArnLike, ArnEquals, Bool, Null and the
 * ForAllValues:/ForAnyValue: set operators; a condition key absent from the request makes every
 * operator but Null (and ForAllValues:) false ("Condition operators": "If the key that you specify
 * in a policy condition is not present in the request context, the values do not match").
 */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}
export interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

/** One authorisation IAM makes: an action on a resource, with the request's condition keys. */
export interface Authorization {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (lower-case keys, as IAM compares them case-insensitively). */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function wildcard(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

const actionMatches = (pattern: string, action: string) => wildcard(pattern, 'i').test(action);
const resourceMatches = (pattern: string, resource: string) => pattern === '*' || wildcard(pattern, '').test(resource);

function operator(name: string, actual: string, wanted: string): boolean {
  switch (name) {
    case 'StringEquals':
    case 'ArnEquals':
      return actual === wanted;
    case 'StringNotEquals':
      return actual !== wanted;
    case 'StringLike':
    case 'ArnLike':
      return wildcard(wanted, '').test(actual);
    case 'Bool':
      return actual.toLowerCase() === String(wanted).toLowerCase();
    default:
      throw new Error(`condition operator ${name} is not implemented by the test's evaluator`);
  }
}

function conditionHolds(op: string, key: string, wanted: string[], context: Readonly<Record<string, string | string[]>>): boolean {
  const value = context[key.toLowerCase()];
  if (op === 'Null') return (value === undefined) === (wanted[0] === 'true');
  const [set, base] = op.includes(':') ? (op.split(':') as [string, string]) : [undefined, op];
  if (set === 'ForAllValues') return list(value).every((v) => wanted.some((w) => operator(base, v, w)));
  if (set === 'ForAnyValue') return list(value).some((v) => wanted.some((w) => operator(base, v, w)));
  if (value === undefined) return false;
  if (base === 'StringNotEquals') return list(value).every((v) => wanted.every((w) => operator(base, v, w)));
  return list(value).some((v) => wanted.some((w) => operator(base, v, w)));
}

function statementMatches(s: Statement, request: Authorization): boolean {
  const action = s.Action !== undefined ? list(s.Action).some((a) => actionMatches(a, request.action)) : !list(s.NotAction).some((a) => actionMatches(a, request.action));
  if (!action) return false;
  const resource = s.Resource !== undefined ? list(s.Resource).some((r) => resourceMatches(r, request.resource)) : !list(s.NotResource).some((r) => resourceMatches(r, request.resource));
  if (!resource) return false;
  return Object.entries(s.Condition ?? {}).every(([op, entries]) =>
    Object.entries(entries).every(([key, wanted]) => conditionHolds(op, key, list(wanted).map(String), request.context ?? {})),
  );
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export function evaluate(policy: PolicyDocument, request: Authorization): Decision {
  const matching = policy.Statement.filter((s) => statementMatches(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}
