import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { LedgerIntegrityError, RunAlreadyExistsError, RunPausedError, TenantMismatchError, ValidationError } from '../../lib/errors.js';
import { MemoryEventStore } from '../../lib/store/index.js';
import type { LedgerRecord } from '../../lib/models/index.js';
import { Answer, setup, tenant, types } from './helpers.js';

describe('run lifecycle', () => {
  describe('when a run is started', () => {
    it('issues an id, echoes the tenant and refuses an existing id', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant());
      expect(run.runId).toMatch(/^id\d+$/);
      expect(run.tenant.tenantId).toBe('tenant_a');
      expect(types(run.events())).toEqual(['run_started']);
      await expect(kernel.startRun(tenant(), { runId: run.runId })).rejects.toBeInstanceOf(RunAlreadyExistsError);
    });

    it('resumes with human input recorded as canonical JSON', async () => {
      const { kernel } = setup();
      await kernel.startRun(tenant(), { runId: 'r1' });
      const run = await kernel.openRun(tenant(), 'r1');
      await run.resume({ humanInput: { note: 'approved' } });
      const last = run.events().at(-1);
      expect(last?.eventType === 'resume_requested' && last.payload.humanInputJson).toBe('{"note":"approved"}');
    });
  });

  describe('when another tenant names the run', () => {
    it('refuses to open it', async () => {
      const { kernel } = setup();
      await kernel.startRun(tenant(), { runId: 'r1' });
      await expect(kernel.openRun(tenant({ tenantId: 'tenant_b' }), 'r1')).rejects.toBeInstanceOf(TenantMismatchError);
      await expect(kernel.stepModel({ tenant: tenant({ tenantId: 'tenant_b' }), runId: 'r1', model: 'm', input: { prompt: 'p' }, outputSchema: Answer }))
        .rejects.toBeInstanceOf(TenantMismatchError);
    });
  });

  describe('when the run is paused or blocked', () => {
    it('refuses model and tool steps until resumed', async () => {
      const env = setup();
      env.tools.register({ name: 't', arguments: z.strictObject({}), handler: async () => 'x' });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const ticket = await run.pause('needs review', { context: { ticket: 'mgr-1' }, stepKey: 'review' });
      expect(ticket).toMatchObject({ runId: 'r1', seq: 2, reason: 'needs review' });
      const last = run.events().at(-1);
      expect(last?.eventType === 'pause_requested' && [last.payload.contextJson, last.stepKey]).toEqual(['{"ticket":"mgr-1"}', 'review']);
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer })).rejects.toBeInstanceOf(RunPausedError);
      await expect(run.stepTool({ toolName: 't', arguments: {} })).rejects.toBeInstanceOf(RunPausedError);
      expect(env.port.calls).toBe(0);
      await run.resume();
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer })).resolves.toMatchObject({ replayed: false });
    });

    it('stays paused until every stacked pause is resumed', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.pause('one');
      await run.pause('two');
      await run.resume();
      expect(run.getRunStatus().status).toBe('paused');
      await run.resume();
      expect(run.getRunStatus().status).toBe('active');
    });

    it('blocks on a key, reports blockedOn and unblocks only with the matching key', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      expect(run.getRunStatus().status).toBe('active');
      await run.block('waiting for manager', { unblockKey: 'mgr_approval', metadata: { by: 'bob' }, stepKey: 'wait_mgr' });
      expect(run.getRunStatus()).toMatchObject({ status: 'paused', blockedOn: 'unblock:mgr_approval', lastStepKey: 'wait_mgr' });
      await expect(run.unblock({ unblockKey: 'other' })).rejects.toBeInstanceOf(ValidationError);
      await run.unblock({ unblockKey: 'mgr_approval', metadata: { ok: true } });
      const status = run.getRunStatus();
      expect(status.status).toBe('active');
      expect(status.blockedOn).toBeUndefined();
      expect(run.latestSummary('run_unblocked::mgr_approval')).toEqual({ unblockKey: 'mgr_approval', metadataJson: '{"ok":true}' });
      await expect(run.unblock()).rejects.toThrow(/not currently blocked or paused/);
    });
  });

  describe('when summaries, checkpoints and artifacts are written', () => {
    it('keeps the step key of checkpoints and the latest value per artifact key', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.checkpoint('plan', { steps: 2 }, { stepKey: 'cp_1' });
      await run.setArtifact('report', { v: 1 });
      await run.setArtifact('report', { v: 2 }, { schemaVersion: '2' });
      await run.setArtifact('notes', 'hello');
      expect(run.latestSummaryRecord('checkpoint::plan')).toMatchObject({ stepKey: 'cp_1', summaryJson: '{"steps":2}' });
      expect(run.getArtifact('report')).toEqual({ v: 2 });
      expect(run.getArtifact('missing')).toBeUndefined();
      expect(run.listArtifacts()).toEqual({ report: { v: 2 }, notes: 'hello' });
      await expect(run.checkpoint(' ', {})).rejects.toBeInstanceOf(ValidationError);
      await expect(run.setArtifact('', 1)).rejects.toBeInstanceOf(ValidationError);
    });

    it('appends typed harness events and refuses kernel-owned types', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.appendEvent('harness_stage', { stage: 'draft' }, { stepKey: 's1' });
      expect(run.getRunStatus().lastStage).toBe('draft');
      // @ts-expect-error model_terminal is written by the kernel only
      await expect(run.appendEvent('model_terminal', {})).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('when progress is reported', () => {
    it('derives percent, stage and eta from task_progress units', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.appendSummary('task_progress', { units: [
        { id: 'collect', state: 'done' }, { id: 'draft', state: 'in_progress' }, { id: 'review', state: 'pending' },
      ] });
      const progress = run.getRunProgress();
      expect(progress).toMatchObject({ status: 'running', percent: 33, currentStage: 'draft', completedStages: ['collect'] });
      expect(progress.etaSeconds).toBeGreaterThan(0);
    });

    it('falls back to the harness stage and reports completion', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.appendEvent('harness_stage', { stage: 'plan' });
      expect(run.getRunProgress()).toMatchObject({ percent: 0, currentStage: 'plan', status: 'running' });
      expect(run.getRunProgress().etaSeconds).toBeUndefined();
      await run.appendEvent('harness_sleep', { status: 'completed' });
      expect(run.getRunProgress()).toMatchObject({ percent: 100, etaSeconds: 0, status: 'completed' });
    });
  });

  describe('when a session commits', () => {
    it('lets the next session read only the head and later events and still replay an older step key', async () => {
      const env = setup();
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const first = await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'old' });
      expect(await run.commit()).toBe(true);
      const reads: string[] = [];
      const spy = spyStore(env.store, reads);
      const fresh = setup({ store: spy });
      const reopened = await fresh.kernel.openRun(tenant(), 'r1');
      expect(reopened.events()).toEqual([]);
      const replay = await reopened.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'old' });
      expect(replay).toMatchObject({ replayed: true, seq: first.seq });
      expect(fresh.port.calls).toBe(0);
      expect(reads).toEqual(['readRun', 'getEvents:2', 'getEvents:3']);
      expect(reopened.getRunStatus().spendUsd).toBe(0);
    });

    it('detects a truncated tail against the committed head', async () => {
      const env = setup();
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await run.appendSummary('a', 1);
      await run.commit();
      const records = await env.store.loadEvents('tenant_a', 'r1');
      const copy = new MemoryEventStore();
      await copy.createRun({ runId: 'r1', tenantId: 'tenant_a', createdAt: '2026-01-01T00:00:00Z' });
      await copy.append('tenant_a', 'r1', records.slice(0, 1));
      await copy.commitHead('tenant_a', 'r1', { lastSeq: 2, lastHash: records[1]!.hash, status: 'active', updatedAt: 'x', spendUsd: 0 });
      await expect(setup({ store: copy }).kernel.openRun(tenant(), 'r1')).rejects.toBeInstanceOf(LedgerIntegrityError);
      expect((await setup({ store: copy }).kernel.verifyRun(tenant(), 'r1')).firstInvalidSeq).toBe(2);
    });
  });

  describe('when the store refuses appends', () => {
    it('never calls the provider', async () => {
      const env = setup();
      await env.kernel.startRun(tenant(), { runId: 'r1' });
      const broken = new Proxy(env.store, {
        get(target, prop, receiver) {
          if (prop === 'append') return async () => { throw new Error('store down'); };
          const value: unknown = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const failing = setup({ store: broken, port: { output: { answer: 'x' } } });
      const run = await failing.kernel.openRun(tenant(), 'r1');
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer })).rejects.toThrow('store down');
      expect(failing.port.calls).toBe(0);
    });
  });
});

function spyStore(store: MemoryEventStore, reads: string[]): MemoryEventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'getEvents') reads.push(`getEvents:${String(args[2])}`);
        else if (prop !== 'append' && prop !== 'commitHead') reads.push(String(prop));
        return Reflect.apply(value, target, args) as Promise<LedgerRecord[]>;
      };
    },
  });
}
