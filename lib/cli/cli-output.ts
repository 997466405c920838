import { isKernelError } from '../errors.js';

/** Exit codes of `artana`: 0 success, 1 a failed check (invalid ledger, doctor failure, runtime error), 2 usage or configuration. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * An error the CLI reports as `error: <message>` with its exit code.
 * @example throw new CliError('run r1 not found', EXIT.failure);
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Where commands write; `process.stdout`/`stderr` in the binary, buffers in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => { process.stdout.write(`${line}\n`); },
  err: (line) => { process.stderr.write(`${line}\n`); },
};

/** JSON with sorted keys (stable output for scripts and diffs), like the reference CLI. */
export function toJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** Exit code for an error escaping a command: configuration and validation problems are usage errors (2). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (isKernelError(error) && (error.code === 'configuration' || error.code === 'validation_failed')) return EXIT.usage;
  return EXIT.failure;
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Renders rows as an aligned text table (header first).
 * @example formatTable(['tenant', 'cost'], [['acme', '1.5']]) // 'tenant  cost\nacme    1.5'
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Renders rows as RFC 4180 CSV (fields with commas, quotes or newlines are quoted).
 * @example formatCsv(['a'], [['x,y']]) // 'a\n"x,y"'
 */
export function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (c: string) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n');
}
