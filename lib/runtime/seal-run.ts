import { sealDigest, type LedgerSigner } from '../crypto/ledger-signer-port.js';
import type { RunSession } from '../kernel/index.js';
import type { EventStore } from '../store/index.js';

/** Outcome of `sealRun`: the seq of the new seal, or why none was appended. */
export type SealRunResult =
  | { readonly sealed: true; readonly seq: number }
  | { readonly sealed: false; readonly reason: 'already_sealed' | 'empty_run' };

/** The type of the run's last event: from the session's loaded events, else (head snapshot covers it) from the store. */
async function lastEventType(run: RunSession, store?: Pick<EventStore, 'loadEvents'>): Promise<string | undefined> {
  const lastSeq = run.state.lastSeq;
  const loaded = run.events().find((e) => e.seq === lastSeq);
  if (loaded) return loaded.eventType;
  if (!store || lastSeq === 0) return undefined;
  const [record] = await store.loadEvents(run.tenant.tenantId, run.runId, { afterSeq: lastSeq - 1, limit: 1 });
  return record?.eventType;
}

/**
 * Appends `ledger_sealed { headHash, keyId, algorithm, signature }` signing the run's current head (runId, tenantId,
 * seq and hash of the last event). Idempotent: a run whose last event is already a seal is left alone, so a
 * redelivered message never seals twice. Call it under the run's lease, before `run.commit()`.
 * @example if (!session.workRemaining && run.state.status === 'completed') await sealRun(run, deps.signer, deps.store);
 */
export async function sealRun(run: RunSession, signer: LedgerSigner, store?: Pick<EventStore, 'loadEvents'>): Promise<SealRunResult> {
  const { lastSeq: seq, lastHash: headHash } = run.state;
  if (seq === 0 || headHash === undefined) return { sealed: false, reason: 'empty_run' };
  if ((await lastEventType(run, store)) === 'ledger_sealed') return { sealed: false, reason: 'already_sealed' };
  const signature = await signer.sign(sealDigest({ runId: run.runId, tenantId: run.tenant.tenantId, seq, headHash }));
  const event = await run.appendEvent('ledger_sealed', {
    headHash, keyId: signer.keyId, algorithm: signer.algorithm, signature: Buffer.from(signature).toString('base64'),
  });
  return { sealed: true, seq: event.seq };
}
