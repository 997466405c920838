import { describe, expect, it } from 'vitest';
import { luhnValid, PiiScrubberMiddleware, scrubJsonText, scrubText } from '../../lib/middleware/index.js';
import { invocation, tenant } from './fixtures.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('scrubText', () => {
  describe('when the text contains one kind of PII', () => {
    it.each([
      ['an email', 'mail bob.smith+x@example.co.uk now', 'mail [REDACTED_EMAIL] now'],
      ['a dashed US phone', 'call 555-123-4567 today', 'call [REDACTED_PHONE] today'],
      ['a bracketed US phone', 'call (555) 123-4567', 'call [REDACTED_PHONE]'],
      ['a +1 US phone', 'call +1 555 123 4567', 'call [REDACTED_PHONE]'],
      ['a spaced international phone', 'call +44 20 7946 0958.', 'call [REDACTED_PHONE].'],
      ['a compact E.164 phone', 'sms +4915112345678', 'sms [REDACTED_PHONE]'],
      ['a spaced Visa number', 'card 4111 1111 1111 1111 ok', 'card [REDACTED_CARD] ok'],
      ['a dashed Visa number', 'card 4111-1111-1111-1111', 'card [REDACTED_CARD]'],
      ['a 15-digit Amex number', 'amex 378282246310005', 'amex [REDACTED_CARD]'],
      ['a US SSN', 'ssn 123-45-6789', 'ssn [REDACTED_SSN]'],
      ['an AKIA access key id', 'key AKIAIOSFODNN7EXAMPLE', 'key [REDACTED_AWS_KEY]'],
      ['an ASIA access key id', 'key ASIAY34FZKBOKMUTVV7A', 'key [REDACTED_AWS_KEY]'],
      ['a secret key in context', `aws_secret_access_key=${SECRET} x`, 'aws_secret_access_key=[REDACTED_AWS_KEY] x'],
    ])('redacts %s', (_kind, input, expected) => {
      // Act
      const result = scrubText(input);
      // Assess
      expect(result).toBe(expected);
    });
  });

  describe('when a 16-digit number fails the Luhn check', () => {
    it('leaves it untouched, plain or spaced', () => {
      // Prepare
      const input = 'ref 4111111111111112 and 1234 5678 1234 5678';
      // Act
      const result = scrubText(input);
      // Assess
      expect(luhnValid('4111111111111112')).toBe(false);
      expect(result).toBe(input);
    });
  });

  describe('when the text has ordinary numbers', () => {
    it('leaves dates, amounts and short ids alone', () => {
      // Prepare
      const input = 'order 2024-01-15 total 42.50 qty 3 id 12345';
      // Act / Assess
      expect(scrubText(input)).toBe(input);
    });
  });

  describe('when secret-key redaction is turned off', () => {
    it('keeps the secret but still redacts key ids', () => {
      // Act
      const result = scrubText(`aws_secret_access_key=${SECRET} AKIAIOSFODNN7EXAMPLE`, { awsSecretKeys: false });
      // Assess
      expect(result).toBe(`aws_secret_access_key=${SECRET} [REDACTED_AWS_KEY]`);
    });
  });
});

describe('luhnValid', () => {
  describe('when given card-like digit strings', () => {
    it('accepts known test card numbers and rejects altered or non-digit ones', () => {
      expect(luhnValid('4111111111111111')).toBe(true);
      expect(luhnValid('5555555555554444')).toBe(true);
      expect(luhnValid('5555555555554445')).toBe(false);
      expect(luhnValid('12a4')).toBe(false);
    });
  });
});

describe('scrubJsonText', () => {
  describe('when the text is JSON', () => {
    it('redacts string values recursively, keeps keys and re-emits canonical JSON', () => {
      // Prepare
      const input = '{"z":"bob@example.com","bob@example.com":1,"a":[{"aws_secret_access_key":"' + SECRET + '"}],"n":2}';
      // Act
      const result = scrubJsonText(input);
      // Assess
      expect(result).toBe('{"a":[{"aws_secret_access_key":"[REDACTED_AWS_KEY]"}],"bob@example.com":1,"n":2,"z":"[REDACTED_EMAIL]"}');
    });
  });

  describe('when the text is not JSON', () => {
    it('redacts it as plain text', () => {
      expect(scrubJsonText('not json: bob@example.com')).toBe('not json: [REDACTED_EMAIL]');
    });
  });
});

describe('PiiScrubberMiddleware', () => {
  describe('when a model step carries PII in the prompt and messages', () => {
    it('redacts the prompt, message contents and tool-call arguments before the provider sees them', async () => {
      // Prepare
      const pii = new PiiScrubberMiddleware();
      const input = invocation({
        prompt: 'Email bob@example.com or call 555-123-4567',
        messages: [
          { role: 'user', content: 'my ssn is 123-45-6789' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'lookup', argumentsJson: '{"email":"bob@example.com"}' }] },
        ],
      });
      // Act
      const result = await pii.prepareModel(input);
      // Assess
      expect(result.prompt).toBe('Email [REDACTED_EMAIL] or call [REDACTED_PHONE]');
      expect(result.messages[0]?.content).toBe('my ssn is [REDACTED_SSN]');
      expect(result.messages[1]?.toolCalls?.[0]?.argumentsJson).toBe('{"email":"[REDACTED_EMAIL]"}');
      expect(result.model).toBe(input.model);
      expect(input.prompt).toContain('bob@example.com');
    });
  });

  describe('when a tool is called with PII in arguments and result', () => {
    it('redacts both', async () => {
      // Prepare
      const pii = new PiiScrubberMiddleware();
      const base = { runId: 'r', tenant: tenant(), toolName: 'charge' };
      // Act
      const request = await pii.prepareToolRequest({ ...base, argumentsJson: '{"card":"4111 1111 1111 1111","amount":5}' });
      const result = await pii.prepareToolResult({ ...base, resultJson: '{"receipt_to":"bob@example.com"}' });
      // Assess
      expect(request).toEqual({ argumentsJson: '{"amount":5,"card":"[REDACTED_CARD]"}' });
      expect(result).toBe('{"receipt_to":"[REDACTED_EMAIL]"}');
    });
  });

  describe('when a tool is exempt from argument scrubbing', () => {
    it('passes its arguments through but still redacts its result', async () => {
      // Prepare
      const pii = new PiiScrubberMiddleware({ exemptToolArguments: ['send_email'] });
      const base = { runId: 'r', tenant: tenant(), toolName: 'send_email' };
      // Act
      const request = await pii.prepareToolRequest({ ...base, argumentsJson: '{"to":"bob@example.com"}' });
      const result = await pii.prepareToolResult({ ...base, resultJson: '{"to":"bob@example.com"}' });
      // Assess
      expect(request.argumentsJson).toBe('{"to":"bob@example.com"}');
      expect(result).toBe('{"to":"[REDACTED_EMAIL]"}');
    });
  });
});
