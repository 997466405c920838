import type { Command } from 'commander';
import * as z from 'zod/mini';
import { TenantRecord } from '../models/index.js';
import { CliError, EXIT, toJson } from './cli-output.js';
import { idOption, parseOptions, withTarget, type CliContext } from './cli-context.js';

const PutOptions = z.object({
  tenant: idOption(),
  capabilities: z._default(z.string(), ''),
  budgetUsd: z.coerce.number().check(z.positive()),
  tenantBudgetUsd: z.optional(z.coerce.number().check(z.positive())),
});
const Tenant = z.object({ tenant: idOption() });

/** `capabilities` flag → sorted, de-duplicated list (`a,b , a` → `[a, b]`). */
export const parseCapabilities = (flag: string): string[] =>
  [...new Set(flag.split(',').map((c) => c.trim()).filter((c) => c.length > 0))].sort();

const line = (t: TenantRecord): string =>
  `${t.tenantId}\t${t.enabled ? 'enabled' : 'disabled'}\tbudget_usd=${t.budgetUsdLimit}\ttenant_budget_usd=${t.tenantBudgetUsdLimit ?? '-'}\tcapabilities=${t.capabilities.join(',') || '-'}`;

/**
 * `artana tenant put | get | list | disable`: the tenant registry (capabilities and budgets are granted here, never by
 * queue messages).
 * @example artana tenant put --tenant acme --capabilities reports:publish --budget-usd 2 --tenant-budget-usd 100
 */
export function registerTenantCommands(program: Command, ctx: CliContext): void {
  const tenant = program.command('tenant').description('the tenant registry');
  const out = ctx.io.out;

  tenant.command('put').description('create or replace a tenant (enabled)')
    .requiredOption('--tenant <id>').option('--capabilities <list>', 'comma-separated capabilities', '')
    .requiredOption('--budget-usd <n>', 'per-run budget in USD').option('--tenant-budget-usd <n>', 'budget across all runs of the tenant, USD')
    .action((_o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(PutOptions, cmd.opts());
      const now = new Date().toISOString();
      const existing = await target.tenants.get(o.tenant);
      const record = TenantRecord.parse({
        tenantId: o.tenant, capabilities: parseCapabilities(o.capabilities), budgetUsdLimit: o.budgetUsd,
        ...(o.tenantBudgetUsd !== undefined ? { tenantBudgetUsdLimit: o.tenantBudgetUsd } : {}),
        enabled: true, createdAt: existing?.createdAt ?? now, updatedAt: now,
      });
      await target.tenants.put(record);
      out(g.json ? toJson(record) : line(record));
    }));

  tenant.command('get').description('one tenant').requiredOption('--tenant <id>')
    .action((_o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(Tenant, cmd.opts());
      const record = await target.tenants.get(o.tenant);
      if (!record) throw new CliError(`tenant ${o.tenant} is not registered`, EXIT.failure);
      out(g.json ? toJson(record) : line(record));
    }));

  tenant.command('list').description('all tenants')
    .action((_o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const tenants = (await target.tenants.list()).sort((a, b) => a.tenantId.localeCompare(b.tenantId));
      if (g.json) return out(toJson({ tenants }));
      for (const t of tenants) out(line(t));
    }));

  tenant.command('disable').description('refuse new steps of the tenant\'s runs').requiredOption('--tenant <id>')
    .action((_o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(Tenant, cmd.opts());
      if (!(await target.tenants.get(o.tenant))) throw new CliError(`tenant ${o.tenant} is not registered`, EXIT.failure);
      await target.tenants.disable(o.tenant, new Date().toISOString());
      out(g.json ? toJson({ tenantId: o.tenant, enabled: false }) : `${o.tenant}\tdisabled`);
    }));
}
