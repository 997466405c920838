import { toJson } from './cli-output.js';
import type { CliContext } from './cli-context.js';
import type { CliTarget } from './cli-target.js';
import { envelopeView, tailLine } from './run-inspect.js';

export interface TailOptions {
  readonly sinceSeq: number;
  readonly follow: boolean;
  /** Polling interval when following (bounded by the option schema). */
  readonly pollMs: number;
  /** Stop following after this long without a new event; undefined = until SIGINT. */
  readonly idleTimeoutMs?: number;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  if (signal.aborted) return resolve();
  const timer = setTimeout(done, ms);
  function done() { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
  signal.addEventListener('abort', done, { once: true });
});

/**
 * `run tail`: prints events after `sinceSeq`; with `follow`, polls the ledger (events only, no decryption) until
 * SIGINT or the idle timeout. JSON: one object without follow, one line per event with it.
 * @example await tailRun(ctx, target, 'acme', 'r1', { sinceSeq: 0, follow: true, pollMs: 1000, idleTimeoutMs: 30_000 }, false);
 */
export async function tailRun(ctx: CliContext, target: CliTarget, tenantId: string, runId: string, o: TailOptions, json: boolean): Promise<void> {
  let after = o.sinceSeq;
  const first = await target.store.loadEvents(tenantId, runId, { afterSeq: after });
  if (!o.follow) {
    if (json) ctx.io.out(toJson({ runId, events: first.map(envelopeView) }));
    else for (const e of first) ctx.io.out(tailLine(e));
    return;
  }
  let batch = first;
  let idleSince = Date.now();
  for (;;) {
    for (const e of batch) ctx.io.out(json ? toJson(envelopeView(e)) : tailLine(e));
    if (batch.length > 0) idleSince = Date.now();
    after = batch.at(-1)?.seq ?? after;
    if (ctx.signal.aborted) return;
    if (o.idleTimeoutMs !== undefined && Date.now() - idleSince >= o.idleTimeoutMs) return;
    await sleep(o.pollMs, ctx.signal);
    if (ctx.signal.aborted) return;
    batch = await target.store.loadEvents(tenantId, runId, { afterSeq: after });
  }
}
