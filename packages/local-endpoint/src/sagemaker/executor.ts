/**
 * SageMaker work the local endpoint performs: training and transform jobs, endpoints, and
 * SageMaker Runtime InvokeEndpoint. This executor owns those three resource kinds (and their
 * tags); models and endpoint configs stay moto's.
 */
import type { ComputeContext } from '../compute/context.js';
import { AwsError, header, jsonBody, jsonReply, restError, str, type ServiceRequest, type Reply } from '../protocol.js';
import { Endpoints } from './endpoints.js';
import { TrainingJobs } from './training.js';
import { TransformJobs } from './transform.js';

type Tagged = { tags: Array<{ Key: string; Value: string }> };

export class SageMakerExecutor {
  readonly training: TrainingJobs;
  readonly transform: TransformJobs;
  readonly endpoints: Endpoints;

  constructor(ctx: ComputeContext) {
    this.training = new TrainingJobs(ctx);
    this.transform = new TransformJobs(ctx);
    this.endpoints = new Endpoints(ctx);
  }

  reset(): void {
    this.training.reset();
    this.transform.reset();
    this.endpoints.reset();
  }

  /** `SageMaker.<Operation>` calls this executor owns; undefined for the rest (moto's). */
  async handle(req: ServiceRequest, op: string): Promise<Reply | undefined> {
    const r = req.region;
    switch (op) {
      case 'CreateTrainingJob':
        return jsonReply(await this.training.create(r, jsonBody(req.body)));
      case 'DescribeTrainingJob':
        return jsonReply(this.training.describe(jsonBody(req.body)));
      case 'StopTrainingJob':
        return jsonReply(this.training.stop(jsonBody(req.body)));
      case 'ListTrainingJobs':
        return jsonReply(this.training.list(jsonBody(req.body)));
      case 'CreateTransformJob':
        return jsonReply(await this.transform.create(r, jsonBody(req.body)));
      case 'DescribeTransformJob':
        return jsonReply(this.transform.describe(jsonBody(req.body)));
      case 'StopTransformJob':
        return jsonReply(this.transform.stop(jsonBody(req.body)));
      case 'ListTransformJobs':
        return jsonReply(this.transform.list(jsonBody(req.body)));
      case 'CreateEndpoint':
        return jsonReply(await this.endpoints.create(r, jsonBody(req.body)));
      case 'UpdateEndpoint':
        return jsonReply(await this.endpoints.update(r, jsonBody(req.body)));
      case 'DeleteEndpoint':
        return jsonReply(this.endpoints.delete(r, jsonBody(req.body)));
      case 'DescribeEndpoint':
        return jsonReply(this.endpoints.describe(r, jsonBody(req.body)));
      case 'ListEndpoints':
        return jsonReply(this.endpoints.list(jsonBody(req.body)));
      case 'AddTags':
      case 'ListTags':
      case 'DeleteTags':
        return this.tags(op, jsonBody(req.body));
      default:
        return undefined;
    }
  }

  private owner(arn: string): Tagged | undefined {
    return this.training.byArn(arn) ?? this.transform.byArn(arn) ?? this.endpoints.byArn(arn);
  }

  /** Tags of the resources this executor owns; other ARNs' tags are moto's. */
  private tags(op: string, input: Record<string, unknown>): Reply | undefined {
    const arn = str(input, 'ResourceArn', true);
    if (!/:(training-job|transform-job|endpoint)\//.test(arn)) return undefined;
    const owner = this.owner(arn);
    if (!owner) throw new AwsError('ValidationException', `Could not find resource with ARN ${arn}.`);
    if (op === 'ListTags') return jsonReply({ Tags: owner.tags });
    if (op === 'AddTags') {
      const add = Array.isArray(input.Tags) ? (input.Tags as Array<{ Key: string; Value: string }>) : [];
      owner.tags = [...owner.tags.filter((t) => !add.some((a) => a.Key === t.Key)), ...add];
      return jsonReply({ Tags: owner.tags });
    }
    const keys = Array.isArray(input.TagKeys) ? (input.TagKeys as string[]) : [];
    owner.tags = owner.tags.filter((t) => !keys.includes(t.Key));
    return jsonReply({});
  }

  /** SageMaker Runtime `POST /endpoints/{name}/invocations` (restJson1). */
  async invoke(req: ServiceRequest, name: string): Promise<Reply> {
    try {
      const accept = header(req, 'accept');
      const out = await this.endpoints.invoke(req.region, name, req.body, header(req, 'content-type'));
      return {
        status: 200,
        headers: {
          'content-type': accept && accept !== '*/*' ? accept : 'text/csv; charset=utf-8',
          'x-amzn-invoked-production-variant': out.variant,
        },
        body: out.body,
      };
    } catch (error) {
      if (error instanceof AwsError) return restError(error);
      throw error;
    }
  }
}
