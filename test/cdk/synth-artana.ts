import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { ArtanaStack } from '../../cdk/artana-stack.js';
import type { ArtanaProps } from '../../cdk/artana-construct.js';
import { nagLogicalId } from '../../cdk/nag-ids.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cdk');

/** Synthesizes the example stack with bundling skipped; entries point at fixture handlers. `configure` runs before synth. */
export const synthArtana = (
  props: ArtanaProps = {},
  configure: (stack: ArtanaStack) => void = () => {},
): { app: App; stack: ArtanaStack; template: Template } => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ArtanaStack(app, 'Test', {
    env: { account: '123456789012', region: 'eu-west-1' },
    artana: {
      harnessEntry: path.join(fixtures, 'step-worker.ts'),
      ledgerStreamEntry: path.join(fixtures, 'ledger-stream.ts'),
      ...props,
    },
  });
  configure(stack);
  return { app, stack, template: Template.fromStack(stack) };
};

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const toStatements = (value: unknown): Statement[] => (Array.isArray(value) ? value : []).filter(
  (s): s is Statement => isRecord(s) && typeof s.Effect === 'string' && (typeof s.Action === 'string' || Array.isArray(s.Action)),
);

export const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
export const resourcesOf = (statement: Statement): unknown[] => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]);

/** Every identity-policy statement attached to the role of `construct` (a role or a function). */
export const roleStatements = (template: Template, role: IConstruct): Statement[] => {
  const roleId = nagLogicalId(role);
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => {
    const properties: unknown = policy.Properties;
    if (!isRecord(properties) || !Array.isArray(properties.Roles)) return [];
    const attached = properties.Roles.some((r: unknown) => isRecord(r) && r.Ref === roleId);
    const document = properties.PolicyDocument;
    return attached && isRecord(document) ? toStatements(document.Statement) : [];
  });
};

/** `{ "Fn::GetAtt": [<logical id of construct>, "Arn"] }`, as it appears in a policy. */
export const arnOf = (stack: Stack, construct: IConstruct): unknown => stack.resolve({ 'Fn::GetAtt': [nagLogicalId(construct), 'Arn'] });

export const allStatements = (template: Template): Statement[] => Object.values(template.findResources('AWS::IAM::Policy'))
  .flatMap((policy) => {
    const properties: unknown = policy.Properties;
    return isRecord(properties) && isRecord(properties.PolicyDocument) ? toStatements(properties.PolicyDocument.Statement) : [];
  });

export const roleOf = (fn: IFunction): IRole => {
  if (!fn.role) throw new Error(`${fn.node.path} has no role`);
  return fn.role;
};
