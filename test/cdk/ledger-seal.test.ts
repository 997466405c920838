import { describe, expect, it } from 'vitest';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { actionsOf, allStatements, arnOf, resourcesOf, roleOf, roleStatements, synthArtana } from './synth-artana.js';

describe('Artana ledger seal key', () => {
  describe('when synthesized with defaults', () => {
    const { stack, template } = synthArtana();
    const { artana } = stack;
    const sealKey = artana.keys.sealKey;
    const worker = roleStatements(template, roleOf(artana.worker));

    it('creates an asymmetric ECC_NIST_P256 SIGN_VERIFY key', () => {
      expect(sealKey).toBeDefined();
      template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    });

    it('grants the worker only kms:Sign on it, for ECDSA_SHA_256 over a digest', () => {
      const onSealKey = worker.filter((s) => resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(arnOf(stack, sealKey!))));
      expect(onSealKey.flatMap(actionsOf)).toEqual(['kms:Sign']);
      expect(onSealKey[0]?.Condition).toEqual({ StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } });
      const others = allStatements(template).filter((s) => actionsOf(s).includes('kms:Sign'));
      expect(others).toHaveLength(1);
    });

    it('tells the worker the key in ARTANA_SEAL_KEY_ID and outputs its ARN', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ ARTANA_SEAL_KEY_ID: arnOf(stack, sealKey!) }) },
      });
      expect(Object.values(template.findOutputs('*')).some((o) => JSON.stringify(o.Value) === JSON.stringify(arnOf(stack, sealKey!)))).toBe(true);
    });

    it('has no cdk-nag findings', () => {
      const { app, stack: s } = synthArtana();
      expect(new AwsSolutionsChecks(app).validateScope(s).violations).toEqual([]);
    });
  });

  describe('when an auditor is granted seal verification', () => {
    it('gets kms:GetPublicKey (and DescribeKey) on the seal key only', () => {
      let auditor: Role | undefined;
      const { stack, template } = synthArtana({}, (s) => {
        auditor = new Role(s, 'Auditor', { assumedBy: new AccountRootPrincipal() });
        s.artana.grantVerifySeals(auditor);
      });
      const statements = roleStatements(template, auditor!);
      expect(statements.flatMap(actionsOf)).toEqual(['kms:GetPublicKey', 'kms:DescribeKey']);
      expect(statements.flatMap(resourcesOf)).toEqual([arnOf(stack, stack.artana.keys.sealKey!)]);
    });
  });

  describe('when sealLedgers is false', () => {
    it('creates no signing key, no kms:Sign grant and no ARTANA_SEAL_KEY_ID', () => {
      const { stack, template } = synthArtana({ sealLedgers: false });
      expect(stack.artana.keys.sealKey).toBeUndefined();
      expect(template.findResources('AWS::KMS::Key', { Properties: { KeyUsage: 'SIGN_VERIFY' } })).toEqual({});
      expect(allStatements(template).flatMap(actionsOf)).not.toContain('kms:Sign');
      expect(JSON.stringify(template.toJSON())).not.toContain('ARTANA_SEAL_KEY_ID');
    });
  });
});
