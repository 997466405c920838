export * from './harness.js';
export * from './registry.js';
export * from './task-progress.js';
export * from './task-harness.js';
export * from './supervisor.js';
export * from './child-runs.js';
export { createHarnessContext, TOOL_ATTEMPTS, type ChildRunner, type ContextOptions } from './harness-context.js';
export * from './session-runner.js';
export { SessionStepKeys } from './session-step-keys.js';
