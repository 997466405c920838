import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { secureBucket } from './secure-bucket.js';

export interface CostAnalyticsProps {
  readonly accessLogs: IBucket;
  readonly resultsKey: IKey;
  readonly removalPolicy: RemovalPolicy;
  /** Glue names allow only lower case, digits and `_`. */
  readonly databaseName: string;
}

/** Where `aws dynamodb export-table-to-point-in-time --s3-prefix` must write. */
export const EXPORT_PREFIX = 'exports';
export const EXPORT_TABLE_NAME = 'ledger_export';

/** `model_terminal` items carry these metering attributes in clear (DynamoDB JSON: `{ "S": … }` / `{ "N": … }`). */
const ITEM_COLUMNS: ReadonlyArray<readonly [string, 'S' | 'N']> = [
  ['runId', 'S'], ['seq', 'N'], ['tenantId', 'S'], ['eventType', 'S'], ['timestamp', 'S'], ['model', 'S'],
  ['costUsd', 'N'], ['promptTokens', 'N'], ['completionTokens', 'N'],
];
const ITEM_TYPE = `struct<${ITEM_COLUMNS.map(([name, type]) => `${name}:struct<${type}:string>`).join(',')}>`;

export const costPerTenantPerDayQuery = (database: string): string => `-- Model cost per tenant per day, from DynamoDB exports (DYNAMODB_JSON) of the ledger table.
SELECT
  item.tenantId.S AS tenant_id,
  substr(item.timestamp.S, 1, 10) AS day,
  round(sum(CAST(item.costUsd.N AS DOUBLE)), 6) AS cost_usd,
  sum(CAST(item.promptTokens.N AS BIGINT)) AS prompt_tokens,
  sum(CAST(item.completionTokens.N AS BIGINT)) AS completion_tokens,
  count(*) AS model_calls
FROM "${database}"."${EXPORT_TABLE_NAME}"
WHERE item.eventType.S = 'model_terminal'
GROUP BY 1, 2
ORDER BY 2 DESC, 3 DESC;`;

/**
 * The export bucket, a Glue table over the DynamoDB export format and an Athena workgroup with enforced,
 * encrypted results. Metering attributes are stored in clear, so cost queries never need the payload key.
 */
export class CostAnalytics extends Construct {
  readonly exportBucket: IBucket;
  readonly workGroup: CfnWorkGroup;
  readonly database: CfnDatabase;
  readonly namedQuery: CfnNamedQuery;

  constructor(scope: Construct, id: string, props: CostAnalyticsProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    const bucket = secureBucket(this, 'ExportBucket', { removalPolicy: props.removalPolicy, accessLogs: props.accessLogs });
    this.exportBucket = bucket;
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: props.databaseName, description: 'Artana ledger exports' },
    });
    const table = new CfnTable(this, 'ExportTable', {
      catalogId: account,
      databaseName: props.databaseName,
      tableInput: {
        name: EXPORT_TABLE_NAME,
        description: 'DynamoDB export (DYNAMODB_JSON) of the ledger table; reads every export under the prefix',
        tableType: 'EXTERNAL_TABLE',
        parameters: { classification: 'json', compressionType: 'gzip' },
        storageDescriptor: {
          location: bucket.s3UrlForObject(`${EXPORT_PREFIX}/`),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            // Export manifests sit beside the data files; they are not items.
            parameters: { 'ignore.malformed.json': 'true' },
          },
          columns: [{ name: 'item', type: ITEM_TYPE }],
        },
      },
    });
    table.addResourceDependency(this.database);
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: `${props.databaseName.replace(/_/g, '-')}-cost`,
      state: 'ENABLED',
      recursiveDeleteOption: props.removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        resultConfiguration: {
          outputLocation: bucket.s3UrlForObject('athena-results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.resultsKey.keyArn },
        },
      },
    });
    this.namedQuery = new CfnNamedQuery(this, 'CostPerTenantPerDay', {
      name: 'cost per tenant per day',
      description: 'Model cost and tokens per tenant per UTC day from ledger exports',
      database: props.databaseName,
      workGroup: this.workGroup.ref,
      queryString: costPerTenantPerDayQuery(props.databaseName),
    });
    this.namedQuery.addResourceDependency(this.workGroup);
  }
}
