// Tests of static/js/core/conditions.js; the shared cases are the Python tests' cases too
// (tests/runtime/expr/condition_cases.json), so both sides keep the same semantics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ConditionError, evaluateCondition, fieldRefs } from '../../static/js/core/conditions.js';

const shared = JSON.parse(
  readFileSync(new URL('../runtime/expr/condition_cases.json', import.meta.url), 'utf8'),
);

for (const { name, tree, expected } of shared.cases) {
  test(`shared case: ${name}`, () => {
    assert.equal(evaluateCondition(tree, shared.values), expected);
  });
}

test('missing values object reads every field as null', () => {
  assert.equal(evaluateCondition({ field: 'a', op: 'is_empty' }, undefined), true);
});

test('decimal comparison is exact past float precision', () => {
  const values = { a: '0.30000000000000000001', b: '12345678901234567890.5' };
  assert.equal(evaluateCondition({ field: 'a', op: 'gt', value: 0.3 }, values), true);
  assert.equal(
    evaluateCondition({ field: 'b', op: 'gt', value: '12345678901234567890.49' }, values),
    true,
  );
  assert.equal(evaluateCondition({ field: 'b', op: 'eq', value: '1.23456789012345678905e19' }, values), true);
});

test('negative and zero numbers order correctly', () => {
  const values = { a: '-0.5', z: '-0.00' };
  assert.equal(evaluateCondition({ field: 'a', op: 'lt', value: 0 }, values), true);
  assert.equal(evaluateCondition({ field: 'a', op: 'gt', value: -1 }, values), true);
  assert.equal(evaluateCondition({ field: 'z', op: 'eq', value: 0 }, values), true);
});

test('formula leaves throw unless a formula callback is given', () => {
  const tree = { all: [{ formula: '{amount} > 5' }] };
  assert.throws(() => evaluateCondition(tree, {}), ConditionError);
  const seen = [];
  const formula = (text) => { seen.push(text); return true; };
  assert.equal(evaluateCondition(tree, {}, { formula }), true);
  assert.deepEqual(seen, ['{amount} > 5']);
});

test('unknown ops and invalid fields throw with a pointer', () => {
  assert.throws(
    () => evaluateCondition({ all: [{ field: 'a', op: 'is_empty' }, { field: 'a', op: 'bogus' }] }, {}),
    (error) => error instanceof ConditionError && error.pointer === '/all/1/op',
  );
  assert.throws(
    () => evaluateCondition({ field: '__proto__', op: 'is_empty' }, {}),
    (error) => error instanceof ConditionError && error.pointer === '/field',
  );
  assert.throws(() => evaluateCondition([], {}), ConditionError);
});

test('fieldRefs lists every key read, columns by their list field', () => {
  const tree = {
    all: [
      { field: 'city', op: 'eq', value: '北京' },
      { field: 'items.amount', op: 'contains', value: { field: 'target' } },
      { not: { field: 'qty', op: 'between', value: [{ field: 'low' }, 5] } },
      { any: [{ formula: 'IF({amount} > 5, "{fake}", {discount.x})' }] },
    ],
  };
  assert.deepEqual(
    [...fieldRefs(tree)].sort(),
    ['amount', 'city', 'discount', 'items', 'low', 'qty', 'target'],
  );
});
