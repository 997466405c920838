export * from './event-store-port.js';
export * from './tenant-registry-port.js';
export * from './memory-event-store.js';
export * from './memory-tenant-registry.js';
export * from './table-schema.js';
export * from './dynamodb-event-store.js';
export * from './dynamodb-table-client.js';
export * from './create-table.js';
export { translateAwsError } from './aws-errors.js';
