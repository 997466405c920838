import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ArtanaStack } from './artana-stack.js';
import { toModelSetting } from './model-setting.js';

/**
 * `npx cdk deploy` entry. Context (`-c key=value`): `model` (default `mock`), `alarmEmail`, `stackName`
 * (default `Artana`), `removalPolicy` (`retain` | `destroy`, default `retain`; `destroy` also turns off
 * deletion protection — for test accounts).
 */
const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};
const disposable = context('removalPolicy') === 'destroy';

new ArtanaStack(app, context('stackName') ?? 'Artana', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  artana: {
    model: toModelSetting(context('model') ?? 'mock'),
    alarmEmail: context('alarmEmail'),
    removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    deletionProtection: !disposable,
  },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
