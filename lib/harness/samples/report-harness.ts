import * as z from 'zod/mini';
import { ToolTransientError } from '../../errors.js';
import type { ToolRegistry } from '../../kernel/index.js';
import type { HarnessDefinition } from '../harness.js';
import { defineTaskHarness } from '../task-harness.js';
import type { Outbox } from './outbox.js';

export const REPORT_HARNESS = 'report';
export const PUBLISH_CAPABILITY = 'reports:publish';

const Facts = z.object({ facts: z.array(z.string()) });
const Draft = z.object({ title: z.string(), body: z.string() });
const Review = z.object({ approved: z.boolean(), notes: z.string() });
const Topic = z.strictObject({ topic: z.string().check(z.minLength(1), z.maxLength(200)) });
const Report = z.strictObject({ title: z.string().check(z.minLength(1)), body: z.string().check(z.minLength(1)) });

export interface ReportHarnessDeps {
  readonly outbox: Outbox;
  /** Fail the first N deliveries with a transient error (to show retries); default 0. */
  readonly flakyDeliveries?: number;
}

const topicOf = (input: Readonly<Record<string, unknown>>): string =>
  typeof input['topic'] === 'string' && input['topic'] ? input['topic'] : 'serverless event sourcing';

/**
 * The sample harness: a three-task report (research → draft with review → publish). It uses a model step per task,
 * a read-only tool, and a side-effect tool gated by the `reports:publish` capability that honours its idempotency key.
 * Tenants without the capability keep the report as an unpublished draft artifact.
 */
export function reportHarness(deps: ReportHarnessDeps): HarnessDefinition {
  let failuresLeft = deps.flakyDeliveries ?? 0;
  const harness = defineTaskHarness({
    name: REPORT_HARNESS,
    models: { default: 'demo-small', draft: 'demo-draft', verify: 'demo-verify' },
    // Chosen on purpose (the doctor checks): a changed prompt for a recorded step is an error, not a silent replay.
    replayPolicy: 'strict',
    defineTasks: async () => [
      { id: 'research', description: 'Collect facts about the topic' },
      { id: 'draft', description: 'Draft the report and have it reviewed' },
      { id: 'publish', description: 'Publish the report' },
    ],
    async workOn(task, ctx) {
      const topic = topicOf(ctx.input);
      if (task.id === 'research') {
        const { output } = await ctx.runModel({ prompt: `[research] List three facts about ${topic}.`, output: Facts });
        const lookup = await ctx.runTool('lookup_sources', { topic });
        await ctx.setArtifact('facts', { facts: output.facts, sources: JSON.parse(lookup.resultJson) as unknown });
        return { verified: output.facts.length > 0 };
      }
      if (task.id === 'draft') {
        const facts = Facts.parse(await ctx.getArtifact('facts'));
        const { output: draft } = await ctx.runDraftModel({ prompt: `[draft] Write a report on ${topic} from: ${facts.facts.join('; ')}`, output: Draft });
        const { output: review } = await ctx.runVerifyModel({ prompt: `[verify] Review: ${draft.title}\n${draft.body}`, output: Review });
        await ctx.setArtifact('draft', draft);
        return { verified: review.approved };
      }
      const draft = Draft.parse(await ctx.getArtifact('draft'));
      if (!ctx.tenant.capabilities.includes(PUBLISH_CAPABILITY)) {
        await ctx.setArtifact('unpublished_draft', draft);
        return { verified: true };
      }
      const published = await ctx.runTool('publish_report', draft);
      await ctx.setArtifact('publication', JSON.parse(published.resultJson) as unknown);
      return { verified: true };
    },
    async finish(ctx) {
      const draft = Draft.safeParse(await ctx.getArtifact('draft'));
      return { title: draft.success ? draft.data.title : null, published: (await ctx.getArtifact('publication')) !== undefined };
    },
  });
  return {
    ...harness,
    registerTools(tools: ToolRegistry) {
      tools.register({
        name: 'lookup_sources', description: 'Look up reference sources for a topic (read-only).', arguments: Topic,
        handler: async ({ topic }) => ({ sources: [`https://example.org/${encodeURIComponent(topic)}`] }),
      });
      tools.register({
        name: 'publish_report', description: 'Publish a report (side effect, idempotent by key).', arguments: Report,
        sideEffect: true, requiresCapability: PUBLISH_CAPABILITY, riskLevel: 'high',
        handler: async (report, context) => {
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            throw new ToolTransientError('publishing endpoint unavailable (injected)');
          }
          const receipt = await deps.outbox.deliver(context.idempotencyKey, report);
          return { outcome: 'success', resultJson: JSON.stringify(receipt), receivedIdempotencyKey: context.idempotencyKey, effectId: receipt.effectId };
        },
      });
    },
  };
}
