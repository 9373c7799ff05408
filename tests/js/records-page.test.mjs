// Pure parts of static/js/pages/records.js and record-form.js: run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  chosenColumns,
  filterOf,
  isComplete,
  rowsOf,
  storageKey,
  toggleColumn,
  withParams,
} from '../../static/js/pages/records.js';
import { changedValues, fieldOf, payloadOf, splitProblems } from '../../static/js/pages/record-form.js';

const COLUMNS = [
  { key: 'name', label: '姓名', default: true },
  { key: 'company', label: '公司', default: true },
  { key: 'city', label: '城市', default: false },
  { key: 'score', label: '评分', default: false },
];

test('rowsOf reads a flat "all" of leaves or a single leaf into rows', () => {
  assert.deepEqual(rowsOf(''), { rows: [], custom: false, count: 0 });
  const tree = { all: [{ field: 'city', op: 'eq', value: '北京' }, { field: 'tags', op: 'is_empty' }] };
  assert.deepEqual(rowsOf(JSON.stringify(tree)), { rows: tree.all, custom: false, count: 2 });
  assert.deepEqual(rowsOf('{"field":"score","op":"gt","value":60}').rows, [{ field: 'score', op: 'gt', value: 60 }]);
});

test('rowsOf calls groups, "any", "not", field comparisons and broken text custom', () => {
  const nested = { any: [{ field: 'a', op: 'eq', value: 1 }, { not: { field: 'b', op: 'is_empty' } }] };
  assert.deepEqual(rowsOf(JSON.stringify(nested)), { rows: [], custom: true, count: 2 });
  const ref = { all: [{ field: 'a', op: 'gt', value: { field: 'b' } }] };
  assert.equal(rowsOf(JSON.stringify(ref)).custom, true);
  assert.equal(rowsOf('{"all":[{"field":"a","op":"like","value":1}]}').custom, true);
  assert.equal(rowsOf('{oops').custom, true);
});

test('isComplete wants a value where the operator takes one', () => {
  assert.equal(isComplete({ field: 'a', op: 'is_empty' }), true);
  assert.equal(isComplete({ field: 'a', op: 'eq', value: '' }), false);
  assert.equal(isComplete({ field: 'a', op: 'eq', value: 0 }), true);
  assert.equal(isComplete({ field: 'a', op: 'in', value: [] }), false);
  assert.equal(isComplete({ field: 'a', op: 'in', value: ['x'] }), true);
  assert.equal(isComplete({ field: 'a', op: 'between', value: [1, null] }), false);
  assert.equal(isComplete({ field: 'a', op: 'between', value: [1, 5] }), true);
});

test('filterOf keeps complete rows only and drops stray values of empty tests', () => {
  assert.equal(filterOf([]), '');
  assert.equal(filterOf([{ field: 'a', op: 'eq', value: '' }]), '');
  const text = filterOf([
    { field: 'city', op: 'eq', value: '上海' },
    { field: 'name', op: 'contains', value: '' },
    { field: 'tags', op: 'is_not_empty', value: 'left over' },
  ]);
  assert.deepEqual(JSON.parse(text), {
    all: [{ field: 'city', op: 'eq', value: '上海' }, { field: 'tags', op: 'is_not_empty' }],
  });
  assert.deepEqual(rowsOf(text).rows, JSON.parse(text).all); // the round trip the page relies on
});

test('withParams changes the view and always starts at the first page', () => {
  assert.equal(withParams('?sort=-id&cursor=abc&q=x', { filter: '{"all":[]}' }), '?sort=-id&q=x&filter=%7B%22all%22%3A%5B%5D%7D');
  assert.equal(withParams('?filter=x&cursor=abc', { filter: '' }), '');
  assert.equal(withParams('', { q: '星辰' }), '?q=%E6%98%9F%E8%BE%B0');
});

test('chosenColumns keeps known stored keys in column order, else the defaults', () => {
  assert.deepEqual(chosenColumns(null, COLUMNS), ['name', 'company']);
  assert.deepEqual(chosenColumns(['score', 'gone', 'name'], COLUMNS), ['name', 'score']);
  assert.deepEqual(chosenColumns(['gone'], COLUMNS), ['name', 'company']);
  assert.deepEqual(chosenColumns('not a list', COLUMNS), ['name', 'company']);
});

test('toggleColumn adds and removes in column order but never empties the table', () => {
  assert.deepEqual(toggleColumn(['name', 'company'], 'city', COLUMNS), ['name', 'company', 'city']);
  assert.deepEqual(toggleColumn(['score', 'name'], 'company', COLUMNS), ['name', 'company', 'score']);
  assert.deepEqual(toggleColumn(['name', 'company'], 'name', COLUMNS), ['company']);
  assert.deepEqual(toggleColumn(['name'], 'name', COLUMNS), ['name']);
  assert.equal(storageKey('crm', 'lead'), 'formwork.columns.crm.lead');
});

test('payloadOf sends empty inputs as null and switches as booleans', () => {
  const widgets = { name: 'text', size: 'number', vip: 'boolean', tags: 'multiselect', items: 'line_items' };
  const values = { name: '张三', size: '', tags: [], items: [{ product: 'A', qty: '2' }] };
  assert.deepEqual(payloadOf(values, widgets), {
    name: '张三', size: null, vip: false, tags: [], items: [{ product: 'A', qty: '2' }],
  });
  assert.equal(payloadOf({ vip: 'true' }, { vip: 'boolean' }).vip, true);
  assert.deepEqual(payloadOf({ other: 'x' }, { name: 'text' }), {}); // only fields the form sends
});

test('changedValues sends only what the person changed', () => {
  const before = { name: '张三', size: '10', tags: ['a'], remark: null };
  const after = { name: '张三', size: '12', tags: ['a', 'b'], remark: null, title: null };
  assert.deepEqual(changedValues(before, after), { size: '12', tags: ['a', 'b'] });
  assert.deepEqual(changedValues(before, { ...before }), {});
  assert.deepEqual(changedValues({ remark: '旧' }, { remark: null }), { remark: null }); // cleared
});

test('problems go next to their field (line-item cells to their table), the rest on top', () => {
  const keys = new Set(['name', 'items']);
  assert.equal(fieldOf('items.0.qty', keys), 'items');
  assert.equal(fieldOf('items[1][qty]', keys), 'items');
  assert.equal(fieldOf('version', keys), null);
  assert.equal(fieldOf(null, keys), null);
  const { byField, general } = splitProblems([
    { field: 'name', message: '必填' },
    { field: 'items.0.qty', message: '数量无效' },
    { field: 'items.1.qty', message: '数量太大' },
    { field: null, message: '规则不允许' },
  ], keys);
  assert.deepEqual([...byField], [['name', ['必填']], ['items', ['数量无效', '数量太大']]]);
  assert.deepEqual(general, ['规则不允许']);
});
