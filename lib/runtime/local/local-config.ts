import path from 'node:path';

/** Layout of the local data directory shared by `npm start` and the `artana` CLI. */
export const LOCAL = {
  dataDir: '.artana',
  tableName: 'artana-ledger',
  queueName: 'artana-steps',
  region: 'us-east-1',
} as const;

export const localPaths = (dataDir: string = LOCAL.dataDir) => ({
  dataDir,
  /** dynalite's LevelDB files. */
  dynamodb: path.join(dataDir, 'dynamodb'),
  /** The local cipher's master key (mode 0600). */
  keyFile: path.join(dataDir, 'local.key'),
  /** The Ed25519 key that seals completed runs (PKCS#8 PEM, mode 0600). */
  sealKeyFile: path.join(dataDir, 'ledger-signing.pem'),
  /** Payloads too large for an item (the local stand-in for the payload bucket). */
  blobs: path.join(dataDir, 'blobs'),
  /** Deliveries of the sample's side-effect tool. */
  outbox: path.join(dataDir, 'outbox'),
});
