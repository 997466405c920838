import * as z from 'zod/mini';
import { UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { LeaseHeldError, ValidationError } from '../errors.js';
import type { RunHead, RunPage, RunStatus } from './event-store-port.js';
import { HEAD_SEQ, LEDGER_TABLE } from './table-schema.js';
import type { TableClient } from './dynamodb-table-client.js';
import { itemToHead } from './dynamodb-items.js';
import { isConditionalFailure } from './aws-errors.js';

type FetchHead = (tenantId: string, runId: string) => Promise<RunHead>;
type UpdateParts = Pick<UpdateCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

const Cursor = z.strictObject({ runId: z.string(), seq: z.literal(0), gsi1pk: z.string(), updatedAt: z.string() });

/**
 * Lease and listing operations on run heads (seq 0). Leases are one conditional `UpdateItem` each; when the
 * condition fails, one read of the head tells a missing run or foreign tenant from a held lease.
 *
 * Lease truth table (now = caller's clock):
 * | stored lease            | acquire       | renew | release |
 * |-------------------------|---------------|-------|---------|
 * | none                    | ok            | false | false   |
 * | ours, unexpired         | ok (extended) | ok    | ok      |
 * | ours, expired           | ok            | false | ok      |
 * | other's, unexpired      | LeaseHeldError| false | false   |
 * | other's, expired        | ok (taken)    | false | false   |
 */
export class RunHeadOps {
  readonly #table: TableClient;
  readonly #fetchHead: FetchHead;

  constructor(table: TableClient, fetchHead: FetchHead) {
    this.#table = table;
    this.#fetchHead = fetchHead;
  }

  async acquireLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<RunHead> {
    const out = await this.#update(tenantId, runId, {
      UpdateExpression: 'SET #lease = :lease',
      ConditionExpression: 'attribute_not_exists(#lease) OR #lease.#owner = :owner OR #lease.#expiresAt <= :now',
      ExpressionAttributeNames: { '#lease': 'lease', '#owner': 'owner', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':lease': { owner, expiresAt: nowMs + ttlMs }, ':owner': owner, ':now': nowMs },
    });
    if (out.applied) return itemToHead(out.attributes, runId);
    const head = await this.#fetchHead(tenantId, runId);
    throw new LeaseHeldError(`run ${runId} is leased by another worker`, { runId, expiresAt: head.lease?.expiresAt });
  }

  async renewLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean> {
    return this.#applied(tenantId, runId, {
      UpdateExpression: 'SET #lease.#expiresAt = :expiresAt',
      ConditionExpression: '#lease.#owner = :owner AND #lease.#expiresAt > :now',
      ExpressionAttributeNames: { '#lease': 'lease', '#owner': 'owner', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':expiresAt': nowMs + ttlMs, ':owner': owner, ':now': nowMs },
    });
  }

  async releaseLease(tenantId: string, runId: string, owner: string): Promise<boolean> {
    return this.#applied(tenantId, runId, {
      UpdateExpression: 'REMOVE #lease',
      ConditionExpression: '#lease.#owner = :owner',
      ExpressionAttributeNames: { '#lease': 'lease', '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  /** Queries the sparse `runsByTenant` index newest first; the cursor is the opaque last evaluated key. */
  async listRuns(tenantId: string, options: { status?: RunStatus; limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const limit = options.limit ?? 100;
    if (limit < 1) return { runs: [] };
    const start = options.cursor !== undefined ? parseCursor(options.cursor, tenantId) : undefined;
    const index = LEDGER_TABLE.runsByTenantIndex;
    const { items, lastKey } = await this.#table.query({
      IndexName: index.indexName,
      KeyConditionExpression: '#pk = :tenant',
      ScanIndexForward: false,
      ExpressionAttributeNames: { '#pk': index.partitionKey.name, ...(options.status ? { '#status': 'status' } : {}) },
      ExpressionAttributeValues: { ':tenant': tenantId, ...(options.status ? { ':status': options.status } : {}) },
      ...(options.status ? { FilterExpression: '#status = :status' } : {}),
    }, limit, start);
    const runs = items.map((item) => {
      const runId = z.object({ runId: z.string() }).safeParse(item);
      const { snapshot: _s, ...head } = itemToHead(item, runId.success ? runId.data.runId : '?');
      return head;
    });
    const cursor = lastKey ? Buffer.from(JSON.stringify(Cursor.parse(lastKey))).toString('base64url') : undefined;
    return { runs, ...(cursor ? { cursor } : {}) };
  }

  /** Conditional update of our tenant's head; `applied: false` when only the caller's condition failed. */
  async #update(tenantId: string, runId: string, input: UpdateParts): Promise<{ applied: true; attributes: Record<string, unknown> } | { applied: false }> {
    try {
      const out = await this.#table.send('UpdateItem', () => this.#table.doc.send(new UpdateCommand({
        TableName: this.#table.tableName, Key: { runId, seq: HEAD_SEQ },
        UpdateExpression: input.UpdateExpression,
        ConditionExpression: `attribute_exists(seq) AND #tenantId = :tenant AND (${input.ConditionExpression})`,
        ExpressionAttributeNames: { ...input.ExpressionAttributeNames, '#tenantId': 'tenantId' },
        ExpressionAttributeValues: { ...input.ExpressionAttributeValues, ':tenant': tenantId },
        ReturnValues: 'ALL_NEW',
      })));
      return { applied: true, attributes: out.Attributes ?? {} };
    } catch (e) {
      if (!isConditionalFailure(e)) throw e;
      return { applied: false };
    }
  }

  async #applied(tenantId: string, runId: string, input: UpdateParts): Promise<boolean> {
    const out = await this.#update(tenantId, runId, input);
    if (!out.applied) await this.#fetchHead(tenantId, runId); // RunNotFoundError / TenantMismatchError first
    return out.applied;
  }
}

function parseCursor(cursor: string, tenantId: string): Record<string, string | number> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('malformed listRuns cursor', { tenantId });
  }
  const parsed = Cursor.safeParse(decoded);
  if (!parsed.success || parsed.data.gsi1pk !== tenantId) throw new ValidationError('listRuns cursor does not belong to this listing', { tenantId });
  return parsed.data;
}
