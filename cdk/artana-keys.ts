import { Stack, RemovalPolicy } from 'aws-cdk-lib';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ArtanaKeysProps {
  readonly removalPolicy: RemovalPolicy;
  /** Create the asymmetric ledger seal key. Default true. */
  readonly sealLedgers?: boolean;
}

/**
 * Two customer-managed symmetric keys, both with yearly rotation, and (unless `sealLedgers` is false) an asymmetric
 * signing key.
 *
 * - `infrastructureKey` encrypts the table (and therefore its stream), the queues, the SNS topic and the log
 *   groups. Anything that reads the DynamoDB stream needs `kms:Decrypt` on it, so it must not be the key that
 *   protects payloads.
 * - `payloadKey` wraps the data keys of the payload envelope (AES-256-GCM, encryption context `tenantId`). Only
 *   the step worker may use it, so the ledger-stream function and the SIEM see metadata and ciphertext only.
 * - `sealKey` (`ECC_NIST_P256`, `SIGN_VERIFY`) signs the head hash of each completed run (`ledger_sealed`). The
 *   worker may only `kms:Sign` with it; auditors need only `kms:GetPublicKey`. KMS does not rotate asymmetric
 *   keys; rotate by creating a new key (old seals keep naming the old key id).
 */
export class ArtanaKeys extends Construct {
  readonly infrastructureKey: Key;
  readonly payloadKey: Key;
  readonly sealKey?: Key;

  constructor(scope: Construct, id: string, props: ArtanaKeysProps) {
    super(scope, id);
    const { region, account } = Stack.of(this);
    this.infrastructureKey = new Key(this, 'Infrastructure', {
      description: 'Artana: ledger table, queues, alarm topic and log groups',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.payloadKey = new Key(this, 'Payload', {
      description: 'Artana: payload envelope encryption (data keys bound to tenantId)',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    if (props.sealLedgers ?? true) {
      this.sealKey = new Key(this, 'LedgerSeal', {
        description: 'Artana: signs the head hash of completed runs (ledger_sealed)',
        keySpec: KeySpec.ECC_NIST_P256,
        keyUsage: KeyUsage.SIGN_VERIFY,
        removalPolicy: props.removalPolicy,
      });
    }
    // CloudWatch Logs encrypts the function log groups with the infrastructure key.
    this.infrastructureKey.addToResourcePolicy(new PolicyStatement({
      principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Stack.of(this).partition}:logs:${region}:${account}:log-group:*` } },
    }));
    // CloudWatch alarms publish to the KMS-encrypted alarm topic.
    this.infrastructureKey.addToResourcePolicy(new PolicyStatement({
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': account } },
    }));
  }
}
