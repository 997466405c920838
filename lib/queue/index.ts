export * from './messages.js';
export * from './step-queue-port.js';
export * from './sqs-step-queue.js';
export * from './sqs-errors.js';
export * from './memory-step-queue.js';
