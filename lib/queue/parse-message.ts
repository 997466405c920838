import { InvalidMessageError, PayloadTooLargeError } from '../errors.js';
import { MAX_MESSAGE_BYTES, StepMessage } from './messages.js';

/**
 * Parses an SQS body into a `StepMessage`: size-checked, JSON, then the zod contract (unknown fields rejected).
 * Errors say what is wrong without echoing the body (it may hold secrets).
 * @example parseStepMessage('{"type":"start_run","tenantId":"t1","harness":"report"}')
 */
export function parseStepMessage(body: string): StepMessage {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new PayloadTooLargeError(`Message body is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES}.`, { bytes, limit: MAX_MESSAGE_BYTES });
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidMessageError('Message body is not valid JSON.', { bytes });
  }
  const parsed = StepMessage.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message }));
    throw new InvalidMessageError(`Message does not match the step message contract: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`, { issues });
  }
  return parsed.data;
}
