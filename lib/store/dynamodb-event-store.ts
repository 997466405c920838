import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LedgerRecord } from '../models/index.js';
import type { BlobStore } from '../crypto/payload-cipher-port.js';
import {
  AppendConflictError, PayloadTooLargeError, RunAlreadyExistsError, RunNotFoundError, TenantMismatchError, ValidationError,
} from '../errors.js';
import type { EventStore, HeadCommit, NewRun, RunHead, RunPage, RunStatus } from './event-store-port.js';
import { HEAD_SEQ } from './table-schema.js';
import { TableClient, type DynamoDbClientLike } from './dynamodb-table-client.js';
import { approximateItemSize, eventToItem, headToItem, integrityError, itemToEvent, itemToHead, snapshotToItem } from './dynamodb-items.js';
import { conditionFailureItem, isConditionalFailure } from './aws-errors.js';
import { RunCache } from './run-cache.js';
import { RunHeadOps } from './dynamodb-run-heads.js';

export interface DynamoDbEventStoreOptions {
  readonly client: DynamoDbClientLike;
  readonly tableName: string;
  /** Where payloads of oversized items go (S3). Without it, an oversized event fails with `PayloadTooLargeError`. */
  readonly blobs?: BlobStore;
  /** Marshalled item size above which the payload bytes are offloaded (DynamoDB's hard limit is 400 KB). */
  readonly offloadThresholdBytes?: number;
}

/**
 * The ledger on DynamoDB (layout: `LEDGER_TABLE`, docs/store.md). Appends are `PutItem` conditional on
 * `attribute_not_exists(seq)`; a step reads the head plus the events after its snapshot (two requests).
 * @example
 * const store = new DynamoDbEventStore({ client: new DynamoDBClient({}), tableName: 'ledger', blobs });
 * await store.append('t1', 'r1', [record]); // AppendConflictError when another writer holds the seq
 */
export class DynamoDbEventStore implements EventStore {
  readonly #table: TableClient;
  readonly #heads: RunHeadOps;
  readonly #blobs: BlobStore | undefined;
  readonly #threshold: number;
  readonly #known = new RunCache();

  constructor(options: DynamoDbEventStoreOptions) {
    this.#table = new TableClient(options.client, options.tableName);
    this.#heads = new RunHeadOps(this.#table, (tenantId, runId) => this.#fetchHead(tenantId, runId));
    this.#blobs = options.blobs;
    this.#threshold = options.offloadThresholdBytes ?? 300_000;
  }

  async createRun(run: NewRun): Promise<RunHead> {
    if (run.runId.startsWith('tenant#')) throw new ValidationError('run ids may not start with "tenant#"', { runId: run.runId });
    const head: RunHead = {
      runId: run.runId, tenantId: run.tenantId, harness: run.harness, status: 'active', createdAt: run.createdAt,
      updatedAt: run.createdAt, lastSeq: 0, spendUsd: 0, budgetUsdLimit: run.budgetUsdLimit, parentRunId: run.parentRunId,
    };
    try {
      await this.#table.send('PutItem', () => this.#table.doc.send(new PutCommand({
        TableName: this.#table.tableName, Item: headToItem(head),
        ConditionExpression: 'attribute_not_exists(seq)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      })));
    } catch (e) {
      if (!isConditionalFailure(e)) throw e;
      const existing = conditionFailureItem(e) ?? await this.#table.get({ runId: run.runId, seq: HEAD_SEQ });
      if (existing && itemToHead(existing, run.runId).tenantId !== run.tenantId) throw mismatch(run.runId, run.tenantId);
      throw new RunAlreadyExistsError(`run ${run.runId} already exists`, { runId: run.runId });
    }
    this.#known.remember(run.runId, run.tenantId);
    return itemToHead(headToItem(head), run.runId);
  }

  async append(tenantId: string, runId: string, records: readonly LedgerRecord[]): Promise<void> {
    for (const record of records) {
      if (record.tenantId !== tenantId) throw mismatch(runId, tenantId);
      if (record.runId !== runId) throw new ValidationError(`record ${record.seq} names run ${record.runId}`, { runId, seq: record.seq });
      await this.#checkPredecessor(tenantId, runId, record);
      const item = await this.#fitItem(record);
      try {
        await this.#table.send('PutItem', () => this.#table.doc.send(new PutCommand({
          TableName: this.#table.tableName, Item: item,
          ConditionExpression: 'attribute_not_exists(seq)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        })));
      } catch (e) {
        if (!isConditionalFailure(e)) throw e;
        throw this.#conflict(runId, record.seq, conditionFailureItem(e));
      }
      this.#known.remember(runId, tenantId, { seq: record.seq, hash: record.hash });
    }
  }

  async readRun(tenantId: string, runId: string, options: { head?: RunHead } = {}): Promise<{ head: RunHead; tail: LedgerRecord[] }> {
    const known = options.head;
    const head = known && known.tenantId === tenantId && known.runId === runId ? known : await this.getHead(tenantId, runId);
    const from = head.snapshot?.seq ?? 0;
    const tail = await this.#queryEvents(tenantId, runId, from);
    const last = tail.at(-1);
    if ((last?.seq ?? from) < head.lastSeq) {
      throw integrityError(runId, (last?.seq ?? from) + 1, `ledger truncated: head records seq ${head.lastSeq}`);
    }
    // The head's lastSeq/lastHash name an event that exists (checked above), so a fact the cache may keep.
    const lastKnown = last ? { seq: last.seq, hash: last.hash } : head.lastSeq > 0 ? { seq: head.lastSeq, hash: head.lastHash } : undefined;
    this.#known.remember(runId, tenantId, lastKnown);
    return { head, tail };
  }

  async loadEvents(tenantId: string, runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<LedgerRecord[]> {
    await this.#owner(tenantId, runId);
    return this.#queryEvents(tenantId, runId, options.afterSeq ?? 0, options.limit);
  }

  async getEvents(tenantId: string, runId: string, seqs: readonly number[]): Promise<LedgerRecord[]> {
    await this.#owner(tenantId, runId);
    const unique = [...new Set(seqs)].filter((s) => Number.isInteger(s) && s >= 1);
    const items = await this.#table.batchGet(unique.map((seq) => ({ runId, seq })));
    const bySeq = new Map(items.map((item) => {
      const record = itemToEvent(item, runId);
      if (record.tenantId !== tenantId) throw integrityError(runId, record.seq, 'event belongs to another tenant');
      return [record.seq, record] as const;
    }));
    return seqs.flatMap((s) => {
      const r = bySeq.get(s);
      return r ? [structuredClone(r)] : [];
    });
  }

  async getHead(tenantId: string, runId: string): Promise<RunHead> {
    const head = await this.#fetchHead(tenantId, runId);
    this.#known.remember(runId, tenantId);
    return head;
  }

  async commitHead(tenantId: string, runId: string, commit: HeadCommit): Promise<boolean> {
    const names: Record<string, string> = {
      '#lastSeq': 'lastSeq', '#lastHash': 'lastHash', '#status': 'status', '#updatedAt': 'updatedAt',
      '#spendUsd': 'spendUsd', '#tenantId': 'tenantId',
    };
    const values: Record<string, unknown> = {
      ':seq': commit.lastSeq, ':hash': commit.lastHash, ':status': commit.status, ':updatedAt': commit.updatedAt,
      ':spend': commit.spendUsd, ':tenant': tenantId,
    };
    const sets = ['#lastSeq = :seq', '#lastHash = :hash', '#status = :status', '#updatedAt = :updatedAt', '#spendUsd = :spend'];
    if (commit.snapshot) {
      names['#snapshot'] = 'snapshot';
      values[':snapshot'] = snapshotToItem(commit.snapshot);
      sets.push('#snapshot = :snapshot');
    }
    // Monotonic: a slower worker committing an older seq must not move the head back (readers tolerate staleness).
    const condition = 'attribute_exists(seq) AND #tenantId = :tenant AND #lastSeq <= :seq';
    const update = (release: boolean) => this.#table.send('UpdateItem', () => this.#table.doc.send(new UpdateCommand({
      TableName: this.#table.tableName, Key: { runId, seq: HEAD_SEQ },
      UpdateExpression: `SET ${sets.join(', ')}${release ? ' REMOVE #lease' : ''}`,
      ConditionExpression: release ? `${condition} AND #lease.#owner = :owner` : condition,
      ExpressionAttributeNames: release ? { ...names, '#lease': 'lease', '#owner': 'owner' } : names,
      ExpressionAttributeValues: release ? { ...values, ':owner': commit.releaseLeaseOwner } : values,
    })));
    try {
      if (commit.releaseLeaseOwner !== undefined) {
        try {
          await update(true);
          return true;
        } catch (e) {
          if (!isConditionalFailure(e)) throw e; // not our lease (or not monotonic): commit without releasing
        }
      }
      await update(false);
      return true;
    } catch (e) {
      if (!isConditionalFailure(e)) throw e;
      await this.#fetchHead(tenantId, runId); // RunNotFoundError / TenantMismatchError, else non-monotonic
      return false;
    }
  }

  acquireLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<RunHead> {
    return this.#heads.acquireLease(tenantId, runId, owner, ttlMs, nowMs);
  }

  renewLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean> {
    return this.#heads.renewLease(tenantId, runId, owner, ttlMs, nowMs);
  }

  releaseLease(tenantId: string, runId: string, owner: string): Promise<boolean> {
    return this.#heads.releaseLease(tenantId, runId, owner);
  }

  listRuns(tenantId: string, options: { status?: RunStatus; limit?: number; cursor?: string } = {}): Promise<RunPage> {
    return this.#heads.listRuns(tenantId, options);
  }

  async #fetchHead(tenantId: string, runId: string): Promise<RunHead> {
    const item = await this.#table.get({ runId, seq: HEAD_SEQ });
    if (!item) throw new RunNotFoundError(`run ${runId} not found`, { runId });
    const head = itemToHead(item, runId);
    if (head.tenantId !== tenantId) throw mismatch(runId, tenantId);
    return head;
  }

  /** Ownership from the cache (immutable fact) or one consistent read of the head. */
  async #owner(tenantId: string, runId: string): Promise<void> {
    const known = this.#known.get(runId);
    if (known) {
      if (known.tenantId !== tenantId) throw mismatch(runId, tenantId);
      return;
    }
    await this.getHead(tenantId, runId);
  }

  /**
   * Appends must extend the chain: seq n needs event n-1 to exist with hash = prevHash. The cache usually
   * answers (the writer just read or wrote n-1); otherwise one projected read of n-1.
   */
  async #checkPredecessor(tenantId: string, runId: string, record: LedgerRecord): Promise<void> {
    await this.#owner(tenantId, runId);
    if (record.seq === 1) return;
    const known = this.#known.get(runId);
    if (known?.lastSeq !== undefined && known.lastSeq >= record.seq) return; // the put will conflict
    let prev: { seq: number; hash?: string | undefined } | undefined =
      known?.lastSeq === record.seq - 1 ? { seq: known.lastSeq, hash: known.lastHash } : undefined;
    if (!prev) {
      const item = await this.#table.get({ runId, seq: record.seq - 1 }, ['seq', 'hash']);
      if (!item) {
        throw new AppendConflictError(`seq ${record.seq} of run ${runId} would leave a gap`, { runId, seq: record.seq, reason: 'gap' });
      }
      prev = { seq: record.seq - 1, hash: typeof item['hash'] === 'string' ? item['hash'] : undefined };
    }
    if (prev.hash !== undefined && record.prevHash !== prev.hash) {
      throw new AppendConflictError(`seq ${record.seq} of run ${runId} does not link to seq ${prev.seq}`, {
        runId, seq: record.seq, reason: 'prevHash',
      });
    }
  }

  /** The item to put: inline when it fits, else the payload bytes go to the blob store (digest unchanged). */
  async #fitItem(record: LedgerRecord): Promise<Record<string, unknown>> {
    const item = eventToItem(record);
    if (approximateItemSize(item) <= this.#threshold) return item;
    const { runId, seq, tenantId } = record;
    const data = record.payload.data;
    if (!this.#blobs || data === undefined) {
      throw new PayloadTooLargeError(`event ${seq} of run ${runId} exceeds ${this.#threshold} bytes and no blob store is configured`, {
        runId, seq, bytes: approximateItemSize(item),
      });
    }
    const bytes = Buffer.from(data, 'base64');
    // Content-addressed key: a losing writer's upload can never overwrite the winner's bytes.
    const ref = await this.#blobs.put(`runs/${tenantId}/${runId}/${seq}/${record.payload.digest}`, bytes);
    const { data: _inline, ...payload } = record.payload;
    const offloaded = eventToItem({ ...record, payload: { ...payload, ref: { bucket: ref.bucket, key: ref.key, bytes: bytes.byteLength } } });
    if (approximateItemSize(offloaded) > this.#threshold) {
      throw new PayloadTooLargeError(`event ${seq} of run ${runId} exceeds the item limit even without its payload`, { runId, seq });
    }
    return offloaded;
  }

  async #queryEvents(tenantId: string, runId: string, afterSeq: number, limit?: number): Promise<LedgerRecord[]> {
    if (limit !== undefined && limit < 1) return [];
    const { items } = await this.#table.query({
      KeyConditionExpression: 'runId = :r AND seq > :s',
      ExpressionAttributeValues: { ':r': runId, ':s': Math.max(afterSeq, HEAD_SEQ) },
      ConsistentRead: true,
    }, limit);
    let expected = Math.max(afterSeq, 0) + 1;
    return items.map((item) => {
      const record = itemToEvent(item, runId);
      if (record.tenantId !== tenantId) throw integrityError(runId, record.seq, 'event belongs to another tenant');
      if (record.seq !== expected) throw integrityError(runId, expected, `missing event: found seq ${record.seq}`);
      expected++;
      return record;
    });
  }

  #conflict(runId: string, seq: number, winnerItem: Record<string, unknown> | undefined): AppendConflictError {
    let winner: LedgerRecord | undefined;
    try {
      winner = winnerItem ? itemToEvent(winnerItem, runId) : undefined;
    } catch {
      winner = undefined; // a malformed winner is reported by the next read, not by the conflict
    }
    return new AppendConflictError(`seq ${seq} of run ${runId} is already written`, { runId, seq, ...(winner ? { winner } : {}) });
  }
}

const mismatch = (runId: string, tenantId: string): TenantMismatchError =>
  new TenantMismatchError(`run ${runId} does not belong to tenant ${tenantId}`, { runId, tenantId });
