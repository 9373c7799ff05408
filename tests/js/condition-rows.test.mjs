// The condition builder's negated single conditions, field bounds of `between`, row tests over a
// line-items field and formula leaves (static/js/core/condition-tree.js and condition-builder.js
// on the fake document) — run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { FakeElement, installFakeDocument } from './fake-dom.mjs';

const fakeDocument = installFakeDocument();
// The formula editor writes its result with `textContent =`: give the fake elements that setter.
const getter = Object.getOwnPropertyDescriptor(FakeElement.prototype, 'textContent').get;
Object.defineProperty(FakeElement.prototype, 'textContent', {
  get: getter,
  set(text) {
    this.children = [fakeDocument.createTextNode(text)];
  },
});
const ct = await import('../../static/js/core/condition-tree.js');
const { conditionBuilder } = await import('../../static/js/core/condition-builder.js');
const { evaluateCondition } = await import('../../static/js/core/conditions.js');

const AMOUNT = { key: 'amount', type: 'money', label: { 'zh-CN': '金额', en: 'Amount' } };
const LOW = { key: 'low', type: 'number', label: { 'zh-CN': '下限', en: 'Low' } };
const HIGH = { key: 'high', type: 'number', label: { 'zh-CN': '上限', en: 'High' } };
const NOTE = { key: 'note', type: 'text', label: { 'zh-CN': '备注', en: 'Note' } };
const ITEMS = {
  key: 'items', type: 'line_items', label: { 'zh-CN': '报价明细', en: 'Lines' },
  columns: [
    { key: 'product', type: 'select', label: { 'zh-CN': '产品', en: 'Product' }, options: [{ value: '标准版' }, { value: '试用版' }] },
    { key: 'amount', type: 'money', label: { 'zh-CN': '金额', en: 'Amount' } },
    { key: 'cost', type: 'money', label: { 'zh-CN': '成本', en: 'Cost' } },
  ],
};
const EXTRAS = { key: 'extras', type: 'line_items', label: { 'zh-CN': '附加', en: 'Extras' }, columns: [{ key: 'code', type: 'text' }] };

const walk = (/** @type {any} */ root) => [...root.walk()];
const rowAt = (/** @type {any} */ root, /** @type {string} */ path) => walk(root).find((el) => el.dataset.condPath === path);
const inputOf = (/** @type {any} */ root, /** @type {string} */ cond) => walk(root).find((el) => el.dataset.cond === cond);
const buttonOf = (/** @type {any} */ root, /** @type {string} */ action) => walk(root).find((el) => el.dataset.condAction === action);
/** Pick `value` in a select or type it into an input, then fire `change`. */
const choose = (/** @type {any} */ el, /** @type {string} */ value) => {
  el.value = value;
  el.dispatch('change');
};
const built = (/** @type {any} */ tree, /** @type {any} */ extra = {}) => {
  /** @type {any[]} */
  const seen = [];
  const root = conditionBuilder(tree, { fields: [AMOUNT, LOW, HIGH, NOTE, ITEMS, EXTRAS], onChange: (next) => seen.push(next), locale: 'zh-CN', ...extra });
  return { root, seen };
};

test('a single condition is negated and the negation taken away again; nothing else moves', () => {
  const leaf = { field: 'amount', op: 'gt', value: 10 };
  const start = { all: [leaf, { field: 'note', op: 'is_empty' }] };
  const negated = ct.toggleNot(start, [0]);
  assert.deepEqual(negated, { all: [{ not: leaf }, { field: 'note', op: 'is_empty' }] });
  assert.deepEqual(ct.toggleNot(negated, [0]), start);
  assert.deepEqual(start.all[0], leaf, 'the tree given is not changed');
  // a negated group stays a group mode of its own; toggling it wraps it once more
  assert.deepEqual(ct.toggleNot({ all: [{ not: { any: [] } }] }, [0]), { all: [{ not: { not: { any: [] } } }] });
  assert.throws(() => ct.toggleNot(start, []), /root/);
  assert.equal(evaluateCondition(negated, { amount: 5 }), true);
  assert.equal(evaluateCondition(negated, { amount: 50 }), false);

  const { root, seen } = built({ all: [leaf] });
  buttonOf(rowAt(root, '0'), 'negate').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [{ not: leaf }] });
  const box = rowAt(root, '0');
  assert.equal(box.dataset.condNot, '');
  assert.match(box.textContent, /不满足/);
  // the inner row has no negate button of its own (no double negation), the box has "取消取反"
  assert.equal(buttonOf(rowAt(root, '0.not'), 'negate'), undefined);
  const undo = buttonOf(box, 'negate');
  assert.equal(undo.textContent, '取消取反');
  undo.dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [leaf] });
  // editing inside the negation keeps it
  buttonOf(rowAt(root, '0'), 'negate').dispatch('click');
  choose(inputOf(rowAt(root, '0.not'), 'value'), '20');
  assert.deepEqual(seen.at(-1), { all: [{ not: { field: 'amount', op: 'gt', value: 20 } }] });
});

test('between takes a field for either bound', () => {
  const fields = ct.expandFields([AMOUNT, LOW, HIGH, NOTE]);
  const leaf = { field: 'amount', op: 'between', value: [1, 100] };
  const low = ct.setBoundSource(leaf, 0, 'field', fields, AMOUNT);
  assert.deepEqual(low, { field: 'amount', op: 'between', value: [{ field: 'low' }, 100] });
  const both = ct.setBoundSource(low, 1, 'field', fields, AMOUNT, 'high');
  assert.deepEqual(both.value, [{ field: 'low' }, { field: 'high' }]);
  assert.deepEqual(ct.setBoundSource(both, 0, 'value', fields, AMOUNT).value, [null, { field: 'high' }]);
  assert.throws(() => ct.setBoundSource({ field: 'amount', op: 'gt', value: 1 }, 0, 'field', fields, AMOUNT), /no bounds/);
  assert.equal(evaluateCondition(both, { amount: '50.00', low: 10, high: 60 }), true);
  assert.equal(evaluateCondition(both, { amount: '50.00', low: 10, high: 40 }), false);
  // a pair naming a field loses it when that field becomes the subject
  assert.deepEqual(ct.changeField(both, AMOUNT, LOW).value, [null, null]);

  const { root, seen } = built({ all: [leaf] });
  const sourceLow = inputOf(rowAt(root, '0'), 'source-low');
  assert.deepEqual(sourceLow.all('option').map((o) => o.textContent), ['值', '另一字段']);
  choose(sourceLow, 'field');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'between', value: [{ field: 'low' }, 100] }] });
  const lowField = inputOf(rowAt(root, '0'), 'value-field-low');
  assert.deepEqual(lowField.all('option').map((o) => o.textContent), ['下限', '上限']);
  choose(inputOf(rowAt(root, '0'), 'source-high'), 'field');
  choose(inputOf(rowAt(root, '0'), 'value-field-high'), 'high');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'between', value: [{ field: 'low' }, { field: 'high' }] }] });
  assert.equal(inputOf(rowAt(root, '0'), 'value-low'), undefined);
});

test('row tests: the line-items field, some / every, and columns read from the row', () => {
  const rowFields = ct.expandFields([AMOUNT, ITEMS, EXTRAS], ['items']);
  assert.deepEqual(rowFields.slice(0, 3).map((f) => [f.key, f.row]), [['items.product', true], ['items.amount', true], ['items.cost', true]]);
  const extrasCode = rowFields.find((f) => f.key === 'extras.code');
  assert.equal(extrasCode?.column, true, 'another line-items field stays a whole column');
  const amountInRow = rowFields[1];
  assert.deepEqual(ct.opsOf(amountInRow), ct.opsFor('money'), 'a row column gets its type\'s operators');
  assert.deepEqual(ct.comparableFields(rowFields, amountInRow).map((f) => f.key), ['items.cost', 'amount'],
    'the same row\'s other column and record fields of the kind');
  assert.deepEqual(ct.newRowTest(ITEMS), { some: 'items', where: { all: [{ field: 'items.product', op: 'eq', value: '标准版' }] } });
  assert.deepEqual(ct.rowFields([AMOUNT, ITEMS, { key: 'bare', type: 'line_items' }]).map((f) => f.key), ['items']);

  const { root, seen } = built(null);
  buttonOf(rowAt(root, ''), 'add-rows').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [{ some: 'items', where: { all: [{ field: 'items.product', op: 'eq', value: '标准版' }] } }] });
  const head = rowAt(root, '0');
  assert.equal(head.dataset.condRows, 'some');
  assert.deepEqual(inputOf(head, 'rows-field').all('option').map((o) => o.textContent), ['报价明细', '附加']);
  assert.deepEqual(inputOf(head, 'rows-mode').all('option').map((o) => o.textContent), ['有一行满足', '每一行都满足']);
  // inside, the row's columns come first and use their own types
  const field = inputOf(rowAt(root, '0.where.0'), 'field');
  assert.deepEqual(field.all('option').map((o) => o.getAttribute('value')).slice(0, 4), ['items.product', 'items.amount', 'items.cost', 'amount']);
  choose(field, 'items.amount');
  choose(inputOf(rowAt(root, '0.where.0'), 'op'), 'gt');
  choose(inputOf(rowAt(root, '0.where.0'), 'value'), '10000');
  assert.deepEqual(seen.at(-1), { all: [{ some: 'items', where: { all: [{ field: 'items.amount', op: 'gt', value: 10000 }] } }] });
  // a second condition on the same row: the product is the trial edition
  buttonOf(rowAt(root, '0.where'), 'add-leaf').dispatch('click');
  choose(inputOf(rowAt(root, '0.where.1'), 'value'), '试用版');
  const some = seen.at(-1);
  assert.deepEqual(some.all[0].where.all[1], { field: 'items.product', op: 'eq', value: '试用版' });
  const record = { items: [{ product: '标准版', amount: '20000.00' }, { product: '试用版', amount: '0' }] };
  assert.equal(evaluateCondition(some, record), false, 'the two conditions hold on different rows only');
  assert.equal(evaluateCondition(some, { items: [{ product: '试用版', amount: '20000.00' }] }), true);
  // every row
  choose(inputOf(rowAt(root, '0'), 'rows-mode'), 'every');
  assert.deepEqual(Object.keys(seen.at(-1).all[0]), ['every', 'where']);
  assert.deepEqual(seen.at(-1).all[0].where, some.all[0].where);
  // the where group has no remove of its own; the row test's remove takes it all
  assert.equal(walk(rowAt(root, '0.where')).filter((el) => el.dataset.condAction === 'remove' && el.parentNode?.parentNode === rowAt(root, '0.where')).length, 0);
  // another line-items field starts the condition afresh on its first column
  choose(inputOf(rowAt(root, '0'), 'rows-field'), 'extras');
  assert.deepEqual(seen.at(-1), { all: [{ every: 'extras', where: { all: [{ field: 'extras.code', op: 'eq', value: '' }] } }] });
  buttonOf(rowAt(root, '0'), 'negate').dispatch('click');
  assert.deepEqual(Object.keys(seen.at(-1).all[0]), ['not']);
  buttonOf(rowAt(root, '0'), 'remove').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [] });
});

test('a row condition compares one column with another of the same row', () => {
  const { root, seen } = built({ all: [{ every: 'items', where: { all: [{ field: 'items.amount', op: 'gte', value: 0 }] } }] });
  choose(inputOf(rowAt(root, '0.where.0'), 'source'), 'field');
  assert.deepEqual(seen.at(-1).all[0].where.all[0], { field: 'items.amount', op: 'gte', value: { field: 'items.cost' } });
  const tree = seen.at(-1);
  assert.equal(evaluateCondition(tree, { items: [{ amount: 5, cost: 3 }, { amount: '7.00', cost: '7' }] }), true);
  assert.equal(evaluateCondition(tree, { items: [{ amount: 5, cost: 3 }, { amount: 6, cost: 7 }] }), false);
  assert.equal(evaluateCondition(tree, { items: [] }), true, 'every row of no rows');
});

test('formula leaves: added, edited as text, never stored empty', () => {
  const { root, seen } = built({ all: [] });
  buttonOf(rowAt(root, ''), 'add-formula').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [{ formula: 'TRUE' }] });
  const text = inputOf(rowAt(root, '0'), 'formula');
  assert.equal(text.value, 'TRUE');
  choose(text, '{amount} > {low} * 2');
  assert.deepEqual(seen.at(-1), { all: [{ formula: '{amount} > {low} * 2' }] });
  const count = seen.length;
  choose(inputOf(rowAt(root, '0'), 'formula'), '   ');
  assert.equal(seen.length, count, 'an empty formula is not stored');
  buttonOf(rowAt(root, '0'), 'negate').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [{ not: { formula: '{amount} > {low} * 2' } }] });
});

test('with the formula option, formula leaves get the formula editor and its live value', async () => {
  /** @type {any[]} */
  const asked = [];
  const evaluate = async (/** @type {string} */ expression, /** @type {any} */ sample) => {
    asked.push([expression, sample]);
    return { ok: true, value: true, text: '是' };
  };
  const { root, seen } = built({ all: [{ formula: '{amount} > 5' }] }, { formula: { functions: [{ name: 'SUM' }], evaluate } });
  const editor = walk(root).find((el) => el.dataset.formulaEditor !== undefined);
  assert.ok(editor, 'the formula editor is drawn');
  const chips = walk(editor).filter((el) => el.dataset.insertField);
  assert.deepEqual(chips.map((el) => el.dataset.insertField).slice(0, 3), ['amount', 'low', 'high']);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(asked[0][0], '{amount} > 5');
  const text = walk(editor).find((el) => el.tagName === 'TEXTAREA' && el.getAttribute('name')?.endsWith('.formula'));
  choose(text, 'SUM({items.amount}) > 5');
  assert.deepEqual(seen.at(-1), { all: [{ formula: 'SUM({items.amount}) > 5' }] });
});
