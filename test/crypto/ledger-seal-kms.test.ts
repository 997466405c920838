import { GetPublicKeyCommand, KMSServiceException, SignCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { verifySeal } from '../../lib/crypto/ledger-seal.js';
import { KmsLedgerSigner, KmsSealVerifier } from '../../lib/crypto/ledger-signer-kms.js';
import { sealDigest, sealStatement } from '../../lib/crypto/ledger-signer-port.js';
import { ConfigurationError, DependencyUnavailableError } from '../../lib/errors.js';
import { decodeAll, fakeSealKms, rewriteChain, sealedRun, SEAL_KEY_ARN } from './ledger-seal-fixtures.js';

const binding = { runId: 'r1', tenantId: 'acme', seq: 3, headHash: 'c0ffee' };
const kmsError = (name: string, httpStatusCode: number, fault: 'client' | 'server' = 'client') =>
  new KMSServiceException({ name, $fault: fault, message: name, $metadata: { httpStatusCode } });

describe('KmsLedgerSigner and KmsSealVerifier', () => {
  describe('when a digest is signed', () => {
    it('asks KMS for ECDSA_SHA_256 over the 32-byte DIGEST and the signature verifies locally', async () => {
      const kms = fakeSealKms();
      const signer = new KmsLedgerSigner({ client: kms.client, keyId: SEAL_KEY_ARN });
      const signature = await signer.sign(sealDigest(binding));
      expect(kms.mock.commandCalls(SignCommand)[0]?.args[0].input).toEqual({
        KeyId: SEAL_KEY_ARN, Message: sealDigest(binding), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256',
      });
      const verifier = new KmsSealVerifier({ client: kms.client, keyId: 'alias/artana-ledger-seal' });
      const seal = { keyId: SEAL_KEY_ARN, algorithm: 'ECDSA_SHA_256', signature: Buffer.from(signature).toString('base64'), headHash: 'c0ffee' };
      expect(await verifier.verify({ ...seal, statement: sealStatement(binding) })).toBe(true);
      expect(await verifier.verify({ ...seal, statement: sealStatement({ ...binding, seq: 4 }) })).toBe(false);
      expect(await verifier.verify({ ...seal, keyId: 'arn:aws:kms:us-east-1:111122223333:key/other', statement: sealStatement(binding) })).toBe(false);
    });

    it('fetches the public key once for many verifications', async () => {
      const kms = fakeSealKms();
      const signer = new KmsLedgerSigner({ client: kms.client, keyId: SEAL_KEY_ARN });
      const verifier = new KmsSealVerifier({ client: kms.client, keyId: SEAL_KEY_ARN });
      for (const seq of [1, 2, 3]) {
        const b = { ...binding, seq };
        const signature = Buffer.from(await signer.sign(sealDigest(b))).toString('base64');
        expect(await verifier.verify({ keyId: SEAL_KEY_ARN, algorithm: 'ECDSA_SHA_256', signature, headHash: b.headHash, statement: sealStatement(b) })).toBe(true);
      }
      expect(kms.mock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    });
  });

  describe('when KMS fails', () => {
    it('is retryable for throttling and configuration for access denied', async () => {
      const kms = fakeSealKms();
      const signer = new KmsLedgerSigner({ client: kms.client, keyId: SEAL_KEY_ARN });
      kms.mock.on(SignCommand).rejectsOnce(kmsError('ThrottlingException', 400)).rejectsOnce(kmsError('AccessDeniedException', 400));
      await expect(signer.sign(sealDigest(binding))).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(signer.sign(sealDigest(binding))).rejects.toBeInstanceOf(ConfigurationError);
    });

    it('refetches the public key after a failed fetch', async () => {
      const kms = fakeSealKms();
      const verifier = new KmsSealVerifier({ client: kms.client, keyId: SEAL_KEY_ARN });
      const good = await new KmsLedgerSigner({ client: kms.client, keyId: SEAL_KEY_ARN }).sign(sealDigest(binding));
      const seal = { keyId: SEAL_KEY_ARN, algorithm: 'ECDSA_SHA_256', signature: Buffer.from(good).toString('base64'), headHash: 'c0ffee', statement: sealStatement(binding) };
      kms.mock.on(GetPublicKeyCommand).rejectsOnce(kmsError('KMSInternalException', 500, 'server')).resolves(kms.publicKeyResponse);
      await expect(verifier.verify(seal)).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(await verifier.verify(seal)).toBe(true);
      expect(kms.mock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
    });
  });

  describe('when a run is sealed with KMS', () => {
    it('verifies, and a rewritten chain or a tampered signature does not', async () => {
      const kms = fakeSealKms();
      const signer = new KmsLedgerSigner({ client: kms.client, keyId: SEAL_KEY_ARN });
      const verifier = new KmsSealVerifier({ client: kms.client, keyId: SEAL_KEY_ARN });
      const { events, records } = await sealedRun(signer);
      expect(await verifySeal(events, verifier)).toEqual({ sealed: true, valid: true, seq: 5 });

      const sealPayload = Object(events.at(-1)?.payload);
      const edited = await rewriteChain(records, new Map([[3, { stage: 'forged' }]]));
      const forged = await rewriteChain(edited, new Map([[5, { ...sealPayload, headHash: edited[3]?.hash }]]));
      expect((await verifySeal(await decodeAll(forged), verifier)).valid).toBe(false);

      const sig = Buffer.from(String(sealPayload.signature), 'base64');
      sig[sig.length - 1] = sig[sig.length - 1]! ^ 1;
      const tampered = [...events.slice(0, -1), { ...events.at(-1)!, payload: { ...sealPayload, signature: sig.toString('base64') } }];
      expect((await verifySeal(tampered, verifier)).valid).toBe(false);
    });
  });
});

