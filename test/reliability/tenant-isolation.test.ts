import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsPayloadCipher, LocalPayloadCipher, MemoryWrappedKeyStore, type PayloadCipher } from '../../lib/crypto/index.js';
import { isKernelError } from '../../lib/errors.js';
import { ArtanaKernel } from '../../lib/kernel/index.js';
import { DemoModelPort } from '../../lib/harness/samples/demo-model.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { MemoryEventStore, type EventStore } from '../../lib/store/index.js';
import { handleRecord } from '../../lib/runtime/step-handler.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { sqsRecord, testClock } from '../helpers/memory-worker.js';
import { fakeKms, KMS_KEY_ARN } from '../crypto/fake-kms.js';
import { Tally } from './record.js';
import { buildWorker, deliverAll } from './support.js';

const tally = new Tally('tenant_isolation');
let server: LocalServer;
beforeAll(async () => { server = await startDynalite(); });
afterAll(async () => { await tally.record(); await server.close(); });

const owner = { tenantId: 'acme', capabilities: [], budgetUsdLimit: 1 };
const now = () => testClock.now().getTime();

/** Expects a typed refusal (a KernelError with the given name); returns nothing on success. */
async function expectRefused(label: string, action: () => Promise<unknown>, name = 'TenantMismatchError'): Promise<void> {
  await tally.check(async () => {
    const error: unknown = await action().then(() => undefined, (e: unknown) => e);
    expect(isKernelError(error), label).toBe(true);
    expect(isKernelError(error) ? error.name : String(error), label).toBe(name);
  });
}

async function seedRun(store: EventStore): Promise<{ kernel: ArtanaKernel }> {
  const kernel = new ArtanaKernel({ store, modelPort: new DemoModelPort(), cipher: LocalPayloadCipher.inMemory(), clock: testClock });
  const run = await kernel.startRun(owner, { runId: 'acme-run', harness: 'report' });
  await run.appendSummary('note', { text: 'acme only' }, { stepKey: 'note' });
  await run.commit();
  return { kernel };
}

const stores: ReadonlyArray<readonly [string, () => Promise<EventStore>]> = [
  ['MemoryEventStore', async () => new MemoryEventStore()],
  ['DynamoDbEventStore on dynalite', async () => {
    const client = localDynamoDbClient(server.endpoint);
    const tableName = uniqueTableName('iso');
    await createLedgerTable(client, tableName);
    return new DynamoDbEventStore({ client, tableName });
  }],
];

describe('tenant isolation', () => {
  describe.each(stores)('when another tenant names a run of the %s', (_name, makeStore) => {
    it('refuses every read, write and lease with TenantMismatchError and leaves the run unchanged', async () => {
      const store = await makeStore();
      const { kernel } = await seedRun(store);
      const before = await store.loadEvents('acme', 'acme-run');
      const headBefore = await store.getHead('acme', 'acme-run');
      const first = before[0]!;
      await expectRefused('readRun', () => store.readRun('globex', 'acme-run'));
      await expectRefused('loadEvents', () => store.loadEvents('globex', 'acme-run'));
      await expectRefused('getEvents', () => store.getEvents('globex', 'acme-run', [1, 2]));
      await expectRefused('getHead', () => store.getHead('globex', 'acme-run'));
      await expectRefused('append', () => store.append('globex', 'acme-run', [{ ...first, tenantId: 'globex', seq: before.length + 1 }]));
      await expectRefused('commitHead', () => store.commitHead('globex', 'acme-run', {
        lastSeq: 99, lastHash: first.hash, status: 'completed', spendUsd: 0, updatedAt: '2030-01-01T00:00:00.000Z',
      }));
      await expectRefused('acquireLease', () => store.acquireLease('globex', 'acme-run', 'thief', 60_000, now()));
      await expectRefused('renewLease', () => store.renewLease('globex', 'acme-run', 'thief', 60_000, now()));
      await expectRefused('releaseLease', () => store.releaseLease('globex', 'acme-run', 'thief'));
      await expectRefused('createRun with the same run id', () => store.createRun({ runId: 'acme-run', tenantId: 'globex', createdAt: '2030-01-01T00:00:00.000Z' }));
      await expectRefused('kernel.openRun', () => kernel.openRun({ ...owner, tenantId: 'globex' }, 'acme-run'));
      await expectRefused('kernel.startRun with the same run id', () => kernel.startRun({ ...owner, tenantId: 'globex' }, { runId: 'acme-run' }));
      await tally.check(async () => {
        expect((await store.listRuns('globex')).runs.map((r) => r.runId)).not.toContain('acme-run');
        expect(await store.loadEvents('acme', 'acme-run')).toEqual(before);
        expect(await store.getHead('acme', 'acme-run')).toEqual(headBefore);
      });
    });
  });

  const ciphers: ReadonlyArray<readonly [string, () => PayloadCipher]> = [
    ['LocalPayloadCipher', () => LocalPayloadCipher.inMemory()],
    ['KmsPayloadCipher (KMS on aws-sdk-client-mock)', () => new KmsPayloadCipher({ client: fakeKms().client, keyId: KMS_KEY_ARN, keyStore: new MemoryWrappedKeyStore() })],
  ];

  describe.each(ciphers)('when a payload sealed for one tenant is opened elsewhere with the %s', (_name, makeCipher) => {
    it('refuses it with DecryptionError as another tenant, another run or another seq', async () => {
      const cipher = makeCipher();
      const context = { tenantId: 'acme', runId: 'acme-run', seq: 3 };
      const sealed = await cipher.seal(new TextEncoder().encode('{"secret":"acme"}'), context);
      await tally.check(async () => {
        expect(new TextDecoder().decode(await cipher.open(sealed, context))).toBe('{"secret":"acme"}');
      });
      await expectRefused('another tenant', () => cipher.open(sealed, { ...context, tenantId: 'globex' }), 'DecryptionError');
      await expectRefused('another tenant, same run id', () => cipher.open(sealed, { tenantId: 'globex', runId: 'acme-run', seq: 3 }), 'DecryptionError');
      await expectRefused('another run of the tenant', () => cipher.open(sealed, { ...context, runId: 'acme-run-2' }), 'DecryptionError');
      await expectRefused('another seq', () => cipher.open(sealed, { ...context, seq: 4 }), 'DecryptionError');
      const globexSealed = await cipher.seal(new TextEncoder().encode('{"secret":"globex"}'), { tenantId: 'globex', runId: 'g', seq: 1 });
      await expectRefused('keyId of another tenant', () => cipher.open({ ...sealed, ...(globexSealed.keyId !== undefined ? { keyId: globexSealed.keyId } : {}) }, context), 'DecryptionError');
    });
  });

  describe('when a start_run reuses another tenant\'s run id through the worker', () => {
    it('acknowledges it with TenantMismatchError and leaves the owner\'s ledger untouched', async () => {
      const w = await buildWorker();
      await deliverAll(w, [{ type: 'start_run', tenantId: 'acme', runId: 'shared-id', harness: 'report' }]);
      const before = await w.store.loadEvents('acme', 'shared-id');
      for (const [i, body] of [
        { type: 'start_run', tenantId: 'globex', runId: 'shared-id', harness: 'report' },
        { type: 'continue_run', tenantId: 'globex', runId: 'shared-id', afterSeq: 1 },
        { type: 'continue_run', tenantId: 'globex', runId: 'shared-id', afterSeq: before.length },
      ].entries()) {
        await tally.check(async () => {
          await expect(handleRecord(w.deps, sqsRecord(JSON.stringify(body), `reuse-${i}`))).resolves.toBeUndefined();
          expect(w.logs.find((l) => l.extra['messageId'] === `reuse-${i}`)?.extra['error']).toBe('TenantMismatchError');
        });
      }
      await tally.check(async () => {
        expect(await w.store.loadEvents('acme', 'shared-id')).toEqual(before);
        expect((await w.store.listRuns('globex')).runs).toEqual([]);
        expect(w.queue.take()).toEqual([]);
      });
    });
  });
});
