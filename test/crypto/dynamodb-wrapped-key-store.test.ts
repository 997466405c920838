import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbWrappedKeyStore, KmsPayloadCipher } from '../../lib/crypto/index.js';
import { DecryptionError, DependencyUnavailableError } from '../../lib/errors.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { fakeKms, KMS_KEY_ARN } from './fake-kms.js';

const wrapped = (tenantId: string, createdAt = '2026-01-01T00:00:00.000Z') =>
  ({ tenantId, wrappedKey: Uint8Array.from(randomBytes(64)), kmsKeyId: KMS_KEY_ARN, createdAt });

describe('DynamoDbWrappedKeyStore', () => {
  let server: LocalServer;
  let store: DynamoDbWrappedKeyStore;

  beforeAll(async () => {
    server = await startDynalite();
    const client = localDynamoDbClient(server.endpoint);
    const tableName = uniqueTableName('keys');
    await createLedgerTable(client, tableName);
    store = new DynamoDbWrappedKeyStore({ client, tableName });
  });
  afterAll(async () => { await server.close(); });

  describe('when a wrapped key is stored', () => {
    it('returns it by reference with its bytes intact', async () => {
      const key = wrapped('t1');
      await store.put('dk_t1_1', key);
      const loaded = await store.get('dk_t1_1');
      expect(loaded).toMatchObject({ tenantId: 't1', kmsKeyId: KMS_KEY_ARN, createdAt: key.createdAt });
      expect(Buffer.from(loaded?.wrappedKey ?? new Uint8Array()).equals(Buffer.from(key.wrappedKey))).toBe(true);
    });

    it('refuses to overwrite an existing reference', async () => {
      await store.put('dk_t1_2', wrapped('t1'));
      await expect(store.put('dk_t1_2', wrapped('t1'))).rejects.toBeInstanceOf(DependencyUnavailableError);
    });

    it('returns undefined for an unknown reference', async () => {
      expect(await store.get('dk_t1_404')).toBeUndefined();
    });
  });

  describe('when a tenant is crypto-shredded', () => {
    it('deletes every wrapped key of that tenant and no other', async () => {
      await store.put('dk_s1_1', wrapped('s1'));
      await store.put('dk_s1_2', wrapped('s1', '2026-01-02T00:00:00.000Z'));
      await store.put('dk_s2_1', wrapped('s2'));
      expect(await store.deleteTenantKeys('s1')).toBe(2);
      expect(await store.get('dk_s1_1')).toBeUndefined();
      expect(await store.get('dk_s1_2')).toBeUndefined();
      expect(await store.get('dk_s2_1')).toBeDefined();
    });

    it('leaves the tenant payloads unreadable by any cipher', async () => {
      const kms = fakeKms();
      const writer = new KmsPayloadCipher({ client: kms.client, keyId: KMS_KEY_ARN, keyStore: store });
      const context = { tenantId: 's3', runId: 'r1', seq: 1 };
      const sealed = await writer.seal(new TextEncoder().encode('secret'), context);
      const reader = new KmsPayloadCipher({ client: kms.client, keyId: KMS_KEY_ARN, keyStore: store });
      expect(new TextDecoder().decode(await reader.open(sealed, context))).toBe('secret');
      await store.deleteTenantKeys('s3');
      const fresh = new KmsPayloadCipher({ client: kms.client, keyId: KMS_KEY_ARN, keyStore: store });
      await expect(fresh.open(sealed, context)).rejects.toBeInstanceOf(DecryptionError);
    });
  });
});
