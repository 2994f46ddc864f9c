import type { Step, StepName } from '../engine/types.js';
import { attachPolicies } from './attach-policies.js';
import { ensureBucket } from './ensure-bucket.js';
import { ensureCodebuild } from './ensure-codebuild.js';
import { ensureGlue } from './ensure-glue.js';
import { ensureLambda } from './ensure-lambda.js';
import { ensureMwaa } from './ensure-mwaa.js';
import { ensureParameters } from './ensure-parameters.js';
import { ensureRoles } from './ensure-roles.js';
import { ensureVpc } from './ensure-vpc.js';
import { modelEndpoint } from './model-endpoint.js';
import { uploadAirflow } from './upload-airflow.js';
import { uploadData } from './upload-data.js';

/** Every reconcile step `up` runs, in the contract's order. */
export const ALL_STEPS: readonly Step[] = [
  ensureBucket,
  uploadData,
  uploadAirflow,
  ensureRoles,
  ensureGlue,
  ensureLambda,
  ensureCodebuild,
  ensureParameters,
  ensureVpc,
  ensureMwaa,
  attachPolicies,
  modelEndpoint,
];

export function selectSteps(only: readonly StepName[] | undefined): Step[] {
  if (!only || only.length === 0) return [...ALL_STEPS];
  return ALL_STEPS.filter((s) => only.includes(s.name));
}
