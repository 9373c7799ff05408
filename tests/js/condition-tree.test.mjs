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
