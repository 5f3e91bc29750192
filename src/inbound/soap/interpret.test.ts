import { newMessageId, newSortableId } from '../../store/ids';
import { receivedAtOfMessageId } from './interpret';

describe('receivedAtOfMessageId', () => {
  it('reads back the millisecond a message id was made at', () => {
    const at = Date.parse('2026-11-25T20:23:21.221Z');
    expect(receivedAtOfMessageId(`msg_${newSortableId(at)}`)).toBe('2026-11-25T20:23:21.221Z');
  });

  it('gives the same time for the same id, whenever it is asked (a retried job)', () => {
    const before = Date.now();
    const id = newMessageId();
    const after = Date.now();
    const first = receivedAtOfMessageId(id);
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(first)).toBeLessThanOrEqual(after);
    expect(receivedAtOfMessageId(id)).toBe(first);
  });

  it('refuses an id that carries no time', () => {
    expect(() => receivedAtOfMessageId('msg_123')).toThrow(/carries no time/);
    expect(() => receivedAtOfMessageId('msg_0000000000!')).not.toThrow();
    expect(() => receivedAtOfMessageId('msg_00000000I0')).toThrow(/carries no time/);
  });
});
