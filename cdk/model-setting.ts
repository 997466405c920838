import { Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** `ARTANA_MODEL`: the deterministic mock, a Bedrock model / inference profile id, or an OpenAI model id. */
export type ModelSetting = 'mock' | `bedrock:${string}` | `openai:${string}`;

/** Cross-region inference profiles are named `<geo>.<model id>` and route to the model in several regions. */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|global|us-gov|ca|jp|au)\./;

/** Parses a model setting; throws on anything that would only fail at run time. */
export const parseModelSetting = (model: string): { provider: 'mock' | 'bedrock' | 'openai'; id: string } => {
  if (model === 'mock') return { provider: 'mock', id: 'mock' };
  const match = /^(bedrock|openai):([A-Za-z0-9._:\-/]+)$/.exec(model);
  if (!match?.[1] || !match[2]) {
    throw new Error(`Invalid model setting "${model}": expected "mock", "bedrock:<model id>" or "openai:<model id>"`);
  }
  return { provider: match[1] === 'bedrock' ? 'bedrock' : 'openai', id: match[2] };
};

/**
 * `bedrock:InvokeModel` on exactly the configured model. An inference profile also needs the foundation model in
 * every region the profile routes to, hence the region wildcard in that one ARN.
 */
export const bedrockInvokeStatement = (scope: Construct, modelId: string): PolicyStatement => {
  const { partition, region, account } = Stack.of(scope);
  const profile = INFERENCE_PROFILE_PREFIX.exec(modelId);
  if (profile) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${modelId.slice(profile[0].length)}]`,
      reason: 'A cross-region inference profile routes to this one foundation model in several regions, so InvokeModel needs that model id in any region (plus the profile itself).',
    });
  }
  const resources = profile
    ? [
        `arn:${partition}:bedrock:${region}:${account}:inference-profile/${modelId}`,
        `arn:${partition}:bedrock:*::foundation-model/${modelId.slice(profile[0].length)}`,
      ]
    : [`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`];
  return new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources });
};

/** Narrows a string (CDK context, environment) to a model setting, or throws with the accepted forms. */
export const toModelSetting = (model: string): ModelSetting => {
  const { provider, id } = parseModelSetting(model);
  return provider === 'mock' ? 'mock' : `${provider}:${id}`;
};
