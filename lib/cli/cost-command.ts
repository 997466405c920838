import type { Command } from 'commander';
import * as z from 'zod/mini';
import { LOCAL } from '../runtime/local/local-config.js';
import { CliError, EXIT, formatCsv, formatTable, toJson } from './cli-output.js';
import { globalsOf, parseOptions, withTarget, type CliContext } from './cli-context.js';
import { aggregateCost, costRows, parseDimensions, type CostDimension, type CostFilter, type MeterRow } from './cost-aggregate.js';
import { exportMeterRows, scanMeterRows } from './cost-sources.js';

const IsoDate = z.string().check(z.refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'expected an ISO date'));
const CostOptions = z.object({
  tenant: z.optional(z.string()),
  from: z.optional(IsoDate),
  to: z.optional(IsoDate),
  by: z._default(z.array(z.string()), []),
  format: z._default(z.enum(['table', 'json', 'csv']), 'table'),
  export: z.optional(z.string().check(z.minLength(1))),
});

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

async function collectRows(source: AsyncIterable<MeterRow>): Promise<MeterRow[]> {
  const rows: MeterRow[] = [];
  for await (const row of source) rows.push(row);
  return rows;
}

/**
 * `artana cost`: model cost and tokens by tenant, model and UTC day, from the table (Scan of `model_terminal` items'
 * clear metering attributes) or from a DynamoDB export (`--export DIR|s3://…`). No key is needed either way.
 * @example artana cost --tenant acme --from 2026-01-01 --by tenant,day --format csv
 */
export function registerCostCommand(program: Command, ctx: CliContext): void {
  program.command('cost').description('model cost by tenant, model and day (table Scan or DynamoDB export)')
    .option('--tenant <id>').option('--from <iso>', 'inclusive lower bound').option('--to <iso>', 'exclusive upper bound')
    .option('--by <dims>', 'tenant | model | day; repeatable or comma list (default tenant,model,day)', collect)
    .option('--format <format>', 'table | json | csv (--json implies json)', 'table')
    .option('--export <location>', 'a DynamoDB export (DYNAMODB_JSON): local directory or s3://bucket/prefix')
    .action(async (_o, cmd: Command) => {
      const g = globalsOf(ctx, cmd);
      const o = parseOptions(CostOptions, cmd.opts());
      const dims = parseDimensions(o.by);
      if (typeof dims === 'string') throw new CliError(dims, EXIT.usage);
      const filter: CostFilter = { ...(o.tenant ? { tenant: o.tenant } : {}), ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) };
      let rows: MeterRow[] = [];
      if (o.export) rows = await collectRows(exportMeterRows(o.export, { region: g.region ?? LOCAL.region }));
      else await withTarget(ctx, cmd, async (target) => { rows = await collectRows(scanMeterRows(target.dynamo, target.tableName, filter)); });
      printCost(ctx, aggregateCost(rows, dims, filter), dims, g.json ? 'json' : o.format, o.export ? 'export' : 'table');
    });
}

function printCost(ctx: CliContext, groups: ReturnType<typeof aggregateCost>, dims: CostDimension[], format: 'table' | 'json' | 'csv', source: string): void {
  if (format === 'json') {
    const total = groups.reduce((n, g) => n + g.costUsd, 0);
    ctx.io.out(toJson({ source, by: dims, groups, totalCostUsd: Math.round(total * 1e9) / 1e9 }));
    return;
  }
  const { header, rows } = costRows(groups, dims);
  ctx.io.out(format === 'csv' ? formatCsv(header, rows) : formatTable(header, rows));
}
