import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeOf, messageOf, type CliIo } from './cli-output.js';
import type { CliContext } from './cli-context.js';
import { registerRunCommands } from './run-commands.js';
import { registerTenantCommands } from './tenant-commands.js';
import { registerCostCommand } from './cost-command.js';
import { registerDoctorCommand } from './doctor-command.js';

/** The `artana` command tree with its global target options. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('artana')
    .description('Artana for AWS: inspect, verify and administer runs (local data directory by default, AWS with --table)')
    .option('--data-dir <path>', 'local data directory', '.artana')
    .option('--table <name>', 'ledger table in AWS (env ARTANA_TABLE_NAME)')
    .option('--queue-url <url>', 'step queue URL (env ARTANA_QUEUE_URL)')
    .option('--region <region>', 'AWS region (env AWS_REGION)')
    .option('--kms-key-id <id>', 'KMS key for --decrypt in AWS (env ARTANA_KMS_KEY_ID)')
    .option('--endpoint <url>', 'DynamoDB-compatible endpoint (DynamoDB Local, dynalite)')
    .option('--json', 'machine-readable output', false)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.io.err(s.replace(/\n$/, '')),
    });
  registerRunCommands(program, ctx);
  registerTenantCommands(program, ctx);
  registerCostCommand(program, ctx);
  registerDoctorCommand(program, ctx);
  for (const group of program.commands) group.exitOverride();
  return program;
}

/**
 * Runs `artana` with `args` (without `node` and the script) and returns the exit code: 0 ok, 1 failure, 2 usage or
 * configuration. Errors are printed as `error: <message>` on stderr.
 * @example process.exitCode = await runCli(process.argv.slice(2), processIo, process.env, signal);
 */
export async function runCli(args: readonly string[], io: CliIo, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<number> {
  const ctx: CliContext = { io, env, signal, exitCode: EXIT.ok };
  try {
    await buildProgram(ctx).parseAsync([...args], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (help, version, usage error).
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    io.err(`error: ${messageOf(error)}`);
    return exitCodeOf(error);
  }
}
