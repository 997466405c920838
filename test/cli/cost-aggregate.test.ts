import { describe, expect, it } from 'vitest';
import { formatCsv, formatTable } from '../../lib/cli/cli-output.js';
import { aggregateCost, costRows, parseDimensions, type MeterRow } from '../../lib/cli/cost-aggregate.js';
import { meterRowOfExportLine } from '../../lib/cli/cost-sources.js';

const row = (tenantId: string, model: string, timestamp: string, costUsd: number): MeterRow =>
  ({ tenantId, model, timestamp, costUsd, promptTokens: 2, completionTokens: 1 });

describe('aggregateCost', () => {
  describe('when rows span tenants, models and days', () => {
    const rows = [
      row('a', 'm1', '2026-01-01T23:59:59.999Z', 0.1), row('a', 'm1', '2026-01-01T00:00:00.000Z', 0.2),
      row('a', 'm2', '2026-01-02T00:00:00.000Z', 1), row('b', 'm1', '2026-01-01T05:00:00.000Z', 3),
    ];

    it('sums per UTC day without float noise when grouped by tenant and day', () => {
      expect(aggregateCost(rows, ['tenant', 'day'])).toEqual([
        { tenant: 'a', day: '2026-01-01', costUsd: 0.3, promptTokens: 4, completionTokens: 2, calls: 2 },
        { tenant: 'a', day: '2026-01-02', costUsd: 1, promptTokens: 2, completionTokens: 1, calls: 1 },
        { tenant: 'b', day: '2026-01-01', costUsd: 3, promptTokens: 2, completionTokens: 1, calls: 1 },
      ]);
    });

    it('applies the tenant filter, the inclusive from and the exclusive to', () => {
      const groups = aggregateCost(rows, ['model'], { tenant: 'a', from: '2026-01-01T00:00:00.001Z', to: '2026-01-02' });
      expect(groups).toEqual([{ model: 'm1', costUsd: 0.1, promptTokens: 2, completionTokens: 1, calls: 1 }]);
    });
  });
});

describe('parseDimensions', () => {
  it('defaults to tenant, model, day when none is given', () => {
    expect(parseDimensions([])).toEqual(['tenant', 'model', 'day']);
  });

  it('merges repeated and comma-separated values without duplicates', () => {
    expect(parseDimensions(['day,tenant', 'day'])).toEqual(['day', 'tenant']);
  });

  it('returns an error message for an unknown dimension', () => {
    expect(parseDimensions(['run'])).toBe("unknown --by dimension 'run' (tenant, model, day)");
  });
});

describe('cost output', () => {
  const { header, rows } = costRows([{ tenant: 'a,b', costUsd: 0.5, promptTokens: 1, completionTokens: 2, calls: 3 }], ['tenant']);

  it('quotes CSV fields that contain commas', () => {
    expect(formatCsv(header, rows)).toBe('tenant,cost_usd,prompt_tokens,completion_tokens,calls\n"a,b",0.500000,1,2,3');
  });

  it('aligns table columns', () => {
    expect(formatTable(['x', 'y'], [['long', '1']])).toBe('x     y\nlong  1');
  });
});

describe('meterRowOfExportLine', () => {
  it('reads the metering attributes of a model_terminal item', () => {
    const line = JSON.stringify({ Item: {
      runId: { S: 'r' }, seq: { N: '2' }, eventType: { S: 'model_terminal' }, tenantId: { S: 't' }, model: { S: 'm' },
      timestamp: { S: '2026-01-01T00:00:00.000Z' }, costUsd: { N: '0.25' }, promptTokens: { N: '3' }, completionTokens: { N: '4' },
    } });
    expect(meterRowOfExportLine(line)).toEqual({ tenantId: 't', model: 'm', timestamp: '2026-01-01T00:00:00.000Z', costUsd: 0.25, promptTokens: 3, completionTokens: 4 });
  });

  it('skips heads and other events', () => {
    expect(meterRowOfExportLine(JSON.stringify({ Item: { runId: { S: 'r' }, seq: { N: '0' }, tenantId: { S: 't' } } }))).toBeUndefined();
  });

  it('throws on a line that is not a DynamoDB JSON item', () => {
    expect(() => meterRowOfExportLine('{"runId":"r"}')).toThrow(/not a DynamoDB JSON item/);
  });
});
