import type { Command } from 'commander';
import * as z from 'zod/mini';
import { CliError, EXIT, type CliIo } from './cli-output.js';
import { openTarget, parseGlobalOptions, type CliTarget, type GlobalOptions } from './cli-target.js';

/** What commands share: output, environment, an abort signal (SIGINT) and the exit code to end with. */
export interface CliContext {
  readonly io: CliIo;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  exitCode: number;
}

/**
 * Parses a command's options (commander hands strings) with a zod schema; a bad value is a usage error (exit 2).
 * @example const o = parseOptions(RunListOptions, cmd.opts());
 */
export function parseOptions<T extends z.ZodMiniType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CliError(`invalid options: ${z.prettifyError(parsed.error)}`, EXIT.usage);
  return parsed.data;
}

/** The global options of `cmd` (flags, then environment). */
export const globalsOf = (ctx: CliContext, cmd: Command): GlobalOptions => parseGlobalOptions(cmd.optsWithGlobals(), ctx.env);

/**
 * Opens the target for one command and always closes it (the local dynalite must release its files).
 * @example await withTarget(ctx, cmd, async (target, g) => { … });
 */
export async function withTarget(ctx: CliContext, cmd: Command, fn: (target: CliTarget, g: GlobalOptions) => Promise<void>): Promise<void> {
  const g = globalsOf(ctx, cmd);
  const target = await openTarget(g);
  try {
    await fn(target, g);
  } finally {
    await target.close();
  }
}

/** A positive integer option given as a string. */
export const intOption = (min: number, max: number) => z.coerce.number().check(z.int(), z.gte(min), z.lte(max));
/** A tenant or run identifier option. */
export const idOption = () => z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'expected an identifier'));
