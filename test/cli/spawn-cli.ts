import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(repoRoot, 'lib/cli/main.ts');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `artana` entry point in a child process (`node --import tsx lib/cli/main.ts …`).
 * @example const { code, stdout } = await artana(['--data-dir', dir, 'tenant', 'list']);
 */
export function artana(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ARTANA_TABLE_NAME: '', ARTANA_QUEUE_URL: '', ARTANA_KMS_KEY_ID: '', ...env },
      timeout: 60_000,
    }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Lines of stdout, without the trailing empty one. */
export const linesOf = (r: CliResult): string[] => r.stdout.split('\n').filter((l) => l.length > 0);
