/** TagResource, UntagResource and ListTagsForResource on an environment's ARN. */
import { TAGS_CHECK } from './config.js';
import { storeKey, type Environment, type EnvironmentStore } from './environment.js';
import { notFoundError, validationError } from './http.js';
import { PATTERNS, Violations, list, str } from './shapes.js';

const MAX_TAGS = 50;

function findByArn(store: EnvironmentStore, region: string, arn: string): Environment {
  const v = new Violations();
  str(1, 1224, PATTERNS.environmentArn)(v, arn, 'ResourceArn');
  v.throwIfAny();
  const name = arn.slice(arn.indexOf(':environment/') + ':environment/'.length);
  const env = store.get(storeKey(region, name));
  if (!env || env.arn !== arn) throw notFoundError(`Resource ${arn} not found.`);
  return env;
}

export function listTags(store: EnvironmentStore, region: string, arn: string): unknown {
  return { Tags: { ...findByArn(store, region, arn).tags } };
}

export function tagResource(store: EnvironmentStore, region: string, arn: string, body: Record<string, unknown>): unknown {
  const v = new Violations();
  if (body.Tags === undefined || body.Tags === null) v.add(null, 'Tags', 'Member must not be null');
  else TAGS_CHECK(v, body.Tags, 'Tags');
  v.throwIfAny();
  const env = findByArn(store, region, arn);
  const merged = { ...env.tags, ...(body.Tags as Record<string, string>) };
  if (Object.keys(merged).length > MAX_TAGS) {
    throw validationError(`An environment can have at most ${MAX_TAGS} tags; this request would leave it with ${Object.keys(merged).length}.`);
  }
  env.tags = merged;
  env.applyFailTag();
  return {};
}

export function untagResource(store: EnvironmentStore, region: string, arn: string, query: URLSearchParams): unknown {
  const v = new Violations();
  const keys = query.getAll('tagKeys');
  if (!query.has('tagKeys')) v.add(null, 'tagKeys', 'Member must not be null');
  else list(0, MAX_TAGS, str(1, 128, PATTERNS.tag))(v, keys, 'tagKeys');
  v.throwIfAny();
  const env = findByArn(store, region, arn);
  env.tags = Object.fromEntries(Object.entries(env.tags).filter(([k]) => !keys.includes(k)));
  return {};
}
