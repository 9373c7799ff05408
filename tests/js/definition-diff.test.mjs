// static/js/core/definition-diff.js: the version history's diff (same shape as builder/diff.py)
// and the side-by-side JSON rows. Run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { alignKeys, changes, diffDefinitions, isEmpty, sameValue, shortValue, sideBySide } from '../../static/js/core/definition-diff.js';

const V1 = {
  format: 1,
  key: 'visit',
  title: { 'zh-CN': '拜访', en: 'Visit' },
  fields: [
    { key: 'name', type: 'text', label: { 'zh-CN': '姓名', en: 'Name' }, required: true, config: {} },
    { key: 'phone', type: 'phone', label: { 'zh-CN': '电话' }, config: { region: 'CN' } },
    { key: 'note', type: 'textarea', label: { 'zh-CN': '备注' }, config: {} },
  ],
};

/** v2: name's English label changed and required dropped, note removed, city added, new title. */
function v2() {
  return {
    format: 1,
    key: 'visit',
    title: { 'zh-CN': '客户拜访', en: 'Visit' },
    fields: [
      { key: 'name', type: 'text', label: { 'zh-CN': '姓名', en: 'Full name' }, config: {} },
      { key: 'phone', type: 'phone', label: { 'zh-CN': '电话' }, config: { region: 'CN' } },
      { key: 'city', type: 'select', label: { 'zh-CN': '城市' }, config: { options: [{ value: '北京' }] } },
    ],
  };
}

test('fields added, removed and changed with each changed property old → new', () => {
  const diff = diffDefinitions(V1, v2());
  assert.deepEqual(diff.fields?.added, ['city']);
  assert.deepEqual(diff.fields?.removed, ['note']);
  assert.deepEqual(diff.fields?.changed, [
    {
      id: 'name',
      changes: [
        { path: '/label/en', from: 'Name', to: 'Full name' },
        { path: '/required', from: true, to: undefined },
      ],
    },
  ]);
  assert.deepEqual(diff.other, [{ path: '/title/zh-CN', from: '拜访', to: '客户拜访' }]);
  assert.equal('nodes' in diff, false, 'lists absent from both documents are left out');
  assert.equal(isEmpty(diff), false);
});

test('the same document in another key order is no change', () => {
  const reordered = JSON.parse(JSON.stringify(V1));
  reordered.fields[0] = { config: {}, required: true, label: { en: 'Name', 'zh-CN': '姓名' }, type: 'text', key: 'name' };
  const diff = diffDefinitions(V1, reordered);
  assert.ok(isEmpty(diff));
  assert.deepEqual(diff.fields, { added: [], removed: [], changed: [] });
});

test('flows: nodes and edges by id; arrays are one change', () => {
  const before = {
    key: 'approval',
    nodes: [{ id: 'start', type: 'start' }, { id: 'approve', type: 'approval', config: { approvers: [{ user: 'zhao' }] } }, { id: 'end', type: 'end' }],
    edges: [{ id: 'start_approve', from: 'start', to: 'approve' }, { id: 'approve_end', from: 'approve', to: 'end' }],
  };
  const after = {
    key: 'approval',
    nodes: [{ id: 'start', type: 'start' }, { id: 'approve', type: 'approval', config: { approvers: [{ user: 'qian' }] } }, { id: 'notify', type: 'action' }, { id: 'end', type: 'end' }],
    edges: [{ id: 'start_approve', from: 'start', to: 'approve' }, { id: 'approve_notify', from: 'approve', to: 'notify' }, { id: 'notify_end', from: 'notify', to: 'end' }],
  };
  const diff = diffDefinitions(before, after);
  assert.deepEqual(diff.nodes?.added, ['notify']);
  assert.deepEqual(diff.nodes?.removed, []);
  assert.deepEqual(diff.nodes?.changed, [{ id: 'approve', changes: [{ path: '/config/approvers', from: [{ user: 'zhao' }], to: [{ user: 'qian' }] }] }]);
  assert.deepEqual(diff.edges?.added, ['approve_notify', 'notify_end']);
  assert.deepEqual(diff.edges?.removed, ['approve_end']);
  assert.deepEqual(diff.other, []);
});

test('changes and sameValue on leaves', () => {
  assert.deepEqual(changes(1, 1), []);
  assert.deepEqual(changes(1, 2), [{ path: '/', from: 1, to: 2 }]);
  assert.deepEqual(changes({ a: 1 }, { b: 2 }), [{ path: '/a', from: 1, to: undefined }, { path: '/b', from: undefined, to: 2 }]);
  assert.equal(sameValue([1, { a: 2 }], [1, { a: 2 }]), true);
  assert.equal(sameValue([1, 2], [2, 1]), false);
  assert.equal(sameValue({ a: undefined }, {}), false);
  assert.equal(sameValue(null, {}), false);
});

test('shortValue: JSON, absent as a dash, long values cut', () => {
  assert.equal(shortValue(undefined), '—');
  assert.equal(shortValue('Name'), '"Name"');
  assert.equal(shortValue({ a: 1 }), '{"a":1}');
  const long = shortValue('x'.repeat(200), 20);
  assert.equal(long.length, 20);
  assert.ok(long.endsWith('…'));
});

test('sideBySide: every line of both documents appears once, in order, with changed lines marked', () => {
  const after = v2();
  const rows = sideBySide(V1, after);
  const left = rows.filter((r) => r.left !== null).map((r) => r.left);
  const right = rows.filter((r) => r.right !== null).map((r) => r.right);
  assert.deepEqual(left, JSON.stringify(V1, null, 2).split('\n'));
  assert.deepEqual(right, JSON.stringify(after, null, 2).split('\n'));
  for (const row of rows) {
    if (row.kind === 'same') assert.equal(row.left, row.right);
    if (row.kind === 'removed') assert.equal(row.right, null);
    if (row.kind === 'added') assert.equal(row.left, null);
  }
  const changed = rows.filter((r) => r.kind === 'changed');
  assert.ok(changed.some((r) => r.left?.includes('"Name"') && r.right?.includes('"Full name"')), 'the label line faces its new value');
  assert.ok(rows.some((r) => r.left?.includes('"note"') && r.kind !== 'same'), 'the removed field is marked');
  // line numbers count each side's own lines
  assert.deepEqual(rows.filter((r) => r.leftNo !== null).map((r) => r.leftNo), left.map((_, i) => i + 1));
});

test('sideBySide: equal documents are all same rows; one missing side is all added', () => {
  assert.ok(sideBySide(V1, JSON.parse(JSON.stringify(V1))).every((r) => r.kind === 'same'));
  const rows = sideBySide(undefined, { a: 1 });
  assert.deepEqual(rows.map((r) => r.kind), ['added', 'added', 'added']);
});

test('sideBySide: the same document stored with another key order has no changed line', () => {
  const sorted = JSON.parse(JSON.stringify(V1, (k, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((key) => [key, v[key]]))
    : v)));
  assert.notEqual(JSON.stringify(sorted), JSON.stringify(V1));
  assert.ok(sideBySide(V1, sorted).every((r) => r.kind === 'same'));
  // alignKeys reorders only: the values are the same, new keys follow
  const aligned = alignKeys({ b: 1, extra: [{ y: 2, x: 1 }], a: 2 }, { a: 0, b: 0, extra: [{ x: 0 }] });
  assert.equal(JSON.stringify(aligned), '{"a":2,"b":1,"extra":[{"x":1,"y":2}]}');
});
