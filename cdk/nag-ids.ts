import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The logical id cdk-nag prints for `{ "Fn::GetAtt": [<id>, "Arn"] }`, so an acknowledgement names one resource. */
export const nagLogicalId = (construct: IConstruct): string => {
  const resource = construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(resource).resolve(resource.logicalId);
};
