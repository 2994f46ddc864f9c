/** IAM/S3 policy documents: parsing what AWS returns and comparing by meaning, not by bytes. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** IAM returns documents URL-encoded; S3 returns them plain. */
export function parsePolicy(text: string): PolicyDocument {
  const raw = text.trimStart().startsWith('{') ? text : decodeURIComponent(text);
  const doc = JSON.parse(raw) as { Version?: string; Statement?: PolicyStatement | PolicyStatement[] };
  const statements = doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return { Version: doc.Version ?? '2008-10-17', Statement: statements };
}

/** A canonical form: sorted keys, one-element arrays as scalars, sorted value lists. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    if (items.length === 1) return items[0];
    return items.map((i) => JSON.stringify(i)).sort().map((i) => JSON.parse(i) as unknown);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function statementKey(s: PolicyStatement, index: number): string {
  return s.Sid && s.Sid.length > 0 ? s.Sid : `#${index + 1}`;
}

/**
 * The statements that differ between what is wanted and what is there, by Sid (or position),
 * as human text; empty when the documents mean the same.
 */
export function diffPolicies(wanted: PolicyDocument, actual: PolicyDocument): string[] {
  const differences: string[] = [];
  if (wanted.Version !== actual.Version) differences.push(`Version ${actual.Version} (want ${wanted.Version})`);
  const actualByKey = new Map(actual.Statement.map((s, i) => [statementKey(s, i), s]));
  const wantedKeys = new Set<string>();
  wanted.Statement.forEach((s, i) => {
    const key = statementKey(s, i);
    wantedKeys.add(key);
    const found = actualByKey.get(key);
    if (!found) differences.push(`statement ${key} missing`);
    else if (JSON.stringify(canonical(found)) !== JSON.stringify(canonical(s))) differences.push(`statement ${key} differs`);
  });
  for (const key of actualByKey.keys()) if (!wantedKeys.has(key)) differences.push(`statement ${key} not expected`);
  return differences;
}

export function policiesEqual(wanted: PolicyDocument, actual: PolicyDocument): boolean {
  return diffPolicies(wanted, actual).length === 0;
}
