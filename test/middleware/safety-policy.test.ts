import { describe, expect, it } from 'vitest';
import { ConfigurationError, PolicyViolationError } from '../../lib/errors.js';
import { resolveDottedPath, SafetyPolicyMiddleware } from '../../lib/middleware/index.js';
import { tenant } from './fixtures.js';

const request = (toolName: string, args: unknown) => ({ runId: 'r', tenant: tenant(), toolName, argumentsJson: JSON.stringify(args) });
const caught = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (e: unknown) => e);

const safety = new SafetyPolicyMiddleware({
  tools: {
    transfer: { amountArgPath: 'payment.amount', maxAmountUsdPerCall: 100, requiredArgTrue: ['confirmed'] },
    send_email: { emailDomainAllowlist: { field: 'to', allowedDomains: ['Example.com'] } },
    refund: { amountArgPath: 'amount' },
    delete_file: { custom: (args) => (String(args['path']).startsWith('/etc') ? 'system paths are off limits' : undefined) },
  },
});

describe('SafetyPolicyMiddleware', () => {
  describe('when a tool has no policy', () => {
    it('passes the request through untouched', async () => {
      // Act
      const result = await safety.prepareToolRequest({ ...request('search', {}), argumentsJson: 'not json' });
      // Assess
      expect(result).toEqual({ argumentsJson: 'not json' });
    });
  });

  describe('when every rule of the tool passes', () => {
    it('allows the call and reports the amount', async () => {
      // Prepare
      const draft = request('transfer', { payment: { amount: '99.5' }, confirmed: true });
      // Act
      const result = await safety.prepareToolRequest(draft);
      // Assess
      expect(result).toEqual({ argumentsJson: draft.argumentsJson, amountUsd: 99.5 });
    });
  });

  describe('when a rule is broken', () => {
    it.each([
      ['the amount exceeds the maximum', 'transfer', { payment: { amount: 150 }, confirmed: true }, 'tool_amount_exceeded'],
      ['the amount is missing', 'transfer', { confirmed: true }, 'tool_amount_missing'],
      ['the amount is a boolean', 'transfer', { payment: { amount: true }, confirmed: true }, 'tool_amount_invalid'],
      ['a required flag is not literally true', 'transfer', { payment: { amount: 1 }, confirmed: 'yes' }, 'invariant_violation'],
      ['the email domain is not allowed', 'send_email', { to: 'eve@evil.test' }, 'invariant_violation'],
      ['the email field is not an email', 'send_email', { to: 'example.com' }, 'invariant_violation'],
      ['a custom rule objects', 'delete_file', { path: '/etc/passwd' }, 'invariant_violation'],
      ['the arguments are not a JSON object', 'transfer', [1, 2], 'tool_arguments_invalid'],
    ])('denies with PolicyViolationError when %s', async (_case, toolName, args, policyCode) => {
      // Act
      const error = await caught(safety.prepareToolRequest(request(toolName, args)));
      // Assess
      expect(error).toBeInstanceOf(PolicyViolationError);
      expect(error).toMatchObject({ details: { toolName, policyCode } });
    });
  });

  describe('when the email domain differs only in case', () => {
    it('allows it', async () => {
      await expect(safety.prepareToolRequest(request('send_email', { to: 'Bob@EXAMPLE.com' }))).resolves.toBeDefined();
    });
  });

  describe('when an amount path is set without a maximum', () => {
    it('reports the amount, or none when it is absent', async () => {
      // Act
      const withAmount = await safety.prepareToolRequest(request('refund', { amount: 12 }));
      const without = await safety.prepareToolRequest(request('refund', {}));
      // Assess
      expect(withAmount.amountUsd).toBe(12);
      expect(without).not.toHaveProperty('amountUsd');
    });
  });

  describe('when the configuration is inconsistent', () => {
    it('refuses a maximum without an amount path', () => {
      expect(() => new SafetyPolicyMiddleware({ tools: { t: { maxAmountUsdPerCall: 5 } } })).toThrow(ConfigurationError);
    });

    it('refuses an empty domain allowlist', () => {
      expect(() => new SafetyPolicyMiddleware({ tools: { t: { emailDomainAllowlist: { field: 'to', allowedDomains: [] } } } })).toThrow(
        ConfigurationError,
      );
    });
  });
});

describe('resolveDottedPath', () => {
  describe('when the path walks objects', () => {
    it('returns the value, and undefined for arrays, empty segments or missing keys', () => {
      const value = { a: { b: 1, list: [{ c: 2 }] } };
      expect(resolveDottedPath(value, 'a.b')).toBe(1);
      expect(resolveDottedPath(value, 'a.list.0.c')).toBeUndefined();
      expect(resolveDottedPath(value, 'a..b')).toBeUndefined();
      expect(resolveDottedPath(value, 'a.toString')).toBeUndefined();
    });
  });
});
