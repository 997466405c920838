import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { CliError, EXIT } from './cli-output.js';
import { MeterRow, type CostFilter } from './cost-aggregate.js';

const TableItem = z.object({
  eventType: z.literal('model_terminal'), tenantId: z.string(), model: z.string(), timestamp: z.string(),
  costUsd: z.number(), promptTokens: z.number(), completionTokens: z.number(),
});

const toRow = (v: unknown): MeterRow | undefined => {
  const r = MeterRow.safeParse(v);
  return r.success ? r.data : undefined;
};

/**
 * Metered calls from the ledger table: a Scan filtered on `eventType = model_terminal` (and tenant / time range).
 * A Scan reads the whole table (billed for every item read): fine for an admin command, use exports + Athena at scale.
 * @example for await (const row of scanMeterRows(dynamo, 'artana-ledger', { tenant: 'acme' })) …
 */
export async function* scanMeterRows(client: DynamoDBClient, tableName: string, filter: CostFilter): AsyncGenerator<MeterRow> {
  const doc = DynamoDBDocumentClient.from(client);
  const conditions = ['eventType = :mt'];
  const values: Record<string, unknown> = { ':mt': 'model_terminal' };
  if (filter.tenant !== undefined) { conditions.push('tenantId = :t'); values[':t'] = filter.tenant; }
  if (filter.from !== undefined) { conditions.push('#ts >= :from'); values[':from'] = filter.from; }
  if (filter.to !== undefined) { conditions.push('#ts < :to'); values[':to'] = filter.to; }
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({
      TableName: tableName, FilterExpression: conditions.join(' AND '), ExpressionAttributeValues: values,
      ...(filter.from !== undefined || filter.to !== undefined ? { ExpressionAttributeNames: { '#ts': 'timestamp' } } : {}),
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    for (const item of page.Items ?? []) {
      const parsed = TableItem.safeParse(item);
      const row = parsed.success ? toRow(parsed.data) : undefined;
      if (row) yield row;
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

const S = z.object({ S: z.string() });
const N = z.object({ N: z.string() });
/** One line of a DYNAMODB_JSON export data file; only the metering attributes are read. */
const ExportLine = z.object({
  Item: z.object({
    eventType: z.optional(S), tenantId: z.optional(S), model: z.optional(S), timestamp: z.optional(S),
    costUsd: z.optional(N), promptTokens: z.optional(N), completionTokens: z.optional(N),
  }),
});
const ManifestSummary = z.object({ outputFormat: z.optional(z.string()) });
const ManifestFile = z.object({ dataFileS3Key: z.string().check(z.minLength(1)) });

/**
 * The metered call in one export line, or undefined for other items (heads, other events, tenants, keys).
 * @example meterRowOfExportLine('{"Item":{"eventType":{"S":"model_terminal"},…}}')
 */
export function meterRowOfExportLine(line: string): MeterRow | undefined {
  let json: unknown;
  try { json = JSON.parse(line); } catch { throw new CliError(`export line is not JSON: ${line.slice(0, 80)}`); }
  const parsed = ExportLine.safeParse(json);
  if (!parsed.success) throw new CliError(`export line is not a DynamoDB JSON item: ${line.slice(0, 80)}`);
  const i = parsed.data.Item;
  if (i.eventType?.S !== 'model_terminal' || !i.tenantId || !i.model || !i.timestamp || !i.costUsd || !i.promptTokens || !i.completionTokens) return undefined;
  return toRow({
    tenantId: i.tenantId.S, model: i.model.S, timestamp: i.timestamp.S,
    costUsd: Number(i.costUsd.N), promptTokens: Number(i.promptTokens.N), completionTokens: Number(i.completionTokens.N),
  });
}

interface ExportReader {
  /** Text of a manifest beside the export's data (`manifest-summary.json`, `manifest-files.json`). */
  manifest(name: string): Promise<string>;
  /** Bytes of a data file named by its `dataFileS3Key`. */
  dataFile(key: string): Promise<Uint8Array>;
}

const localReader = (dir: string): ExportReader => ({
  manifest: (name) => readFile(path.join(dir, name), 'utf8'),
  // In S3 the key is `<prefix>/AWSDynamoDB/<exportId>/data/<file>`; a downloaded export keeps `data/<file>`.
  dataFile: (key) => readFile(path.join(dir, 'data', path.posix.basename(key))),
});

function s3Reader(url: string, client: S3Client): ExportReader {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match?.[1]) throw new CliError(`not an S3 URL: ${url}`, EXIT.usage);
  const bucket = match[1];
  const prefix = (match[2] ?? '').replace(/\/$/, '');
  const get = async (key: string) => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!res.Body) throw new CliError(`s3://${bucket}/${key} has no body`);
    return res.Body.transformToByteArray();
  };
  return {
    manifest: async (name) => Buffer.from(await get(prefix ? `${prefix}/${name}` : name)).toString('utf8'),
    dataFile: get,
  };
}

const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);

/**
 * Metered calls from a DynamoDB export (DYNAMODB_JSON) in a local directory (the export folder holding
 * `manifest-summary.json`, `manifest-files.json` and `data/`) or at `s3://bucket/<prefix>/AWSDynamoDB/<exportId>`.
 * @example for await (const row of exportMeterRows('s3://exports/exports/AWSDynamoDB/0171…', { region })) …
 */
export async function* exportMeterRows(location: string, options: { region: string }): AsyncGenerator<MeterRow> {
  const reader = location.startsWith('s3://') ? s3Reader(location, new S3Client({ region: options.region })) : localReader(location);
  const summary = ManifestSummary.safeParse(JSON.parse(await reader.manifest('manifest-summary.json').catch(missing(location))));
  if (!summary.success) throw new CliError(`${location}: manifest-summary.json is malformed`);
  if (summary.data.outputFormat !== undefined && summary.data.outputFormat !== 'DYNAMODB_JSON') {
    throw new CliError(`${location}: export format ${summary.data.outputFormat} is not supported (use DYNAMODB_JSON)`, EXIT.usage);
  }
  for (const entry of lines(await reader.manifest('manifest-files.json').catch(missing(location)))) {
    const file = ManifestFile.safeParse(JSON.parse(entry));
    if (!file.success) throw new CliError(`${location}: manifest-files.json has an entry without dataFileS3Key`);
    const text = gunzipSync(await reader.dataFile(file.data.dataFileS3Key)).toString('utf8');
    for (const line of lines(text)) {
      const row = meterRowOfExportLine(line);
      if (row) yield row;
    }
  }
}

const missing = (location: string) => (e: unknown): never => {
  throw new CliError(`${location} is not a DynamoDB export (${e instanceof Error ? e.message : String(e)})`, EXIT.usage);
};
