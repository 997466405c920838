import './zod-locale.js';
export * from './events.js';
export * from './ledger-record.js';
export * from './messages.js';
export * from './model-io.js';
export * from './tenant.js';
export * from './tools.js';
