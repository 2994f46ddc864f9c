/** Models and endpoint configs stay moto's: the executors read them from there. */
import { DescribeEndpointConfigCommand, DescribeModelCommand } from '@aws-sdk/client-sagemaker';
import type { ComputeContext } from '../compute/context.js';
import { AwsError } from '../protocol.js';

export interface ModelInfo {
  name: string;
  image?: string;
  modelDataUrl?: string;
}

export async function describeModel(ctx: ComputeContext, region: string, name: string): Promise<ModelInfo> {
  try {
    const out = await (await ctx.moto(region).sagemaker()).send(new DescribeModelCommand({ ModelName: name }));
    const container = out.PrimaryContainer ?? out.Containers?.[0];
    return { name, image: container?.Image, modelDataUrl: container?.ModelDataUrl };
  } catch {
    throw new AwsError('ValidationException', `Could not find model "${await ctx.arn(region, 'sagemaker', `model/${name.toLowerCase()}`)}".`);
  }
}

export async function describeEndpointConfig(ctx: ComputeContext, region: string, name: string) {
  try {
    return await (await ctx.moto(region).sagemaker()).send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
  } catch {
    throw new AwsError('ValidationException', `Could not find endpoint configuration "${await ctx.arn(region, 'sagemaker', `endpoint-config/${name.toLowerCase()}`)}".`);
  }
}
