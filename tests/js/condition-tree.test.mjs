// static/js/core/condition-tree.js (pure tree edits) and core/condition-builder.js on the fake
// document (tests/js/fake-dom.mjs) — run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { installFakeDocument } from './fake-dom.mjs';

installFakeDocument();
const ct = await import('../../static/js/core/condition-tree.js');
const { conditionBuilder } = await import('../../static/js/core/condition-builder.js');
const { evaluateCondition } = await import('../../static/js/core/conditions.js');

const SOURCE = {
  key: 'source', type: 'select', label: { 'zh-CN': '来源', en: 'Source' },
  options: [{ value: 'web', label: { 'zh-CN': '官网' } }, { value: 'expo', label: { 'zh-CN': '展会' } }],
};
const AMOUNT = { key: 'amount', type: 'money', label: { 'zh-CN': '金额' } };
const NOTE = { key: 'note', type: 'textarea', label: { 'zh-CN': '备注' } };
const DUE = { key: 'due', type: 'date', label: { 'zh-CN': '截止日期' } };
const FIELDS = [SOURCE, AMOUNT, NOTE, DUE];

test('operators follow the field type', () => {
  assert.deepEqual(ct.opsFor('select'), ['eq', 'ne', 'in', 'not_in', 'is_empty', 'is_not_empty']);
  assert.ok(ct.opsFor('money').includes('between'));
  assert.ok(!ct.opsFor('money').includes('contains'));
  assert.ok(ct.opsFor('text').includes('starts_with'));
  assert.ok(!ct.opsFor('date').includes('contains'));
  assert.deepEqual(ct.opsFor('attachment'), ['is_empty', 'is_not_empty']);
  assert.deepEqual(ct.opsFor('no_such_type'), ct.ALL_OPS);
  assert.equal(ct.valueShape('is_empty'), 'none');
  assert.equal(ct.valueShape('between'), 'pair');
  assert.equal(ct.valueShape('not_in'), 'list');
  assert.equal(ct.inputKind(SOURCE), 'options');
  assert.equal(ct.inputKind(AMOUNT), 'number');
  assert.equal(ct.inputKind(DUE), 'date');
  assert.equal(ct.inputKind(NOTE), 'text');
});

test('a formula field follows its result type; an unknown one stores typed numbers as numbers', () => {
  const total = { key: 'total', type: 'formula', result: 'money' };
  assert.deepEqual(ct.opsOf(total), ct.opsFor('money'));
  assert.equal(ct.inputKind(total), 'number');
  const unknown = { key: 'total', type: 'formula' };
  assert.deepEqual(ct.opsOf(unknown), ct.ALL_OPS);
  assert.equal(ct.inputKind(unknown), 'any');
  assert.equal(ct.parseValue('300000', unknown), 300000);
  assert.equal(ct.parseValue('华东', unknown), '华东');
  assert.equal(ct.parseValue('300000', NOTE), '300000');
  assert.equal(ct.inputKind({ key: 'x', type: 'no_such_type' }), 'any');
});

test('the root is always a group', () => {
  assert.deepEqual(ct.rootGroup(null), { all: [] });
  const leaf = { field: 'note', op: 'is_empty' };
  assert.deepEqual(ct.rootGroup(leaf), { all: [leaf] });
  const group = { any: [leaf] };
  assert.equal(ct.rootGroup(group), group);
  assert.ok(ct.isEmptyTree({ all: [{ any: [] }] }));
  assert.ok(!ct.isEmptyTree({ all: [{ any: [leaf] }] }));
});

test('tree edits build new trees and leave the old one alone', () => {
  const start = { all: [] };
  const frozen = JSON.stringify(start);
  const one = ct.addLeaf(start, [], ct.newLeaf(SOURCE));
  assert.deepEqual(one, { all: [{ field: 'source', op: 'eq', value: 'web' }] });
  const two = ct.addGroup(one, [], 'any');
  const three = ct.addLeaf(two, [1], ct.newLeaf(AMOUNT));
  const four = ct.addLeaf(three, [1], ct.newLeaf(NOTE));
  assert.deepEqual(four, {
    all: [
      { field: 'source', op: 'eq', value: 'web' },
      { any: [{ field: 'amount', op: 'eq', value: null }, { field: 'note', op: 'eq', value: '' }] },
    ],
  });
  assert.equal(JSON.stringify(start), frozen);
  const five = ct.setAt(four, [1, 0], { field: 'amount', op: 'gt', value: 1000 });
  assert.deepEqual(ct.getAt(five, [1, 0]), { field: 'amount', op: 'gt', value: 1000 });
  assert.deepEqual(ct.getAt(four, [1, 0]), { field: 'amount', op: 'eq', value: null });
  const six = ct.setGroupKind(five, [1], 'all');
  assert.deepEqual(Object.keys(ct.getAt(six, [1])), ['all']);
  const seven = ct.removeAt(six, [1, 1]);
  assert.deepEqual(seven, { all: [{ field: 'source', op: 'eq', value: 'web' }, { all: [{ field: 'amount', op: 'gt', value: 1000 }] }] });
  assert.deepEqual(ct.removeAt(seven, [0]), { all: [{ all: [{ field: 'amount', op: 'gt', value: 1000 }] }] });
  assert.throws(() => ct.removeAt(seven, [5, 0]));
});

test('a not node is removed with its child and edited through it', () => {
  const tree = { any: [{ not: { field: 'note', op: 'is_empty' } }, { field: 'amount', op: 'lt', value: 5 }] };
  assert.deepEqual(ct.getAt(tree, [0, 'not']), { field: 'note', op: 'is_empty' });
  const edited = ct.setAt(tree, [0, 'not'], { field: 'note', op: 'is_not_empty' });
  assert.deepEqual(edited.any[0], { not: { field: 'note', op: 'is_not_empty' } });
  assert.deepEqual(ct.removeAt(tree, [0, 'not']), { any: [{ field: 'amount', op: 'lt', value: 5 }] });
});

test('changing the operator reshapes the value', () => {
  const leaf = { field: 'source', op: 'eq', value: 'expo' };
  assert.deepEqual(ct.changeOp(leaf, 'in', SOURCE), { field: 'source', op: 'in', value: ['expo'] });
  assert.deepEqual(ct.changeOp(leaf, 'is_empty', SOURCE), { field: 'source', op: 'is_empty' });
  assert.deepEqual(ct.changeOp({ field: 'source', op: 'in', value: ['web', 'expo'] }, 'eq', SOURCE),
    { field: 'source', op: 'eq', value: 'web' });
  assert.deepEqual(ct.changeOp({ field: 'amount', op: 'gt', value: 10 }, 'between', AMOUNT),
    { field: 'amount', op: 'between', value: [10, null] });
  assert.deepEqual(ct.changeOp({ field: 'amount', op: 'is_empty' }, 'gte', AMOUNT),
    { field: 'amount', op: 'gte', value: null });
});

test('changing the field keeps what still fits', () => {
  const leaf = { field: 'amount', op: 'gt', value: 10 };
  assert.deepEqual(ct.changeField(leaf, AMOUNT, { key: 'total', type: 'number' }), { field: 'total', op: 'gt', value: 10 });
  assert.deepEqual(ct.changeField(leaf, AMOUNT, SOURCE), { field: 'source', op: 'eq', value: 'web' });
  assert.deepEqual(ct.changeField({ field: 'note', op: 'contains', value: 'x' }, NOTE, DUE), { field: 'due', op: 'eq', value: null });
});

test('typed values are parsed for the field', () => {
  assert.equal(ct.parseValue('12.5', AMOUNT), 12.5);
  assert.equal(ct.parseValue('', AMOUNT), null);
  assert.equal(ct.parseValue('2026-01-31', DUE), '2026-01-31');
  assert.equal(ct.parseValue(' a ', NOTE), ' a ');
  assert.deepEqual(ct.parseList('1, 2，3、 ', AMOUNT), [1, 2, 3]);
  assert.deepEqual(ct.parseList('北京\n上海', NOTE), ['北京', '上海']);
});

/** @param {any} root @param {string} path */
const rowAt = (root, path) => [...root.walk()].find((el) => el.dataset.condPath === path);
/** @param {any} root @param {string} cond */
const inputOf = (root, cond) => [...root.walk()].find((el) => el.dataset.cond === cond);
/** @param {any} root @param {string} action */
const buttonOf = (root, action) => [...root.walk()].find((el) => el.dataset.condAction === action);

test('the builder shows labels, stores keys, and hands out new trees', () => {
  const seen = [];
  const start = { all: [] };
  const root = conditionBuilder(start, { fields: FIELDS, onChange: (tree) => seen.push(tree), locale: 'zh-CN' });
  assert.match(root.textContent, /无条件/);
  buttonOf(root, 'add-leaf').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'source', op: 'eq', value: 'web' }] });
  assert.deepEqual(start, { all: [] });
  const row = rowAt(root, '0');
  const fieldSelect = inputOf(row, 'field');
  assert.deepEqual(fieldSelect.all('option').map((o) => o.textContent), ['来源', '金额', '备注', '截止日期']);
  assert.deepEqual(fieldSelect.all('option').map((o) => o.getAttribute('value')), ['source', 'amount', 'note', 'due']);
  // The value picker shows the option labels.
  const valueSelect = inputOf(row, 'value');
  assert.deepEqual(valueSelect.all('option').map((o) => o.textContent), ['官网', '展会']);
  valueSelect.value = 'expo';
  valueSelect.dispatch('change');
  const tree = seen.at(-1);
  assert.deepEqual(tree, { all: [{ field: 'source', op: 'eq', value: 'expo' }] });
  assert.equal(evaluateCondition(tree, { source: 'expo' }), true);
  assert.equal(evaluateCondition(tree, { source: 'web' }), false);
  // The operator picker is limited to the type's operators.
  const opSelect = inputOf(rowAt(root, '0'), 'op');
  assert.deepEqual(opSelect.all('option').map((o) => o.getAttribute('value')), ct.opsFor('select'));
  opSelect.value = 'is_empty';
  opSelect.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'source', op: 'is_empty' }] });
  assert.equal(inputOf(rowAt(root, '0'), 'value'), undefined);
});

test('the builder edits numbers, pairs, lists, groups, and removes', () => {
  const seen = [];
  const root = conditionBuilder({ field: 'amount', op: 'gt', value: 1 }, { fields: FIELDS, onChange: (tree) => seen.push(tree), locale: 'en' });
  const number = inputOf(rowAt(root, '0'), 'value');
  assert.equal(number.getAttribute('type'), 'number');
  number.value = '50000';
  number.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'gt', value: 50000 }] });
  const op = inputOf(rowAt(root, '0'), 'op');
  op.value = 'between';
  op.dispatch('change');
  const high = inputOf(rowAt(root, '0'), 'value-high');
  high.value = '90000';
  high.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'between', value: [50000, 90000] }] });
  // A nested group, with an `in` list of options as checkboxes.
  buttonOf(rowAt(root, ''), 'add-group').dispatch('click');
  assert.deepEqual(seen.at(-1).all[1], { any: [] });
  const group = rowAt(root, '1');
  [...group.walk()].find((el) => el.dataset.condAction === 'add-leaf').dispatch('click');
  const inner = rowAt(root, '1.0');
  const innerOp = inputOf(inner, 'op');
  innerOp.value = 'in';
  innerOp.dispatch('change');
  const boxes = inputOf(rowAt(root, '1.0'), 'value-list').all('input');
  assert.deepEqual(seen.at(-1).all[1], { any: [{ field: 'source', op: 'in', value: ['web'] }] });
  assert.equal(boxes[0].checked, true);
  boxes[1].checked = true;
  boxes[1].dispatch('change');
  assert.deepEqual(seen.at(-1).all[1], { any: [{ field: 'source', op: 'in', value: ['web', 'expo'] }] });
  const again = inputOf(rowAt(root, '1.0'), 'value-list').all('input');
  again[0].checked = false;
  again[0].dispatch('change');
  assert.deepEqual(seen.at(-1).all[1], { any: [{ field: 'source', op: 'in', value: ['expo'] }] });
  const kind = inputOf(rowAt(root, '1'), 'kind');
  kind.value = 'all';
  kind.dispatch('change');
  assert.deepEqual(seen.at(-1).all[1], { all: [{ field: 'source', op: 'in', value: ['expo'] }] });
  buttonOf(rowAt(root, '1'), 'remove').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'between', value: [50000, 90000] }] });
  assert.equal(seen.length, 10);
});

test('a disabled builder has no buttons', () => {
  const root = conditionBuilder({ all: [{ field: 'note', op: 'is_empty' }] }, { fields: FIELDS, onChange: () => assert.fail('no edits'), disabled: true });
  assert.equal(buttonOf(root, 'add-leaf'), undefined);
  assert.equal(buttonOf(root, 'remove'), undefined);
});

// ---- not groups, field-to-field comparisons, line-item columns ----

const BUDGET = { key: 'budget', type: 'number', label: { 'zh-CN': '预算', en: 'Budget' } };
const ITEMS = {
  key: 'items', type: 'line_items', label: { 'zh-CN': '明细', en: 'Items' },
  columns: [
    { key: 'product', type: 'select', label: { 'zh-CN': '产品', en: 'Product' }, options: [{ value: 'A' }, { value: 'B' }] },
    { key: 'amount', type: 'money', label: { 'zh-CN': '金额', en: 'Amount' } },
  ],
};

test('groups read as all / any / not all / none, and turn into each other keeping their items', () => {
  const leaf = { field: 'note', op: 'is_empty' };
  assert.equal(ct.groupMode({ all: [] }), 'all');
  assert.equal(ct.groupMode({ not: { any: [leaf] } }), 'not_any');
  assert.equal(ct.groupMode({ not: { all: [] } }), 'not_all');
  assert.equal(ct.groupMode({ not: leaf }), null);
  assert.equal(ct.groupMode(leaf), null);
  const tree = { all: [leaf, { any: [leaf] }] };
  const none = ct.setGroupMode(tree, [1], 'not_any');
  assert.deepEqual(none, { all: [leaf, { not: { any: [leaf] } }] });
  assert.deepEqual(tree, { all: [leaf, { any: [leaf] }] }, 'the old tree is left alone');
  assert.deepEqual(ct.itemsPath(none.all[1], [1]), [1, 'not']);
  assert.deepEqual(ct.itemsPath(tree.all[1], [1]), [1]);
  const notAll = ct.setGroupMode(none, [1], 'not_all');
  assert.deepEqual(notAll.all[1], { not: { all: [leaf] } });
  assert.deepEqual(ct.setGroupMode(notAll, [1], 'any'), tree);
  assert.throws(() => ct.setGroupMode(tree, [], 'not_any'), /root/);
  assert.throws(() => ct.setGroupMode(tree, [0], 'any'), /not a group/);
  // Items of a not group are edited through its `not`.
  const added = ct.addLeaf(none, [1, 'not'], { field: 'amount', op: 'gt', value: 5 });
  assert.deepEqual(added.all[1], { not: { any: [leaf, { field: 'amount', op: 'gt', value: 5 }] } });
  assert.deepEqual(ct.removeAt(added, [1, 'not', 0]).all[1], { not: { any: [{ field: 'amount', op: 'gt', value: 5 }] } });
  assert.deepEqual(ct.removeAt(added, [1]), { all: [leaf] });
  assert.equal(evaluateCondition(none, { note: '', amount: 1 }), false);
  assert.equal(evaluateCondition({ all: [{ not: { any: [{ field: 'amount', op: 'gt', value: 5 }] } }] }, { amount: 1 }), true);
});

test('a field compares with another field of the same kind; the {field} value survives what it can', () => {
  const fields = [SOURCE, AMOUNT, NOTE, DUE, BUDGET, ITEMS];
  assert.deepEqual(ct.comparableFields(fields, AMOUNT).map((f) => f.key), ['budget']);
  assert.deepEqual(ct.comparableFields(fields, NOTE).map((f) => f.key), ['source']);
  assert.deepEqual(ct.comparableFields(fields, DUE).map((f) => f.key), []);
  assert.ok(ct.isFieldRef({ field: 'budget' }));
  assert.ok(!ct.isFieldRef({ field: 'budget', x: 1 }));
  assert.ok(!ct.isFieldRef('budget'));
  const leaf = { field: 'amount', op: 'gt', value: 10 };
  const ref = ct.setValueSource(leaf, 'field', fields, AMOUNT);
  assert.deepEqual(ref, { field: 'amount', op: 'gt', value: { field: 'budget' } });
  assert.deepEqual(ct.setValueSource(ref, 'value', fields, AMOUNT), { field: 'amount', op: 'gt', value: null });
  assert.equal(ct.setValueSource(leaf, 'value', fields, AMOUNT), leaf);
  assert.throws(() => ct.setValueSource({ field: 'amount', op: 'between', value: [1, 2] }, 'field', fields, AMOUNT), /setBoundSource/);
  assert.throws(() => ct.setValueSource({ field: 'amount', op: 'in', value: [1] }, 'field', fields, AMOUNT), /takes no field/);
  assert.throws(() => ct.setValueSource({ field: 'due', op: 'eq', value: null }, 'field', fields, DUE), /no field/);
  // Another one-value operator keeps the field, a pair keeps it as its low bound; a list starts afresh.
  assert.deepEqual(ct.changeOp(ref, 'lte', AMOUNT), { field: 'amount', op: 'lte', value: { field: 'budget' } });
  assert.deepEqual(ct.changeOp(ref, 'in', AMOUNT), { field: 'amount', op: 'in', value: [] });
  assert.deepEqual(ct.changeOp(ref, 'between', AMOUNT), { field: 'amount', op: 'between', value: [{ field: 'budget' }, null] });
  // Another number field keeps it; the compared field itself does not.
  const total = { key: 'total', type: 'number' };
  assert.deepEqual(ct.changeField(ref, AMOUNT, total), { field: 'total', op: 'gt', value: { field: 'budget' } });
  assert.deepEqual(ct.changeField(ref, AMOUNT, BUDGET), { field: 'budget', op: 'gt', value: null });
  assert.equal(evaluateCondition({ all: [ref] }, { amount: 12, budget: 10 }), true);
  assert.equal(evaluateCondition({ all: [ref] }, { amount: 8, budget: 10 }), false);
});

test('a line-items column is a field of its own, tested row by row', () => {
  const fields = ct.expandFields([AMOUNT, ITEMS]);
  assert.deepEqual(fields.map((f) => f.key), ['amount', 'items', 'items.product', 'items.amount']);
  const column = fields[3];
  assert.deepEqual(column.label, { 'zh-CN': '明细 › 金额', en: 'Items › Amount' });
  assert.equal(column.column, true);
  assert.deepEqual(ct.opsOf(column), ct.COLUMN_OPS);
  assert.deepEqual(ct.opsOf(fields[1]), ['is_empty', 'is_not_empty'], 'the list itself: empty or not');
  assert.equal(ct.inputKind(fields[2]), 'options');
  assert.deepEqual(ct.newLeaf(fields[2]), { field: 'items.product', op: 'contains', value: 'A' });
  assert.deepEqual(ct.expandFields([{ key: 'x', label: 'X', columns: [{ key: 'y' }] }])[1].label, 'X › y');
  const record = { items: [{ product: 'A', amount: '100.00' }, { product: 'B', amount: '600000.00' }] };
  const some = { all: [{ field: 'items.amount', op: 'contains', value: 600000 }] };
  assert.equal(evaluateCondition(some, record), true);
  assert.equal(evaluateCondition({ all: [{ field: 'items.product', op: 'not_in', value: ['C'] }] }, record), true);
  assert.equal(evaluateCondition({ all: [{ field: 'items.product', op: 'is_empty' }] }, { items: [] }), true);
});

test('the builder makes and edits a "none of" group and a field-to-field comparison', () => {
  const seen = [];
  const fields = [AMOUNT, BUDGET, NOTE];
  const root = conditionBuilder({ all: [{ field: 'amount', op: 'gt', value: 1 }] }, { fields, onChange: (tree) => seen.push(tree), locale: 'zh-CN' });
  // Compare with another field: the source picker, then the field picker by label.
  const source = inputOf(rowAt(root, '0'), 'source');
  assert.deepEqual(source.all('option').map((o) => o.textContent), ['值', '另一字段']);
  source.value = 'field';
  source.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'gt', value: { field: 'budget' } }] });
  const other = inputOf(rowAt(root, '0'), 'value-field');
  assert.deepEqual(other.all('option').map((o) => o.textContent), ['预算']);
  assert.equal(inputOf(rowAt(root, '0'), 'value'), undefined);
  // A "none of" group, one condition in it, then turned into "not all".
  buttonOf(rowAt(root, ''), 'add-not-group').dispatch('click');
  assert.deepEqual(seen.at(-1).all[1], { not: { any: [] } });
  const group = rowAt(root, '1');
  assert.equal(group.dataset.condMode, 'not_any');
  const kind = inputOf(group, 'kind');
  assert.deepEqual(kind.all('option').map((o) => o.getAttribute('value')), ['all', 'any', 'not_all', 'not_any']);
  [...group.walk()].find((el) => el.dataset.condAction === 'add-leaf').dispatch('click');
  assert.deepEqual(seen.at(-1).all[1], { not: { any: [{ field: 'amount', op: 'eq', value: null }] } });
  const inner = inputOf(rowAt(root, '1.not.0'), 'field');
  inner.value = 'note';
  inner.dispatch('change');
  assert.deepEqual(seen.at(-1).all[1], { not: { any: [{ field: 'note', op: 'eq', value: '' }] } });
  const again = inputOf(rowAt(root, '1'), 'kind');
  again.value = 'not_all';
  again.dispatch('change');
  assert.deepEqual(seen.at(-1).all[1], { not: { all: [{ field: 'note', op: 'eq', value: '' }] } });
  // The root offers all / any only; removing the group removes its `not` too.
  assert.deepEqual(inputOf(rowAt(root, ''), 'kind').all('option').map((o) => o.getAttribute('value')), ['all', 'any']);
  buttonOf(rowAt(root, '1'), 'remove').dispatch('click');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'gt', value: { field: 'budget' } }] });
  // Back to a typed value.
  const back = inputOf(rowAt(root, '0'), 'source');
  back.value = 'value';
  back.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'amount', op: 'gt', value: null }] });
});

test('the builder offers line-item columns with row-wise operator names', () => {
  const seen = [];
  const root = conditionBuilder(null, { fields: [ITEMS], onChange: (tree) => seen.push(tree), locale: 'en' });
  buttonOf(root, 'add-leaf').dispatch('click');
  const field = inputOf(rowAt(root, '0'), 'field');
  assert.deepEqual(field.all('option').map((o) => o.textContent), ['Items', 'Items › Product', 'Items › Amount']);
  field.value = 'items.amount';
  field.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'items.amount', op: 'is_empty' }] }, 'the operator still fits');
  const op = inputOf(rowAt(root, '0'), 'op');
  assert.deepEqual(op.all('option').map((o) => o.textContent),
    ['some row equals', 'no row equals', 'some row is one of', 'no row is one of', 'has no rows', 'has rows']);
  op.value = 'contains';
  op.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'items.amount', op: 'contains', value: null }] });
  const value = inputOf(rowAt(root, '0'), 'value');
  assert.equal(value.getAttribute('type'), 'number');
  value.value = '500000';
  value.dispatch('change');
  assert.deepEqual(seen.at(-1), { all: [{ field: 'items.amount', op: 'contains', value: 500000 }] });
});
