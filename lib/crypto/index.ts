export * from './canonical-json.js';
export * from './ledger-hash.js';
export * from './payload-cipher-port.js';
export * from './payload-codec.js';
export * from './plaintext-cipher.js';
