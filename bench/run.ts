/**
 * `npm run bench`: runs every `bench/*.bench.ts` module, then writes `bench/results.json` (flat metric → number)
 * and `BENCHMARKS.md`. A module exports `default async function (): Promise<BenchSection>`.
 * Run one: `npm run bench -- crypto` (substring of the file name).
 */
import { readdir, writeFile, readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import os from 'node:os';

export interface BenchSection {
  title: string;
  /** Command that reproduces these numbers. */
  command: string;
  metrics: Record<string, number>;
  /** Markdown body: tables, notes. */
  markdown: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
const resultsPath = path.join(here, 'results.json');
const previous: Record<string, number> = JSON.parse(await readFile(resultsPath, 'utf8').catch(() => '{}'));
const sectionsPath = path.join(here, 'sections.json');
const sections: Record<string, BenchSection> = JSON.parse(await readFile(sectionsPath, 'utf8').catch(() => '{}'));

for (const file of files) {
  process.stdout.write(`bench: ${file} … `);
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { default: () => Promise<BenchSection> };
  const section = await mod.default();
  sections[file] = section;
  Object.assign(previous, section.metrics);
  console.log('done');
  for (const [k, v] of Object.entries(section.metrics)) console.log(`  ${k} = ${v}`);
}

await writeFile(resultsPath, JSON.stringify(previous, Object.keys(previous).sort(), 2) + '\n');
await writeFile(sectionsPath, JSON.stringify(sections, null, 2) + '\n');
const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const body = Object.keys(sections).sort().map((k) => {
  const s = sections[k]!;
  const rows = Object.entries(s.metrics).map(([m, v]) => `| \`${m}\` | ${v} |`).join('\n');
  return `## ${s.title}\n\nReproduce: \`${s.command}\`\n\n| metric | value |\n|---|---|\n${rows}\n\n${s.markdown}\n`;
});
await writeFile(path.join(here, '..', 'BENCHMARKS.md'),
  `# Benchmarks\n\nWritten by \`npm run bench\` (machine: ${machine}). Times are reported as ratios against a baseline measured in the same run; counts do not depend on the machine. Raw numbers: \`bench/results.json\`.\n\n${body.join('\n')}`);
