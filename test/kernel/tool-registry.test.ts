import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ConfigurationError, ValidationError } from '../../lib/errors.js';
import { canonicalJson, canonicalizeJsonObject, sha256Hex } from '../../lib/crypto/index.js';
import type { ToolExecutionContext } from '../../lib/models/index.js';
import { ToolRegistry } from '../../lib/kernel/index.js';

const ctx: ToolExecutionContext = {
  runId: 'r', tenantId: 't', idempotencyKey: 'k', requestEventId: 'e', toolVersion: '1.0.0', schemaVersion: '1',
  tenantCapabilities: [], tenantBudgetUsdLimit: 1,
};

describe('ToolRegistry', () => {
  describe('when a tool is registered', () => {
    it('exposes a canonical JSON schema with types, enums, optionals, nested objects, lists and required fields', () => {
      const tools = new ToolRegistry();
      const def = tools.register({
        name: 'order', description: 'Places an order',
        arguments: z.strictObject({
          qty: z.int(), price: z.number(), gift: z.boolean(), color: z.enum(['red', 'blue']), note: z.optional(z.string()),
          address: z.strictObject({ city: z.string() }), tags: z.array(z.string()),
        }),
        handler: async () => 'ok',
      });
      const schema = z.object({
        type: z.literal('object'), required: z.array(z.string()), additionalProperties: z.literal(false),
        properties: z.record(z.string(), z.record(z.string(), z.unknown())),
      }).parse(JSON.parse(def.argumentsSchemaJson));
      expect(schema.properties['qty']?.['type']).toBe('integer');
      expect(schema.properties['price']?.['type']).toBe('number');
      expect(schema.properties['gift']?.['type']).toBe('boolean');
      expect(schema.properties['color']?.['enum']).toEqual(['red', 'blue']);
      expect(schema.properties['tags']?.['type']).toBe('array');
      expect(schema.properties['address']?.['type']).toBe('object');
      expect([...schema.required].sort()).toEqual(['address', 'color', 'gift', 'price', 'qty', 'tags']);
      expect(def.schemaHash).toBe(sha256Hex(def.argumentsSchemaJson));
      expect(def.argumentsSchemaJson).toBe(canonicalizeJsonObject(def.argumentsSchemaJson));
      expect(def).toMatchObject({ toolVersion: '1.0.0', schemaVersion: '1', riskLevel: 'medium', sideEffect: false, description: 'Places an order' });
    });

    it('reports definitions in registration order and the capability map', () => {
      const tools = new ToolRegistry();
      tools.register({ name: 'b', arguments: z.strictObject({}), requiresCapability: 'cap:b', riskLevel: 'high', sandboxProfile: 'payments', handler: async () => '' });
      tools.register({ name: 'a', arguments: z.strictObject({}), handler: async () => '' });
      expect(tools.definitions().map((d) => d.name)).toEqual(['b', 'a']);
      expect(tools.capabilityMap()).toEqual({ b: 'cap:b', a: undefined });
      expect(tools.definition('b')).toMatchObject({ riskLevel: 'high', sandboxProfile: 'payments' });
    });

    it('refuses a non-strict argument schema', () => {
      const tools = new ToolRegistry();
      expect(() => tools.register({ name: 'loose', arguments: z.object({ a: z.string() }), handler: async () => '' })).toThrow(ConfigurationError);
    });
  });

  describe('when a tool declares side effects', () => {
    it('refuses a handler that does not take the execution context', () => {
      const tools = new ToolRegistry();
      expect(() => tools.register({ name: 'write', arguments: z.strictObject({}), sideEffect: true, handler: async () => 'x' })).toThrow(/sideEffect/);
    });

    it('registers and passes the idempotency key when the handler takes the context', async () => {
      const tools = new ToolRegistry();
      tools.register({ name: 'write', arguments: z.strictObject({}), sideEffect: true, handler: async (_args, c) => c.idempotencyKey });
      expect(tools.definition('write').sideEffect).toBe(true);
      await expect(tools.invoke('write', {}, ctx)).resolves.toMatchObject({ outcome: 'success', resultJson: 'k' });
    });
  });

  describe('when arguments are validated', () => {
    const tools = new ToolRegistry();
    tools.register({ name: 'pay', arguments: z.strictObject({ accountId: z.string(), amount: z.number() }), handler: async () => '' });

    it('canonicalizes the accepted arguments', () => {
      expect(tools.parseArguments('pay', '{"amount":10.5,"accountId":"acc_1"}').argumentsJson).toBe('{"accountId":"acc_1","amount":10.5}');
    });

    it.each([
      ['missing field', { accountId: 'a' }],
      ['extra field', { accountId: 'a', amount: 1, x: 1 }],
      ['string for number', { accountId: 'a', amount: '1' }],
      ['non-object JSON', '[1]'],
    ])('rejects a %s with ValidationError', (_label, args) => {
      expect(() => tools.parseArguments('pay', args)).toThrow(ValidationError);
    });
  });

  describe('when a handler returns or throws', () => {
    it('maps objects to canonical JSON, explicit results through and unsupported values to permanent errors', async () => {
      const tools = new ToolRegistry();
      tools.register({ name: 'obj', arguments: z.strictObject({}), handler: async () => ({ b: 1, a: 2 }) });
      tools.register({ name: 'explicit', arguments: z.strictObject({}), handler: async () => ({ outcome: 'transient_error' as const, resultJson: '' }) });
      tools.register({ name: 'weird', arguments: z.strictObject({}), handler: async () => Promise.resolve(42 as unknown as string) });
      await expect(tools.invoke('obj', {}, ctx)).resolves.toMatchObject({ outcome: 'success', resultJson: '{"a":2,"b":1}' });
      await expect(tools.invoke('explicit', {}, ctx)).resolves.toMatchObject({ outcome: 'transient_error', receivedIdempotencyKey: 'k' });
      await expect(tools.invoke('weird', {}, ctx)).resolves.toMatchObject({ outcome: 'permanent_error' });
    });
  });
});

describe('canonical JSON', () => {
  it('sorts keys recursively without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [{ y: 0, x: 1 }] } })).toBe('{"a":{"c":[{"x":1,"y":0}],"d":2},"b":1}');
  });

  it('rejects non-object JSON text with ValidationError', () => {
    expect(() => canonicalizeJsonObject('[1,2]')).toThrow(ValidationError);
    expect(() => canonicalizeJsonObject('"x"')).toThrow('Expected a JSON object.');
  });
});
