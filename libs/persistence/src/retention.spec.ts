import { validateRule, type CheckpointedRule } from './retention';

const ledger: CheckpointedRule = {
  name: 'ledger', table: 's.ledger', checkpoints: 's.checkpoints', windowMs: 1_000,
  consumer: { expression: 't.consumer' }, topic: { expression: 't.topic' }, partition: { expression: 't.partition' },
  offset: 't."offset"', processedAt: 'processed_at',
};

describe('validateRule', () => {
  it('takes a rule by column, by predicate of the cutoff, or a checkpointed ledger', () => {
    expect(() => validateRule({ name: 'a', table: 's.items', windowMs: 1, age: { column: 'created_at' } })).not.toThrow();
    expect(() => validateRule({ name: 'a', table: 's.items', windowMs: 1, age: { predicate: 'coalesce(t.a, t.b) < $1' } })).not.toThrow();
    expect(() => validateRule(ledger)).not.toThrow();
  });

  it.each([
    ['a table without its schema', { name: 'a', table: 'items', windowMs: 1, age: { column: 'created_at' } }, /schema-qualified/],
    ['a table name that is no identifier', { name: 'a', table: 's.items; drop table x', windowMs: 1, age: { column: 'created_at' } }, /not a safe SQL identifier/],
    ['a column that is no identifier', { name: 'a', table: 's.items', windowMs: 1, age: { column: 'created_at or true' } }, /not a safe SQL identifier/],
    ['a predicate that ignores the cutoff', { name: 'a', table: 's.items', windowMs: 1, age: { predicate: 't.done' } }, /\$1/],
    ['no window', { name: 'a', table: 's.items', windowMs: 0, age: { column: 'created_at' } }, /window must be positive/],
    ['a ledger without a part that varies', { ...ledger, consumer: { value: 'c' }, topic: { value: 't' }, partition: { value: 0 } }, /varies/],
    ['a partition that is no whole number', { ...ledger, partition: { value: 1.5 } }, /whole number/],
  ])('refuses %s', (_, rule, error) => {
    expect(() => validateRule(rule as never)).toThrow(error);
  });
});
