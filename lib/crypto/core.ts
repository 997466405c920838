/**
 * The pure part of lib/crypto (no AWS SDK): canonical JSON, the hash chain, the cipher port and payload codec.
 * The kernel imports this, so it stays free of `@aws-sdk/*` (lib/crypto/index.ts also exports the KMS and
 * DynamoDB adapters).
 */
export * from './canonical-json.js';
export * from './ledger-hash.js';
export * from './payload-cipher-port.js';
export * from './payload-codec.js';
export * from './plaintext-cipher.js';
