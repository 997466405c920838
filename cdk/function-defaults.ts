import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type BundlingOptions, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** The repository root: `cdk/..`. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Without this banner, the first AWS SDK call of an ESM bundle fails with `Dynamic require of "node:https"`. */
export const ESM_REQUIRE_BANNER = "import{createRequire}from'module';const require=createRequire(import.meta.url);";

export const bundlingOptions = (): BundlingOptions => ({
  minify: true,
  sourceMap: true,
  format: OutputFormat.ESM,
  target: 'node22',
  banner: ESM_REQUIRE_BANNER,
  mainFields: ['module', 'main'],
  // Bundle the AWS SDK from package-lock.json instead of using the runtime's copy: the version we test is the
  // version we run, and a minified tree-shaken bundle loads faster than the runtime's full packages.
  externalModules: [],
});

export interface FunctionBaseProps {
  readonly entry: string;
  readonly projectRoot: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logKey: IKey;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * What both functions share: Node.js 22 on arm64, a minified ESM bundle with source maps, a KMS-encrypted log
 * group and a role without managed policies (log writes are granted on its own log group only).
 */
export const functionBase = (scope: Construct, id: string, props: FunctionBaseProps): NodejsFunctionProps => {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: RetentionDays.ONE_MONTH,
    encryptionKey: props.logKey,
    removalPolicy: props.removalPolicy,
  });
  const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  Validations.of(scope).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Pinned to Node.js 22 (LTS, supported by Lambda) to match the esbuild target node22 and the runtime the project is tested on; the runtime and the target move together, deliberately.',
  });
  return {
    entry: props.entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    projectRoot: props.projectRoot,
    depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
    bundling: bundlingOptions(),
    logGroup,
    role,
  };
};
