import { describe, expect, it } from 'vitest';
import { ConfigurationError, DependencyUnavailableError, InvalidMessageError, PayloadTooLargeError, ValidationError } from '../../lib/errors.js';
import { toQueueError } from '../../lib/queue/index.js';

const sdkError = (name: string, status?: number, fault?: 'client' | 'server') =>
  Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: status === undefined ? {} : { httpStatusCode: status } });

describe('toQueueError', () => {
  describe('when SQS throttles or fails on its side', () => {
    it.each([
      ['RequestThrottled', 400],
      ['ThrottlingException', 400],
      ['InternalError', 500],
      ['ServiceUnavailable', 503],
      ['SomethingNew', 502],
    ])('maps %s (%i) to DependencyUnavailableError', (name, status) => {
      const error = toQueueError(sdkError(name, status), { operation: 'SendMessage' });

      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error.details).toMatchObject({ operation: 'SendMessage', sdkError: name, httpStatus: status });
    });
  });

  describe('when the network fails', () => {
    it('maps a connection error to DependencyUnavailableError', () => {
      const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

      expect(toQueueError(refused, {})).toBeInstanceOf(DependencyUnavailableError);
    });
  });

  describe('when the request itself is wrong', () => {
    it('maps a missing queue to ConfigurationError, an oversized body to PayloadTooLargeError, other 4xx to ValidationError', () => {
      expect(toQueueError(sdkError('QueueDoesNotExist', 400, 'client'), {})).toBeInstanceOf(ConfigurationError);
      expect(toQueueError(sdkError('AccessDenied', 403, 'client'), {})).toBeInstanceOf(ConfigurationError);
      expect(toQueueError(sdkError('MessageTooLong', 400, 'client'), {})).toBeInstanceOf(PayloadTooLargeError);
      expect(toQueueError(sdkError('InvalidParameterValue', 400, 'client'), {})).toBeInstanceOf(ValidationError);
    });
  });

  describe('when the error is already a KernelError', () => {
    it('returns it unchanged', () => {
      const original = new InvalidMessageError('bad');

      expect(toQueueError(original, {})).toBe(original);
    });
  });
});
