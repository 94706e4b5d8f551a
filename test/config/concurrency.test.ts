import {
  concurrencyKeyValue,
  parseConcurrency,
  parseOverlap,
  storedConcurrency,
  storedOverlap,
} from '../../config/concurrency';

describe('parseConcurrency', () => {
  it('takes a limit, and a key into the event data', () => {
    expect(parseConcurrency({ limit: 2 })).toEqual({ limit: 2 });
    expect(parseConcurrency({ limit: 1, key: 'event.data.user_id' })).toEqual({ limit: 1, key: 'event.data.user_id' });
    expect(parseConcurrency({ limit: 1, key: 'event.data.team.id' })).toEqual({ limit: 1, key: 'event.data.team.id' });
  });

  it.each([
    [{ limit: 1, key: 'data.user_id' }, 'concurrency.key'],
    [{ limit: 1, key: 'event.name' }, 'concurrency.key'],
    [{ limit: 1, key: 'event.data' }, 'concurrency.key'],
    [{ limit: 1, key: 'event.data.' }, 'concurrency.key'],
    [{ limit: 1, key: 'event.data.a b' }, 'concurrency.key'],
    [{ limit: 1, key: 7 }, 'concurrency.key'],
    [{ limit: 0 }, 'concurrency.limit'],
    [{ limit: 101 }, 'concurrency.limit'],
    [{ limit: 1.5 }, 'concurrency.limit'],
    [{ key: 'event.data.user_id' }, 'concurrency.limit'],
    [{ limit: 1, per: 'user' }, 'concurrency.per'],
    [[1], 'concurrency'],
    [null, 'concurrency'],
  ])('refuses %j naming %s', (raw, field) => {
    expect(() => parseConcurrency(raw)).toThrow(expect.objectContaining({ field }));
  });
});

describe('parseOverlap', () => {
  it('knows skip, buffer_one and cancel_other only', () => {
    expect(['skip', 'buffer_one', 'cancel_other'].map((o) => parseOverlap(o))).toEqual([
      'skip',
      'buffer_one',
      'cancel_other',
    ]);
    expect(() => parseOverlap('queue')).toThrow(expect.objectContaining({ field: 'overlap' }));
  });
});

describe('stored values', () => {
  it('read as the defaults when absent or broken by a hand edit', () => {
    expect(storedConcurrency(null)).toEqual({ limit: 1 });
    expect(storedConcurrency({ limit: 'many' })).toEqual({ limit: 1 });
    expect(storedConcurrency({ limit: 3, key: 'event.data.user_id' })).toEqual({ limit: 3, key: 'event.data.user_id' });
    expect(storedOverlap(null)).toBe('skip');
    expect(storedOverlap('nonsense')).toBe('skip');
    expect(storedOverlap('cancel_other')).toBe('cancel_other');
  });
});

describe('concurrencyKeyValue', () => {
  it("is the event's value at the key, as text; '' without a key, an event or the field", () => {
    expect(concurrencyKeyValue('event.data.user_id', { user_id: 'u-1' })).toBe('u-1');
    expect(concurrencyKeyValue('event.data.user_id', { user_id: 42 })).toBe('42');
    expect(concurrencyKeyValue('event.data.team.id', { team: { id: 't-9' } })).toBe('t-9');
    expect(concurrencyKeyValue('event.data.team.id', { team: 't-9' })).toBe('');
    expect(concurrencyKeyValue('event.data.user_id', {})).toBe('');
    expect(concurrencyKeyValue('event.data.user_id', { user_id: null })).toBe('');
    expect(concurrencyKeyValue('event.data.user_id', undefined)).toBe('');
    expect(concurrencyKeyValue(undefined, { user_id: 'u-1' })).toBe('');
  });
});
