export * from './event-store-port.js';
export * from './tenant-registry-port.js';
export * from './memory-event-store.js';
export * from './memory-tenant-registry.js';
export * from './table-schema.js';
