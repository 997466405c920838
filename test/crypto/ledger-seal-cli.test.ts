import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPayloadCipher } from '../../lib/crypto/local-payload-cipher.js';
import { openTarget, parseGlobalOptions } from '../../lib/cli/cli-target.js';
import { ArtanaKernel, MockModelPort } from '../../lib/kernel/index.js';
import { localPaths } from '../../lib/runtime/local/local-config.js';
import { artana, linesOf } from '../cli/spawn-cli.js';
import { tenant } from './ledger-seal-fixtures.js';

let dir: string;
let local: (...args: string[]) => ReturnType<typeof artana>;

beforeAll(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'artana-seal-cli-')), '.artana');
  local = (...args) => artana(['--data-dir', dir, ...args]);
  const put = await local('tenant', 'put', '--tenant', 'acme', '--capabilities', 'reports:publish', '--budget-usd', '2', '--tenant-budget-usd', '50');
  expect(put.code, put.stderr).toBe(0);
  const start = await local('run', 'start', '--tenant', 'acme', '--harness', 'report', '--run-id', 'r1', '--input', '{"topic":"seals"}');
  expect(start.code, start.stderr).toBe(0);
}, 90_000);

afterAll(async () => { await rm(path.dirname(dir), { recursive: true, force: true }); });

describe('artana run verify-ledger on a sealed local run', () => {
  describe('when the run completed through the local runtime', () => {
    it('reports the chain valid and the run sealed', async () => {
      const r = await local('run', 'verify-ledger', 'r1', '--tenant', 'acme');
      expect(r.code, r.stderr).toBe(0);
      expect(linesOf(r)).toEqual([expect.stringMatching(/^valid\tchecked=\d+\tsealed$/)]);
      const tail = linesOf(await local('run', 'tail', 'r1', '--tenant', 'acme'));
      expect(tail.at(-1)).toMatch(/\tledger_sealed\t/);
    }, 30_000);
  });

  describe('when an event is appended after the seal', () => {
    it('reports the seal invalid at that event and exits 1', async () => {
      const target = await openTarget(parseGlobalOptions({ dataDir: dir }, {}));
      let lastSeq: number;
      try {
        const kernel = new ArtanaKernel({ store: target.store, cipher: await LocalPayloadCipher.fromKeyFile(localPaths(dir).keyFile), modelPort: new MockModelPort({ output: {} }) });
        const run = await kernel.openRun(tenant(), 'r1');
        lastSeq = (await run.appendEvent('harness_stage', { stage: 'after-the-fact' })).seq;
        await run.commit();
      } finally {
        await target.close();
      }
      const r = await local('run', 'verify-ledger', 'r1', '--tenant', 'acme');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^invalid\\tseq=${lastSeq}\\t.*after the seal`));
    }, 30_000);
  });
});
