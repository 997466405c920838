import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../errors.js';
import { isConditionalFailure, translateAwsError } from './aws-errors.js';

/** Either client; a plain `DynamoDBClient` is wrapped in a document client that drops undefined values. */
export type DynamoDbClientLike = DynamoDBClient | DynamoDBDocumentClient;

export const toDocumentClient = (client: DynamoDbClientLike): DynamoDBDocumentClient =>
  client instanceof DynamoDBDocumentClient
    ? client
    : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

type Key = Record<string, string | number>;

/**
 * The table operations the store and registry share: every SDK call goes through `send`, which lets
 * conditional failures through untouched (the caller maps them to typed conflicts) and translates the rest.
 */
export class TableClient {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;

  constructor(client: DynamoDbClientLike, tableName: string) {
    this.doc = toDocumentClient(client);
    this.tableName = tableName;
  }

  async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (isConditionalFailure(e)) throw e;
      throw translateAwsError(e, operation);
    }
  }

  /** Consistent point read; undefined when absent. */
  async get(key: Key, projection?: readonly string[]): Promise<Record<string, unknown> | undefined> {
    const names = projection ? Object.fromEntries(projection.map((p, i) => [`#p${i}`, p])) : undefined;
    const out = await this.send('GetItem', () => this.doc.send(new GetCommand({
      TableName: this.tableName, Key: key, ConsistentRead: true,
      ...(names ? { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names } : {}),
    })));
    return out.Item;
  }

  /** Query following `LastEvaluatedKey` until `limit` items are collected or the partition ends. */
  async query(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, limit?: number, startKey?: Key): Promise<{
    items: Record<string, unknown>[]; lastKey?: Record<string, unknown>;
  }> {
    const items: Record<string, unknown>[] = [];
    let lastKey: Record<string, unknown> | undefined = startKey;
    do {
      const remaining = limit !== undefined ? limit - items.length : undefined;
      const out = await this.send('Query', () => this.doc.send(new QueryCommand({
        ...input, TableName: this.tableName,
        ...(lastKey ? { ExclusiveStartKey: lastKey } : {}),
        ...(remaining !== undefined ? { Limit: remaining } : {}),
      })));
      items.push(...(out.Items ?? []));
      lastKey = out.LastEvaluatedKey;
    } while (lastKey && (limit === undefined || items.length < limit));
    return { items, ...(lastKey ? { lastKey } : {}) };
  }

  /** Consistent BatchGetItem in chunks of 100, retrying `UnprocessedKeys` with bounded back-off. */
  async batchGet(keys: readonly Key[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + 100);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new DependencyUnavailableError('BatchGetItem left keys unprocessed', { unprocessed: pending.length });
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
        const out = await this.send('BatchGetItem', () => this.doc.send(new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
        })));
        items.push(...(out.Responses?.[this.tableName] ?? []));
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }
}
