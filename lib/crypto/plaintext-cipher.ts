import type { PayloadCipher, SealedBytes } from './payload-cipher-port.js';
import { DecryptionError } from '../errors.js';

/**
 * No encryption (`alg: 'none'`). For tests that inspect stored payloads and for users who opt out explicitly;
 * every deployed and local runtime encrypts by default.
 */
export class PlaintextCipher implements PayloadCipher {
  async seal(plaintext: Uint8Array): Promise<SealedBytes> {
    return { alg: 'none', bytes: plaintext };
  }

  async open(sealed: SealedBytes): Promise<Uint8Array> {
    if (sealed.alg !== 'none') throw new DecryptionError('PlaintextCipher cannot open an encrypted payload.', { alg: sealed.alg });
    return sealed.bytes;
  }
}
