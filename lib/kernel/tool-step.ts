import { runPrepareToolRequest, runPrepareToolResult } from '../middleware/pipeline.js';
import { CapabilityDeniedError, ReplayConsistencyError, ToolExecutionFailedError, ValidationError } from '../errors.js';
import { canonicalizeJsonObject, sha256Hex } from '../crypto/core.js';
import type { EventOf, ToolExecutionContext, ToolExecutionResult } from '../models/index.js';
import type { PreparedToolRequest } from '../middleware/middleware-port.js';
import type { SessionCore } from './session-core.js';
import { toolIndexKey } from './step-index.js';
import { assertRunnable } from './model-step.js';

export interface StepToolRequest {
  readonly toolName: string;
  /** An object (or JSON object text) validated by the tool's zod schema before anything is written. */
  readonly arguments: unknown;
  readonly stepKey?: string;
  readonly parentStepKey?: string;
}

export interface StepToolResult {
  readonly runId: string;
  /** Seq of the `tool_completed` used. */
  readonly seq: number;
  readonly toolName: string;
  readonly resultJson: string;
  readonly replayed: boolean;
  readonly idempotencyKey: string;
}

/** sha256(`${runId}:${toolName}:${seq}`) where seq is the committed seq of the `tool_requested` event. */
export const deriveIdempotencyKey = (runId: string, toolName: string, seq: number): string => sha256Hex(`${runId}:${toolName}:${seq}`);

interface PreparedTool extends StepToolRequest {
  readonly prepared: PreparedToolRequest;
  readonly args: unknown;
}

/** Validation, capability check and `prepareToolRequest` middleware: nothing is written before these pass. */
async function prepareTool(core: SessionCore, req: StepToolRequest): Promise<PreparedTool> {
  const { tools, middleware } = core.deps;
  const definition = tools.definition(req.toolName);
  const { argumentsJson } = tools.parseArguments(req.toolName, req.arguments);
  const required = definition.requiresCapability;
  if (required !== undefined && !core.tenant.capabilities.includes(required)) {
    throw new CapabilityDeniedError(`Tenant ${core.tenant.tenantId} lacks capability '${required}' required by tool '${req.toolName}'.`, { tool: req.toolName, capability: required });
  }
  const rewritten = await runPrepareToolRequest(middleware, {
    runId: core.runId, tenant: core.tenant, toolName: req.toolName, argumentsJson, ...(req.stepKey !== undefined ? { stepKey: req.stepKey } : {}),
  });
  const prepared: PreparedToolRequest = { ...rewritten, argumentsJson: canonicalizeJsonObject(rewritten.argumentsJson) };
  // The tool receives what is stored: re-validate after middleware rewrote the arguments.
  const { args } = tools.parseArguments(req.toolName, prepared.argumentsJson);
  return { ...req, prepared, args };
}


/** `stepTool` (K-9): replay a recorded outcome, or request → execute → complete, two-phase. */
export async function stepTool(core: SessionCore, req: StepToolRequest): Promise<StepToolResult> {
  assertRunnable(core);
  const tool = await prepareTool(core, req);
  return core.retryOnConflict(() => decideToolStep(core, tool));
}

async function decideToolStep(core: SessionCore, tool: PreparedTool): Promise<StepToolResult> {
  assertRunnable(core);
  const found = await findToolStep(core, tool);
  if (!found) return executeTool(core, tool);
  const { request, completion } = found;
  if (!completion) {
    await core.append(completionDraft(tool, request, {
      outcome: 'unknown_outcome', resultJson: '',
      errorMessage: 'Pending tool request found without completion event. Reconciliation is required before retry.',
    }));
    throw new ToolExecutionFailedError(`Tool '${tool.toolName}' has an unresolved pending request and requires reconciliation.`, { tool: tool.toolName, requestSeq: request.seq });
  }
  if (completion.payload.outcome !== 'success') {
    throw new ToolExecutionFailedError(`Tool '${tool.toolName}' previously failed with outcome='${completion.payload.outcome}'.`, { tool: tool.toolName, outcome: completion.payload.outcome, seq: completion.seq });
  }
  return resultOf(core, tool, request, completion, true);
}

export interface FoundToolStep {
  readonly request: EventOf<'tool_requested'>;
  readonly completion?: EventOf<'tool_completed'>;
}

async function findToolStep(core: SessionCore, tool: PreparedTool): Promise<FoundToolStep | undefined> {
  const entry = await core.stepEntry(toolIndexKey(tool.toolName, tool.prepared.argumentsJson, tool.stepKey), tool.stepKey);
  if (!entry) return undefined;
  const request = await core.eventAt(entry.requestSeq);
  if (request.eventType !== 'tool_requested') throw new ReplayConsistencyError(`Event ${entry.requestSeq} is not a tool_requested.`);
  if (entry.completionSeq === undefined) return { request };
  const completion = await core.eventAt(entry.completionSeq);
  if (completion.eventType !== 'tool_completed' || completion.payload.requestId !== request.eventId) {
    throw new ReplayConsistencyError(`Completion at seq ${entry.completionSeq} does not belong to request ${request.seq}.`);
  }
  return { request, completion };
}

async function executeTool(core: SessionCore, tool: PreparedTool): Promise<StepToolResult> {
  const definition = core.deps.tools.definition(tool.toolName);
  const p = tool.prepared;
  const request = await core.append({
    eventType: 'tool_requested', stepKey: tool.stepKey, parentStepKey: tool.parentStepKey,
    payload: (seq) => ({
      toolName: tool.toolName, argumentsJson: p.argumentsJson, idempotencyKey: deriveIdempotencyKey(core.runId, tool.toolName, seq),
      toolVersion: definition.toolVersion, schemaVersion: definition.schemaVersion,
      ...(p.semanticIdempotencyKey !== undefined ? { semanticIdempotencyKey: p.semanticIdempotencyKey } : {}),
      ...(p.intentId !== undefined ? { intentId: p.intentId } : {}),
      ...(p.amountUsd !== undefined ? { amountUsd: p.amountUsd } : {}),
    }),
  });
  if (request.eventType !== 'tool_requested') throw new ReplayConsistencyError('Appended request has the wrong type.');
  return invokeAndComplete(core, tool, request);
}

/** Runs the handler for a written request, applies result middleware, appends the completion; raises on non-success. */
export async function invokeAndComplete(core: SessionCore, tool: PreparedTool, request: EventOf<'tool_requested'>): Promise<StepToolResult> {
  const raw = await core.deps.tools.invoke(tool.toolName, tool.args, executionContext(core, request));
  const resultJson = raw.resultJson === '' ? ''
    : await runPrepareToolResult(core.deps.middleware, { runId: core.runId, tenant: core.tenant, toolName: tool.toolName, resultJson: raw.resultJson });
  const completion = await core.appendSettled(completionDraft(tool, request, { ...raw, resultJson }));
  if (completion.eventType !== 'tool_completed') throw new ReplayConsistencyError('Appended completion has the wrong type.');
  if (raw.outcome === 'unknown_outcome') {
    throw new ToolExecutionFailedError(`Tool '${tool.toolName}' ended with unknown outcome and requires reconciliation.`, { tool: tool.toolName, outcome: raw.outcome, error: raw.errorMessage });
  }
  if (raw.outcome !== 'success') {
    throw new ToolExecutionFailedError(`Tool '${tool.toolName}' failed with outcome='${raw.outcome}'.`, { tool: tool.toolName, outcome: raw.outcome, error: raw.errorMessage });
  }
  return resultOf(core, tool, request, completion, false);
}

function executionContext(core: SessionCore, request: EventOf<'tool_requested'>): ToolExecutionContext {
  return {
    runId: core.runId, tenantId: core.tenant.tenantId, idempotencyKey: request.payload.idempotencyKey, requestEventId: request.eventId,
    toolVersion: request.payload.toolVersion, schemaVersion: request.payload.schemaVersion,
    tenantCapabilities: [...core.tenant.capabilities], tenantBudgetUsdLimit: core.tenant.budgetUsdLimit,
  };
}

function completionDraft(tool: StepToolRequest, request: EventOf<'tool_requested'>, r: ToolExecutionResult) {
  return {
    eventType: 'tool_completed' as const, stepKey: tool.stepKey, parentStepKey: tool.parentStepKey,
    payload: {
      toolName: tool.toolName, resultJson: r.resultJson, outcome: r.outcome, requestId: request.eventId,
      receivedIdempotencyKey: r.receivedIdempotencyKey ?? request.payload.idempotencyKey,
      ...(r.effectId !== undefined ? { effectId: r.effectId } : {}),
      ...(r.errorMessage !== undefined ? { errorMessage: r.errorMessage } : {}),
    },
  };
}

function resultOf(core: SessionCore, tool: StepToolRequest, request: EventOf<'tool_requested'>, completion: EventOf<'tool_completed'>, replayed: boolean): StepToolResult {
  return { runId: core.runId, seq: completion.seq, toolName: tool.toolName, resultJson: completion.payload.resultJson, replayed, idempotencyKey: request.payload.idempotencyKey };
}

/** `reconcileTool` (K-10): settle an `unknown_outcome` by re-invoking the tool with the original idempotency key. */
export async function reconcileTool(core: SessionCore, req: StepToolRequest): Promise<StepToolResult> {
  const tool = await prepareTool(core, req);
  return core.retryOnConflict(async () => {
    const found = await findToolStep(core, tool);
    if (!found) throw new ValidationError(`No request of tool '${req.toolName}' with these arguments and step key to reconcile.`, { tool: req.toolName });
    const { request, completion } = found;
    if (!completion) throw new ToolExecutionFailedError(`Tool '${req.toolName}' has no completion event to reconcile.`, { tool: req.toolName });
    if (completion.payload.outcome === 'success') return resultOf(core, tool, request, completion, true);
    if (completion.payload.outcome !== 'unknown_outcome') {
      throw new ToolExecutionFailedError(`Tool '${req.toolName}' cannot be reconciled from outcome=${completion.payload.outcome}.`, { tool: req.toolName, outcome: completion.payload.outcome });
    }
    return invokeAndComplete(core, tool, request);
  });
}
