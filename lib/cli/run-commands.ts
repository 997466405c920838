import { KMSClient } from '@aws-sdk/client-kms';
import type { Command } from 'commander';
import * as z from 'zod/mini';
import { CliError, toJson, EXIT } from './cli-output.js';
import { idOption, intOption, parseOptions, withTarget, type CliContext } from './cli-context.js';
import { resumeCommand } from './run-resume.js';
import { LocalSealVerifier } from '../crypto/ledger-signer-local.js';
import { KmsSealVerifier } from '../crypto/ledger-signer-kms.js';
import type { SealVerifier } from '../crypto/ledger-signer-port.js';
import { localPaths } from '../runtime/local/local-config.js';
import type { CliTarget } from './cli-target.js';
import { envelopeView, inspectionKernel, inspectionTenant, openSealPayload, selectSummaries, tailLine, verifyRunSeal } from './run-inspect.js';
import { tailRun } from './run-tail.js';
import { startRun } from './run-start.js';

const Tenant = z.object({ tenant: idOption() });
const ListOptions = z.object({
  tenant: idOption(),
  status: z.optional(z.enum(['active', 'paused', 'failed', 'completed'])),
  limit: z._default(intOption(1, 1000), 50),
});
const TailOptions = z.object({
  tenant: idOption(),
  sinceSeq: z._default(intOption(0, Number.MAX_SAFE_INTEGER), 0),
  follow: z._default(z.boolean(), false),
  pollMs: z._default(intOption(100, 10_000), 1000),
  idleTimeout: z.optional(intOption(1, 86_400)),
});
const SummaryOptions = z.object({ tenant: idOption(), type: z.optional(z.string()), limit: z._default(z.coerce.number().check(z.int()), 20) });
const VerifyOptions = z.object({ tenant: idOption(), sealKeyId: z.optional(z.string().check(z.minLength(1))) });
const EventsOptions = z.object({ tenant: idOption(), decrypt: z._default(z.boolean(), false) });

/** The seal verifier: the local Ed25519 public key, or the KMS seal key's public key (`--seal-key-id` / `ARTANA_SEAL_KEY_ID`). */
function sealVerifier(ctx: CliContext, target: CliTarget, sealKeyId: string | undefined): () => Promise<SealVerifier> {
  return async () => {
    if (target.mode === 'local') return LocalSealVerifier.fromKeyFile(localPaths(target.options.dataDir).sealKeyFile);
    const keyId = sealKeyId ?? (ctx.env.ARTANA_SEAL_KEY_ID ? ctx.env.ARTANA_SEAL_KEY_ID : undefined);
    if (!keyId) throw new CliError('verifying a sealed run needs --seal-key-id or ARTANA_SEAL_KEY_ID', EXIT.usage);
    return new KmsSealVerifier({ client: new KMSClient({ region: target.region }), keyId });
  };
}

/**
 * `artana run …`: start, list, status, tail, verify-ledger, summaries, artifacts, events.
 * @example registerRunCommands(program, ctx); // artana run status r1 --tenant acme
 */
export function registerRunCommands(program: Command, ctx: CliContext): void {
  const run = program.command('run').description('start and inspect runs');
  const out = ctx.io.out;

  startRun(run, ctx);
  resumeCommand(run, ctx);

  run.command('list').description('runs of a tenant, most recently updated first')
    .requiredOption('--tenant <id>').option('--status <status>', 'active | paused | failed | completed').option('--limit <n>', 'at most N runs', '50')
    .action((_o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(ListOptions, cmd.opts());
      const { runs } = await target.store.listRuns(o.tenant, { limit: o.limit, ...(o.status ? { status: o.status } : {}) });
      const view = runs.map((h) => ({ runId: h.runId, status: h.status, updatedAt: h.updatedAt, harness: h.harness ?? null, lastSeq: h.lastSeq, spendUsd: h.spendUsd }));
      if (g.json) out(toJson({ tenantId: o.tenant, runs: view }));
      else for (const r of view) out(`${r.runId}\t${r.status}\t${r.updatedAt}\t${r.harness ?? '-'}`);
    }));

  run.command('status <runId>').description('status and progress of a run (decrypts the tail)').requiredOption('--tenant <id>')
    .action((runId: string, _o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(Tenant, cmd.opts());
      const session = await (await inspectionKernel(target)).openRun(await inspectionTenant(target, o.tenant), runId);
      const status = session.getRunStatus();
      const progress = session.getRunProgress();
      if (g.json) return out(toJson({ ...status, progress }));
      out(`${status.runId}\t${status.status}\tlast_seq=${status.lastEventSeq}\tupdated_at=${status.updatedAt ?? '-'}`);
      out(`progress\t${progress.percent}%\tstage=${progress.currentStage ?? '-'}\tspend_usd=${status.spendUsd}${status.failureReason ? `\tfailure=${status.failureReason}` : ''}`);
    }));

  run.command('tail <runId>').description('events as seq, timestamp, type, step key (no decryption)').requiredOption('--tenant <id>')
    .option('--since-seq <n>', 'only events after this seq', '0').option('--follow', 'keep polling for new events')
    .option('--poll-ms <ms>', 'polling interval with --follow (100–10000)', '1000').option('--idle-timeout <seconds>', 'stop following after this long without events')
    .action((runId: string, _o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(TailOptions, cmd.opts());
      await tailRun(ctx, target, o.tenant, runId, {
        sinceSeq: o.sinceSeq, follow: o.follow, pollMs: o.pollMs, ...(o.idleTimeout !== undefined ? { idleTimeoutMs: o.idleTimeout * 1000 } : {}),
      }, g.json);
    }));

  run.command('verify-ledger <runId>')
    .description('verify the hash chain against the head, and the seal of a sealed run (exit 1 when invalid; the chain needs no key)')
    .requiredOption('--tenant <id>').option('--seal-key-id <id>', 'KMS seal key (AWS; default ARTANA_SEAL_KEY_ID)')
    .action((runId: string, _o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(VerifyOptions, cmd.opts());
      const { chain: v, seal } = await verifyRunSeal(target.store, o.tenant, runId, {
        verifier: sealVerifier(ctx, target, o.sealKeyId), openSeal: (record) => openSealPayload(target, record),
      });
      const valid = v.valid && seal.valid;
      if (!valid) ctx.exitCode = EXIT.failure;
      if (g.json) return out(toJson({ runId, ...v, valid, ...(seal.sealed ? { seal } : {}) }));
      if (!v.valid) return out(`invalid\tseq=${v.firstInvalidSeq ?? '?'}\t${v.reason ?? ''}`);
      if (!seal.valid) return out(`invalid\tseq=${seal.seq ?? '?'}\t${seal.reason ?? ''}`);
      out(`valid\tchecked=${v.checked}${seal.sealed ? '\tsealed' : ''}`);
    }));

  run.command('summaries <runId>').description('run summaries (decrypted), the last N').requiredOption('--tenant <id>')
    .option('--type <summaryType>').option('--limit <n>', 'last N; 0 or less = all', '20')
    .action((runId: string, _o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(SummaryOptions, cmd.opts());
      const events = await (await inspectionKernel(target)).loadEvents(await inspectionTenant(target, o.tenant), runId);
      const summaries = selectSummaries(events, { limit: o.limit, ...(o.type !== undefined ? { type: o.type } : {}) });
      if (g.json) return out(toJson({ runId, summaries }));
      for (const s of summaries) out(`${s.seq}\t${s.summaryType}\t${s.stepKey ?? '-'}\t${JSON.stringify(s.summary)}`);
    }));

  run.command('artifacts <runId>').description('artifacts of a run (decrypted), sorted by key').requiredOption('--tenant <id>')
    .action((runId: string, _o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(Tenant, cmd.opts());
      const artifacts = (await (await inspectionKernel(target)).openRun(await inspectionTenant(target, o.tenant), runId)).listArtifacts();
      if (g.json) return out(toJson({ runId, artifacts }));
      for (const key of Object.keys(artifacts).sort()) out(`${key}\t${JSON.stringify(artifacts[key])}`);
    }));

  run.command('events <runId>').description('all events: envelope and payload metadata, or decrypted payloads with --decrypt')
    .requiredOption('--tenant <id>').option('--decrypt', 'decrypt payloads (needs the key)')
    .action((runId: string, _o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(EventsOptions, cmd.opts());
      if (o.decrypt) {
        const events = await (await inspectionKernel(target)).loadEvents(await inspectionTenant(target, o.tenant), runId);
        if (g.json) return out(toJson({ runId, events }));
        for (const e of events) out(`${tailLine(e)}\t${JSON.stringify(e.payload)}`);
        return;
      }
      const records = await target.store.loadEvents(o.tenant, runId);
      if (g.json) return out(toJson({ runId, events: records.map(envelopeView) }));
      for (const r of records) out(`${tailLine(r)}\t${r.payload.alg}\tdigest=${r.payload.digest.slice(0, 16)}`);
    }));
}

