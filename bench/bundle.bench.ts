/**
 * Worker bundle size and cold import time against a bundle of only the AWS SDK clients the worker uses, both
 * built in this run with the settings of `cdk/function-defaults.ts` (minified ESM, node22, SDK bundled).
 * Run: `npm run bench -- bundle`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import type { BenchSection } from './run.js';
import { ESM_REQUIRE_BANNER } from '../cdk/function-defaults.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKER_ENTRY = path.join(ROOT, 'functions', 'step-worker.ts');
/** Cold imports per bundle; raise with `BENCH_BUNDLE_RUNS` on a noisy machine. */
const RUNS = Math.max(1, Number(process.env.BENCH_BUNDLE_RUNS ?? 5) || 5);

/** SDK packages and the client class the baseline instantiates, as the worker does at module scope. */
const SDK_CLIENTS: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/lib-dynamodb': 'DynamoDBDocumentClient',
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-kms': 'KMSClient',
  '@aws-sdk/client-s3': 'S3Client',
  '@aws-sdk/client-bedrock-runtime': 'BedrockRuntimeClient',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
  '@aws-sdk/client-firehose': 'FirehoseClient',
};

const bundle = async (entry: string, outfile: string): Promise<Metafile> => {
  const result = await build({
    entryPoints: [entry], outfile, bundle: true, minify: true, format: 'esm', platform: 'node', target: 'node22',
    mainFields: ['module', 'main'], banner: { js: ESM_REQUIRE_BANNER }, metafile: true, logLevel: 'error',
  });
  return result.metafile;
};

/** Which SDK client packages ended up in the worker bundle, read from esbuild's metafile. */
const sdkPackagesIn = (metafile: Metafile): string[] => Object.keys(SDK_CLIENTS)
  .filter((pkg) => Object.keys(metafile.inputs).some((input) => input.includes(`node_modules/${pkg}/`)));

const baselineSource = (packages: string[]): string => {
  const lines = packages.filter((p) => p !== '@aws-sdk/lib-dynamodb').map((pkg, i) =>
    `import { ${SDK_CLIENTS[pkg]} as C${i} } from '${pkg}';\nexport const c${i} = new C${i}({});`);
  if (packages.includes('@aws-sdk/lib-dynamodb')) {
    lines.push("import { DynamoDBClient as D } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
      'export const doc = DynamoDBDocumentClient.from(new D({}));');
  }
  return lines.join('\n') + '\n';
};

/** Bytes in the output per npm package (or `(project)` for this repository's code), largest first. */
const largestPackages = (metafile: Metafile, limit: number): Array<[string, number]> => {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match?.[1] ?? '(project)';
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
};

const BENCH_ENV = {
  ...process.env, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ARTANA_TABLE_NAME: 'bench-ledger',
  ARTANA_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench.fifo',
  ARTANA_KMS_KEY_ID: 'arn:aws:kms:us-east-1:123456789012:key/bench', ARTANA_PAYLOAD_BUCKET: 'bench-payloads',
  ARTANA_MODEL: 'mock', POWERTOOLS_SERVICE_NAME: 'bench', POWERTOOLS_METRICS_NAMESPACE: 'Artana',
};

/** CPU milliseconds to import the bundle in a fresh `node` process (what a Lambda cold start pays for init). */
const importMs = (file: string): number => {
  // CPU time (user + system, all threads) rather than wall time: on a shared 2-core machine wall time mostly
  // measures the neighbours, while the CPU work to load and evaluate the module is what a cold start pays.
  const script = `const c=process.cpuUsage();await import(${JSON.stringify(pathToFileURL(file).href)});const d=process.cpuUsage(c);process.stdout.write(String((d.user+d.system)/1000));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: BENCH_ENV, encoding: 'utf8' });
  const ms = Number(child.stdout);
  if (child.status !== 0 || !Number.isFinite(ms)) throw new Error(`bench/bundle: importing ${file} failed: ${child.stderr}`);
  return ms;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const spread = (values: number[]): number => Math.max(...values) / Math.min(...values);
const round = (n: number, digits: number): number => Number(n.toFixed(digits));

export default async function bundleBench(): Promise<BenchSection> {
  if (!existsSync(WORKER_ENTRY)) {
    throw new Error('bench/bundle: functions/step-worker.ts does not exist yet, so there is no worker bundle to measure');
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'artana-bundle-'));
  try {
    const workerOut = path.join(dir, 'worker.mjs');
    const workerMeta = await bundle(WORKER_ENTRY, workerOut);
    const packages = sdkPackagesIn(workerMeta);
    if (packages.length === 0) throw new Error('bench/bundle: the worker bundle contains no AWS SDK client; nothing to compare against');
    const baselineEntry = path.join(dir, 'sdk-baseline.mjs');
    await writeFile(baselineEntry, baselineSource(packages));
    const baselineOut = path.join(dir, 'sdk-baseline.bundle.mjs');
    // Resolve the SDK from this repository although the entry sits in a temp directory.
    await build({
      entryPoints: [baselineEntry], outfile: baselineOut, bundle: true, minify: true, format: 'esm', platform: 'node',
      target: 'node22', mainFields: ['module', 'main'], banner: { js: ESM_REQUIRE_BANNER }, nodePaths: [path.join(ROOT, 'node_modules')], logLevel: 'error',
    });
    const workerBytes = (await stat(workerOut)).size;
    const baselineBytes = (await stat(baselineOut)).size;
    const workerMs: number[] = [];
    const baselineMs: number[] = [];
    importMs(baselineOut); // one untimed import each, so both start with the file in the page cache
    importMs(workerOut);
    for (let i = 0; i < RUNS; i += 1) { // interleaved, so drift in machine load hits both alike
      baselineMs.push(importMs(baselineOut));
      workerMs.push(importMs(workerOut));
    }
    const sizeRatio = workerBytes / baselineBytes;
    const initRatio = median(workerMs) / median(baselineMs);
    return {
      title: 'Step-worker bundle vs. AWS SDK clients only',
      command: 'npm run bench -- bundle',
      metrics: {
        'bundle.worker_kb': round(workerBytes / 1024, 1),
        'bundle.worker_size_ratio_vs_sdk': round(sizeRatio, 3),
        'bundle.worker_init_ratio_vs_sdk': round(initRatio, 3),
      },
      markdown: [
        `Both bundles: esbuild, minified ESM, \`platform: node\`, \`target: node22\`, the \`createRequire\` banner, SDK bundled (as \`cdk/function-defaults.ts\` deploys it). Target: both ratios ≤ 1.15.`,
        '',
        `Baseline: a module that instantiates only the SDK clients found in the worker bundle (${packages.map((p) => `\`${p}\``).join(', ')}); commands the worker sends count towards the worker.`,
        '',
        '| bundle | minified size (KB) |',
        '|---|---|',
        `| worker | ${round(workerBytes / 1024, 1)} |`,
        `| SDK clients only | ${round(baselineBytes / 1024, 1)} |`,
        '',
        'Largest contributors to the worker bundle (minified bytes in output, by package):',
        '',
        '| package | KB |',
        '|---|---|',
        ...largestPackages(workerMeta, 8).map(([pkg, bytes]) => `| \`${pkg}\` | ${round(bytes / 1024, 1)} |`),
        '',
        `Init ratio: median of ${RUNS} cold imports each (CPU time of \`await import(bundle)\` in a fresh \`node\` process, the init phase a Lambda cold start pays for module code), runs interleaved. Spread (max/min) in this run: worker ${round(spread(workerMs), 2)}, baseline ${round(spread(baselineMs), 2)}; a spread above the 1.15 target means the machine was too busy for the ratio to be conclusive.`,
      ].join('\n'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
