import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import { StepKey, stableStepKey } from '../../lib/kernel/index.js';

describe('StepKey', () => {
  describe('when labels repeat', () => {
    it('counts per label starting at 1', () => {
      const keys = new StepKey('flow');
      expect([keys.next('draft'), keys.next('draft'), keys.next('verify'), keys.next('draft')])
        .toEqual(['flow_draft_1', 'flow_draft_2', 'flow_verify_1', 'flow_draft_3']);
    });
  });

  describe('when tokens contain punctuation or capitals', () => {
    it('normalizes them', () => {
      expect(new StepKey('Refactor Auth!').next('draft/model')).toBe('refactor_auth_draft_model_1');
    });
  });

  describe('when a second session replays the same calls', () => {
    it('produces the same keys', () => {
      const a = new StepKey('run');
      const b = new StepKey('run');
      expect([a.next('x'), a.next('x')]).toEqual([b.next('x'), b.next('x')]);
    });
  });

  describe('when the namespace or label is empty', () => {
    it('raises ValidationError', () => {
      expect(() => new StepKey('!!')).toThrow(ValidationError);
      expect(() => new StepKey('ok').next(' ')).toThrow(ValidationError);
    });
  });

  it('derives content-stable keys that change with the content', () => {
    expect(stableStepKey('Ask', 'm', 'p')).toBe(stableStepKey('ask', 'm', 'p'));
    expect(stableStepKey('ask', 'm', 'p')).not.toBe(stableStepKey('ask', 'm', 'q'));
    expect(stableStepKey('ask', 'm', 'p')).toMatch(/^ask_[0-9a-f]{12}$/);
  });
});
