import { describe, expect, it } from 'vitest';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthArtana } from './synth-artana.js';
import type { ArtanaProps } from '../../cdk/artana-construct.js';

const findings = (props: ArtanaProps): string[] => {
  const { app, stack } = synthArtana(props);
  const report = new AwsSolutionsChecks(app).validateScope(stack);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`));
};

describe('cdk-nag AwsSolutions', () => {
  const variants: Array<[string, ArtanaProps]> = [
    ['defaults', {}],
    ['a Bedrock model', { model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' }],
    ['a Bedrock inference profile and decrypting stream', { model: 'bedrock:us.amazon.nova-lite-v1:0', streamCanDecrypt: true }],
    ['an alarm e-mail and concurrency limits', { alarmEmail: 'ops@example.com', reservedConcurrency: 10, maxConcurrency: 5 }],
  ];

  it.each(variants)('reports no unacknowledged findings with %s', (_name, props) => {
    expect(findings(props)).toEqual([]);
  });

  it('still reports findings that are not acknowledged', () => {
    const { app, stack } = synthArtana({}, (s) => { s.artana.table.grantFullAccess(s.artana.worker); });
    const rules = new AwsSolutionsChecks(app).validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules).toContain('AwsSolutions-IAM5[Action::dynamodb:*]');
  });
});
