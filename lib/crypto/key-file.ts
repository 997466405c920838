import { mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../errors.js';

/**
 * Creates a secret file exclusively with mode 0600 (its folder 0700) holding `contents`; returns false when the file
 * already exists (the caller then reads it with `readSecretFile`). Used by the local payload key and the local
 * ledger-signing key.
 * @example if (!(await createSecretFile(file, pem))) pem = await readSecretFile(file);
 */
export async function createSecretFile(file: string, contents: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return false;
    throw new ConfigurationError(`Cannot create key file ${file}.`, { file }, { cause: error });
  }
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/** Reads a secret file, refusing one that group or others may read or write (`ConfigurationError` with the fix). */
export async function readSecretFile(file: string): Promise<string> {
  const info = await stat(file);
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new ConfigurationError(
      `Key file ${file} is accessible to group or others (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
      { file },
    );
  }
  return readFile(file, 'utf8');
}
