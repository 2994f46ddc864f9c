/** The one SageMaker image the local endpoint runs: the built-in XGBoost 1.7-1 container. */
export const XGBOOST_ONLY = 'the local endpoint runs the built-in XGBoost 1.7 image only';

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/sagemaker-xgboost:1.7-1[...]`, as image_uris.retrieve gives. */
export function isXgboost17(image: string | undefined): boolean {
  return !!image && /^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/sagemaker-xgboost:1\.7-1(-cpu-py3)?$/.test(image);
}

export function notXgboostReason(image: string | undefined): string {
  return `${XGBOOST_ONLY} (…/sagemaker-xgboost:1.7-1); this job's image is ${image ?? 'unset'}`;
}

export const XGBOOST_MISSING =
  'the local endpoint found no Python with xgboost 1.7; run: sudo apt-get install -y python3-xgboost (Debian/Ubuntu) or python3 -m pip install "xgboost>=1.7,<1.8" (or set ABALONE_PYTHON)';

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** SageMaker's name constraint (TrainingJobName, TransformJobName, EndpointName). */
export function checkName(field: string, value: string): string | undefined {
  return NAME.test(value)
    ? undefined
    : `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`;
}
