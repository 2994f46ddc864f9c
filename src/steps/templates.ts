import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACTS_DIR, TEMPLATES_DIR } from '../base/paths.js';
import type { PolicyDocument } from '../aws/policy.js';
import { runsPrefix, type Names } from '../engine/names.js';
import { ToolError } from '../base/errors.js';

/**
 * Templates under templates/ hold `{{key}}` placeholders. Inside a string a placeholder becomes
 * the value's text; a JSON string that is exactly `"{{key}}"` becomes the value as JSON, so that
 * a list can fill it. An unknown placeholder is an error, never an empty string.
 */
export type TemplateValue = string | number | readonly string[];
export type TemplateVars = Readonly<Record<string, TemplateValue>>;

const PLACEHOLDER = /\{\{([A-Za-z0-9_.]+)\}\}/g;
const WHOLE_JSON_VALUE = /"\{\{([A-Za-z0-9_.]+)\}\}"/g;

function lookup(vars: TemplateVars, key: string, template: string): TemplateValue {
  const value = vars[key];
  if (value === undefined) throw new ToolError('TemplateError', `template ${template} uses {{${key}}}, which has no value`);
  return value;
}

export function renderText(text: string, vars: TemplateVars, template = 'text'): string {
  return text.replace(PLACEHOLDER, (_, key: string) => {
    const value = lookup(vars, key, template);
    if (Array.isArray(value)) throw new ToolError('TemplateError', `template ${template}: {{${key}}} is a list and must fill a whole JSON value`);
    return String(value);
  });
}

export function renderJsonText(text: string, vars: TemplateVars, template = 'json'): unknown {
  const whole = text.replace(WHOLE_JSON_VALUE, (_, key: string) => JSON.stringify(lookup(vars, key, template)));
  const inline = whole.replace(PLACEHOLDER, (_, key: string) => {
    const value = lookup(vars, key, template);
    if (Array.isArray(value)) throw new ToolError('TemplateError', `template ${template}: {{${key}}} is a list and must fill a whole JSON value`);
    // Escaped as JSON string content: the placeholder sits inside quotes.
    return JSON.stringify(String(value)).slice(1, -1);
  });
  try {
    return JSON.parse(inline) as unknown;
  } catch (error) {
    throw new ToolError('TemplateError', `template ${template} is not valid JSON once rendered: ${(error as Error).message}`);
  }
}

async function load(relativePath: string): Promise<string> {
  const path = join(TEMPLATES_DIR, relativePath);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ToolError('TemplateMissing', `the template ${path} could not be read: ${(error as Error).message}`);
  }
}

export async function renderTemplate(relativePath: string, vars: TemplateVars): Promise<string> {
  return renderText(await load(relativePath), vars, relativePath);
}

export async function renderPolicyTemplate(relativePath: string, vars: TemplateVars): Promise<PolicyDocument> {
  const doc = renderJsonText(await load(relativePath), vars, relativePath) as PolicyDocument;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.Statement)) {
    throw new ToolError('TemplateError', `template ${relativePath} is not a policy document (no Statement list)`);
  }
  return doc;
}

/** Where the Glue job keeps Spark temp files and the ETL scripts live (both under names' prefixes). */
export function glueTempPrefix(names: Names): string {
  return `${names.dataPrefix}glue-temp/`;
}
export function airflowScriptsPrefix(names: Names): string {
  return `${names.airflowPrefix}scripts/`;
}

/** Where the ETL writes its manifest (the inputs it read, with their rows), which the DAG reads. */
export function etlManifestKey(names: Names): string {
  return `${names.processedPrefix}manifest.json`;
}

/**
 * The account of the built-in sagemaker-xgboost image in each region: the table the DAG itself
 * reads (artifacts/airflow/dags/abalone_pipeline/xgboost_accounts.json), so that the SageMaker
 * role's ECR grant names the same account the training job pulls from.
 */
export const XGBOOST_ACCOUNTS_FILE = join(ARTIFACTS_DIR, 'airflow', 'dags', 'abalone_pipeline', 'xgboost_accounts.json');
const XGBOOST_ACCOUNTS: Readonly<Record<string, string>> = (JSON.parse(readFileSync(XGBOOST_ACCOUNTS_FILE, 'utf8')) as { accounts: Record<string, string> }).accounts;
export function xgboostImageAccount(region: string): string | undefined {
  return XGBOOST_ACCOUNTS[region];
}

/** Every value a template may use: the derived names, flattened (roles as `roles.<role>`). */
export function templateVars(names: Names): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(names)) if (typeof value === 'string') vars[key] = value;
  for (const [role, value] of Object.entries(names.roles)) vars[`roles.${role}`] = value;
  vars.glueTempPrefix = glueTempPrefix(names);
  vars.airflowScriptsPrefix = airflowScriptsPrefix(names);
  vars.runsPrefix = runsPrefix(names);
  vars.evaluationKey = `${names.evaluationPrefix}evaluation.json`;
  vars.etlManifestKey = etlManifestKey(names);
  // A prefix without its trailing slash: the key Hadoop's output committer probes for a parent folder.
  vars.dataPrefixKey = names.dataPrefix.replace(/\/$/, '');
  vars.processedPrefixKey = names.processedPrefix.replace(/\/$/, '');
  // Absent for a region without the image: rendering the SageMaker policy then names the placeholder.
  const account = xgboostImageAccount(names.region);
  if (account !== undefined) vars.xgboostImageAccount = account;
  return vars;
}
