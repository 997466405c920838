import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption, ProjectionType } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LEDGER_TABLE } from '../lib/store/table-schema.js';

export interface LedgerTableProps {
  readonly encryptionKey: IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
}

const attributeType = (type: 'S' | 'N'): AttributeType => (type === 'S' ? AttributeType.STRING : AttributeType.NUMBER);

/** The ledger table, built from `LEDGER_TABLE`, the same description the store's `createTable` uses. */
export class LedgerTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: LedgerTableProps) {
    super(scope, id);
    const { partitionKey, sortKey, runsByTenantIndex: gsi } = LEDGER_TABLE;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey.name, type: attributeType(partitionKey.type) },
      sortKey: { name: sortKey.name, type: attributeType(sortKey.type) },
      billingMode: LEDGER_TABLE.billingMode === 'PAY_PER_REQUEST' ? BillingMode.PAY_PER_REQUEST : BillingMode.PROVISIONED,
      stream: StreamViewType[LEDGER_TABLE.streamViewType],
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: gsi.indexName,
      partitionKey: { name: gsi.partitionKey.name, type: attributeType(gsi.partitionKey.type) },
      sortKey: { name: gsi.sortKey.name, type: attributeType(gsi.sortKey.type) },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...gsi.nonKeyAttributes],
    });
  }
}
