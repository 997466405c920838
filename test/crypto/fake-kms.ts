import {
  DecryptCommand, GenerateDataKeyCommand, InvalidCiphertextException, KMSClient, KMSServiceException,
} from '@aws-sdk/client-kms';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import type { ServiceInputTypes, ServiceOutputTypes, KMSClientResolvedConfig } from '@aws-sdk/client-kms';

export const KMS_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export interface FakeKms {
  readonly client: KMSClient;
  readonly mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, KMSClientResolvedConfig>;
  /** GenerateDataKey + Decrypt calls so far. */
  requests(): number;
}

/**
 * A KMS stand-in on aws-sdk-client-mock that behaves like KMS for envelope encryption: `Decrypt` returns the
 * data key only for the wrapped blob it issued and the same encryption context, else `InvalidCiphertextException`.
 * Every response carries a fresh copy of the key (the cipher zeroes the response buffer).
 */
export function fakeKms(): FakeKms {
  const client = new KMSClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const issued = new Map<string, { key: Buffer; context: string }>();
  const contextOf = (ctx: Record<string, string> | undefined): string => JSON.stringify(Object.entries(ctx ?? {}).sort());
  mock.on(GenerateDataKeyCommand).callsFake((input: { EncryptionContext?: Record<string, string> }) => {
    const key = randomBytes(32);
    const blob = randomBytes(64);
    issued.set(blob.toString('hex'), { key, context: contextOf(input.EncryptionContext) });
    return { KeyId: KMS_KEY_ARN, Plaintext: Uint8Array.from(key), CiphertextBlob: Uint8Array.from(blob) };
  });
  mock.on(DecryptCommand).callsFake((input: { CiphertextBlob?: Uint8Array; EncryptionContext?: Record<string, string> }) => {
    const entry = issued.get(Buffer.from(input.CiphertextBlob ?? new Uint8Array()).toString('hex'));
    if (!entry || entry.context !== contextOf(input.EncryptionContext)) {
      throw new InvalidCiphertextException({ message: 'InvalidCiphertextException', $metadata: { httpStatusCode: 400 } });
    }
    return { KeyId: KMS_KEY_ARN, Plaintext: Uint8Array.from(entry.key) };
  });
  return {
    client,
    mock,
    requests: () => mock.commandCalls(GenerateDataKeyCommand).length + mock.commandCalls(DecryptCommand).length,
  };
}

/** A KMS service error as the SDK raises it (e.g. `ThrottlingException`, `AccessDeniedException`). */
export const kmsError = (name: string, status = 400): KMSServiceException =>
  new KMSServiceException({ name, message: name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
