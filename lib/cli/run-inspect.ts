import * as z from 'zod/mini';
import { PlaintextCipher } from '../crypto/plaintext-cipher.js';
import { verifyLedger, type LedgerVerification } from '../crypto/index.js';
import { verifySeal, type SealCheckEvent, type SealVerification } from '../crypto/ledger-seal.js';
import type { SealVerifier } from '../crypto/ledger-signer-port.js';
import { LedgerIntegrityError } from '../errors.js';
import { ArtanaKernel, decodeRecord, type ModelPort } from '../kernel/index.js';
import { toTenantContext, type KernelEvent, type LedgerRecord, type TenantContext } from '../models/index.js';
import type { EventStore } from '../store/index.js';
import { CliError } from './cli-output.js';
import type { CliTarget } from './cli-target.js';

/** A model port for read-only kernels: inspection never calls a model. */
const noModel: ModelPort = { complete: async () => { throw new CliError('the inspection kernel does not call models'); } };

/** The tenant as registered, or a minimal context for reading a run of an unregistered (e.g. deleted) tenant. */
export async function inspectionTenant(target: CliTarget, tenantId: string): Promise<TenantContext> {
  const record = await target.tenants.get(tenantId);
  return record ? toTenantContext(record) : { tenantId, capabilities: [], budgetUsdLimit: 1 };
}

/** A kernel that reads and decrypts (never steps) runs of the target. */
export async function inspectionKernel(target: CliTarget): Promise<ArtanaKernel> {
  return new ArtanaKernel({ store: target.store, cipher: await target.cipher(), modelPort: noModel, ...(target.blobs ? { blobs: target.blobs } : {}) });
}

/** The envelope of a stored event with payload metadata only (no bytes, nothing decrypted). */
export function envelopeView(r: LedgerRecord): Record<string, unknown> {
  const { payload, ...envelope } = r;
  return {
    ...envelope,
    payload: {
      alg: payload.alg, digest: payload.digest,
      ...(payload.keyId !== undefined ? { keyId: payload.keyId } : {}),
      ...(payload.data !== undefined ? { bytes: Buffer.from(payload.data, 'base64').byteLength } : {}),
      ...(payload.ref !== undefined ? { ref: payload.ref } : {}),
    },
  };
}

/** `seq<TAB>timestamp<TAB>eventType<TAB>stepKey|-` (the reference's tail line, with our step key). */
export const tailLine = (e: Pick<LedgerRecord, 'seq' | 'timestamp' | 'eventType' | 'stepKey'>): string =>
  `${e.seq}\t${e.timestamp}\t${e.eventType}\t${e.stepKey ?? '-'}`;

const IntegrityDetails = z.object({ seq: z.optional(z.number()), reason: z.optional(z.string()) });

/**
 * Verifies a run's ledger from raw items and the head: hash chain, links, truncation. Needs no decrypt permission.
 * A tampered item fails already at parse time; it is reported as the first invalid seq too.
 * @example const v = await verifyRunLedger(target.store, 'acme', 'r1'); // { valid: false, firstInvalidSeq: 3, … }
 */
export async function verifyRunLedger(store: EventStore, tenantId: string, runId: string): Promise<LedgerVerification> {
  return (await checkRunLedger(store, tenantId, runId)).chain;
}

async function checkRunLedger(store: EventStore, tenantId: string, runId: string): Promise<{ chain: LedgerVerification; records: LedgerRecord[] }> {
  const head = await store.getHead(tenantId, runId);
  let records: LedgerRecord[];
  try {
    records = await store.loadEvents(tenantId, runId);
  } catch (e) {
    if (!(e instanceof LedgerIntegrityError)) throw e;
    const d = IntegrityDetails.safeParse(e.details);
    return { chain: { valid: false, firstInvalidSeq: d.success ? d.data.seq : undefined, reason: (d.success ? d.data.reason : undefined) ?? e.message, checked: 0 }, records: [] };
  }
  const chain = verifyLedger(records, { tenantId, head: { lastSeq: head.lastSeq, ...(head.lastHash !== undefined ? { lastHash: head.lastHash } : {}) } });
  return { chain, records };
}

/** How `verifyRunSeal` reads a seal: the verifier and the cipher that opens the seal's payload, built only when a run is sealed. */
export interface SealCheckSources {
  readonly verifier: () => Promise<SealVerifier>;
  readonly openSeal: (record: LedgerRecord) => Promise<unknown>;
}

/**
 * The chain check of `verifyRunLedger`, then the seal check when the run has a `ledger_sealed` event. Only the seal's
 * own payload is decrypted (to read its signature); the chain still needs no key.
 * @example const { chain, seal } = await verifyRunSeal(target.store, 'acme', 'r1', { verifier, openSeal });
 */
export async function verifyRunSeal(
  store: EventStore, tenantId: string, runId: string, sources: SealCheckSources,
): Promise<{ chain: LedgerVerification; seal: SealVerification }> {
  const { chain, records } = await checkRunLedger(store, tenantId, runId);
  const first = records.findIndex((r) => r.eventType === 'ledger_sealed');
  if (!chain.valid || first < 0) return { chain, seal: { sealed: first >= 0, valid: first < 0 } };
  const last = records.length - 1;
  const events = await Promise.all(records.map(async (r, i): Promise<SealCheckEvent> => (i === first && first === last ? { ...r, payload: await sources.openSeal(r) } : r)));
  return { chain, seal: await verifySeal(events, await sources.verifier()) };
}

/** Opens a seal record's payload: stored in clear (no key needed); older encrypted seals use the target's cipher. */
export async function openSealPayload(target: CliTarget, record: LedgerRecord): Promise<unknown> {
  return (await decodeRecord(record.payload.alg === 'none' ? new PlaintextCipher() : await target.cipher(), record)).payload;
}

export interface SummaryView {
  readonly seq: number;
  readonly timestamp: string;
  readonly summaryType: string;
  readonly stepKey?: string;
  readonly parentStepKey?: string;
  readonly summary: unknown;
}

const parseOrRaw = (json: string): unknown => {
  try { return JSON.parse(json); } catch { return json; }
};

/**
 * The last `limit` run summaries (≤ 0: all), optionally of one type, oldest first.
 * @example selectSummaries(events, { type: 'task_progress', limit: 1 })
 */
export function selectSummaries(events: readonly KernelEvent[], options: { type?: string; limit: number }): SummaryView[] {
  const all = events.flatMap((e): SummaryView[] => (e.eventType === 'run_summary' && (options.type === undefined || e.payload.summaryType === options.type)
    ? [{
      seq: e.seq, timestamp: e.timestamp, summaryType: e.payload.summaryType, summary: parseOrRaw(e.payload.summaryJson),
      ...(e.stepKey !== undefined ? { stepKey: e.stepKey } : {}), ...(e.parentStepKey !== undefined ? { parentStepKey: e.parentStepKey } : {}),
    }]
    : []));
  return options.limit > 0 ? all.slice(-options.limit) : all;
}
