// static/js/flow-designer/trace.js (test run and problems, pure): run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  conditionFields, overlay, parseEventLine, parseEvents, placeProblems, recordColumns, recordIdOf, recordSearchFilter, sampleRecord, shortValue, typedNumber,
} from '../../static/js/flow-designer/trace.js';

test('event lines: votes, withdraw, signal, timer, JSON; nonsense is reported', () => {
  assert.deepEqual(parseEventLine('approve zhao'), { type: 'task_completed', by: 'zhao', outcome: 'approve' });
  assert.deepEqual(parseEventLine('  reject by qian too expensive '), {
    type: 'task_completed', by: 'qian', outcome: 'reject', comment: 'too expensive',
  });
  assert.deepEqual(parseEventLine('同意 zhao'), { type: 'task_completed', by: 'zhao', outcome: 'approve' });
  assert.deepEqual(parseEventLine('withdraw north_a'), { type: 'withdraw', by: 'north_a' });
  assert.deepEqual(parseEventLine('signal paid'), { type: 'signal', name: 'paid' });
  assert.deepEqual(parseEventLine('{"type": "timer", "key": "t1"}'), { type: 'timer', key: 't1' });
  assert.equal(parseEventLine('approve'), null);
  assert.equal(parseEventLine('{"broken"'), null);
  assert.equal(parseEventLine('[1]'), null);
  assert.deepEqual(parseEvents('approve zhao\n\n dance now\nreject qian'), {
    events: [
      { type: 'task_completed', by: 'zhao', outcome: 'approve' },
      { type: 'task_completed', by: 'qian', outcome: 'reject' },
    ],
    bad: ['dance now'],
  });
});

test('condition fields are collected from comparisons and field operands', () => {
  const tree = { all: [{ field: 'total', op: 'gt', value: 1 }, { any: [{ field: 'discount', op: 'lt', value: { field: 'floor' } }] }] };
  assert.deepEqual(conditionFields(tree), ['total', 'discount', 'floor']);
  assert.deepEqual(conditionFields(null), []);
});

const FLOW = {
  edges: [
    { id: 'route_big', from: 'route', to: 'director', condition: { field: 'total', op: 'gt', value: 5 }, order: 0 },
    { id: 'route_small', from: 'route', to: 'manager', default: true },
  ],
};

test('the overlay orders nodes by first entry, keeps edges taken, values, approvers, effects', () => {
  const result = {
    status: 'approved',
    record: {},
    steps: [
      {
        event: { type: 'start' }, at: '', status: 'running',
        trace: [
          { node: 'start', kind: 'entered', data: { via: null } },
          { node: 'route', kind: 'entered', data: { via: 'start_route' } },
          { node: 'route', kind: 'condition', data: { edge: 'route_big', result: true } },
          { node: 'director', kind: 'entered', data: { via: 'route_big' } },
          { node: 'director', kind: 'approver', data: { spec: { type: 'users' }, users: ['zhao'] } },
        ],
        effects: [{ effect: 'create_task', assignee: 'zhao', node: 'director' }],
      },
      {
        event: { type: 'task_completed' }, at: '', status: 'approved',
        trace: [
          { node: 'director', kind: 'entered', data: { via: 'again' } },
          { node: 'end', kind: 'entered', data: { via: 'director_end' } },
        ],
        effects: [{ effect: 'finish', outcome: 'approved' }],
      },
      { event: { type: 'withdraw' }, at: '', status: 'approved', trace: [], effects: [], error: { code: 'finished', message: 'over' } },
    ],
  };
  const shown = overlay(result, FLOW, { total: 9, other: 1 });
  assert.deepEqual(shown.nodes, [
    { id: 'start', step: 1 }, { id: 'route', step: 2 }, { id: 'director', step: 3 }, { id: 'end', step: 4 },
  ]);
  assert.deepEqual(shown.edges.sort(), ['again', 'director_end', 'route_big', 'start_route']);
  assert.deepEqual(shown.conditions, [{ node: 'route', edge: 'route_big', result: true, default: false, values: { total: 9 } }]);
  assert.deepEqual(shown.approvers, [{ node: 'director', users: ['zhao'], spec: { type: 'users' } }]);
  assert.equal(shown.effects.length, 2);
  assert.deepEqual(shown.errors, [{ step: 2, code: 'finished', message: 'over' }]);
  assert.equal(shown.status, 'approved');
});

test('values the engine reports win over the sample record', () => {
  const result = {
    status: 'running', record: {},
    steps: [{ event: {}, at: '', status: 'running', effects: [], trace: [
      { node: 'route', kind: 'condition', data: { edge: 'route_big', result: false, values: { total: 1 } } },
      { node: 'route', kind: 'condition', data: { edge: 'route_small', result: true, default: true } },
    ] }],
  };
  const shown = overlay(result, FLOW, { total: 9 });
  assert.deepEqual(shown.conditions.map((c) => [c.edge, c.result, c.default, c.values]), [
    ['route_big', false, false, { total: 1 }],
    ['route_small', true, true, {}],
  ]);
  assert.deepEqual(shown.edges, ['route_small']);
});

test('problems land on the node or edge their pointer names, the rest on the flow', () => {
  const doc = { nodes: [{ id: 'start' }, { id: 'boss' }], edges: [{ id: 'e1' }] };
  const placed = placeProblems([
    { code: 'invalid_approver', message: 'a', pointer: '/nodes/1/config/approvers/0' },
    { code: 'dangling_edge', message: 'b', field: '/edges/0' },
    { code: 'missing_end', message: 'c', pointer: '/nodes' },
    { code: 'x', message: 'd', pointer: '/nodes/9' },
    { code: 'y', message: 'e', field: 'trigger.type' },
  ], doc);
  assert.deepEqual(Object.keys(placed.nodes), ['boss']);
  assert.equal(placed.nodes.boss[0].code, 'invalid_approver');
  assert.equal(placed.edges.e1[0].code, 'dangling_edge');
  assert.deepEqual(placed.flow.map((p) => p.code), ['missing_end', 'x', 'y']);
});

test('a sample record has a plausible value per field and skips computed ones', () => {
  const record = sampleRecord([
    { key: 'total', type: 'formula' },
    { key: 'discount', type: 'number' },
    { key: 'status', type: 'select', options: [{ value: '草稿' }, { value: '审批中' }] },
    { key: 'terms', type: 'textarea' },
    { key: 'account', type: 'relation' },
  ]);
  assert.deepEqual(record, { discount: 0, status: '草稿', terms: '' });
});

test('record picker: a text searches the text fields, an id is read from the text, a few columns shown', () => {
  const fields = [
    { key: 'number', type: 'serial' }, { key: 'opportunity', type: 'relation' }, { key: 'items', type: 'line_items' },
    { key: 'total', type: 'formula' }, { key: 'status', type: 'select' }, { key: 'owner', type: 'user' },
    { key: 'terms', type: 'textarea' },
  ];
  assert.equal(recordSearchFilter(fields, '   '), null);
  assert.deepEqual(recordSearchFilter(fields, ' 华东 '), {
    any: [
      { field: 'number', op: 'contains', value: '华东' }, { field: 'status', op: 'contains', value: '华东' },
      { field: 'owner', op: 'contains', value: '华东' }, { field: 'terms', op: 'contains', value: '华东' },
    ],
  });
  assert.deepEqual(recordSearchFilter([{ key: 'n', type: 'number' }], 'x'), { any: [] });
  // a number typed: number fields and number formulas equal it exactly, text fields contain it
  const numeric = [
    { key: 'no', type: 'serial' }, { key: 'qty', type: 'number' }, { key: 'price', type: 'money' },
    { key: 'total', type: 'formula', result: 'money' }, { key: 'label', type: 'formula', result: 'text' },
  ];
  assert.deepEqual(recordSearchFilter(numeric, ' 800,000.00 '), {
    any: [
      { field: 'no', op: 'contains', value: '800,000.00' },
      { field: 'qty', op: 'eq', value: 800000 }, { field: 'price', op: 'eq', value: 800000 },
      { field: 'total', op: 'eq', value: 800000 },
    ],
  });
  assert.deepEqual(recordSearchFilter(numeric, 'Q-12').any, [{ field: 'no', op: 'contains', value: 'Q-12' }]);
  assert.equal(typedNumber('-3.5'), -3.5);
  assert.equal(typedNumber('1e5'), null);
  assert.equal(typedNumber('12345678901234567'), null);
  assert.equal(recordIdOf('12'), 12);
  assert.equal(recordIdOf(' #7 '), 7);
  assert.equal(recordIdOf('0'), null);
  assert.equal(recordIdOf('12a'), null);
  assert.equal(recordIdOf('9999999999999999'), null);
  assert.deepEqual(recordColumns(fields).map((f) => f.key), ['number', 'total', 'status']);
  assert.equal(shortValue(null), '');
  assert.equal(shortValue('1234.50'), '1234.50');
  assert.equal(shortValue('x'.repeat(40), 10), `${'x'.repeat(9)}…`);
  assert.equal(shortValue({ a: 1 }), '{"a":1}');
});

test('a draft run that stopped: the stop is kept apart from refused events, problems come along', () => {
  const flow = { edges: [{ id: 'route_to_manager' }] };
  const result = {
    status: 'running',
    steps: [
      { event: { type: 'start' }, trace: [{ node: 'start', kind: 'entered', data: {} }, { node: 'route', kind: 'entered', data: {} }], effects: [] },
      { event: { type: 'start' }, trace: [], effects: [], error: { code: 'cannot_run', cause: 'dangling_edge', node: 'route', message: 'stopped' } },
    ],
    stopped: { code: 'cannot_run', cause: 'dangling_edge', node: 'route', edge: 'route_to_manager', target: 'ghost' },
    problems: [{ code: 'dangling_edge', message: 'no node ghost', pointer: '/edges/0/to' }],
  };
  const shown = overlay(result, flow, {});
  assert.deepEqual(shown.errors, []);
  assert.equal(shown.stopped.node, 'route');
  assert.equal(shown.problems.length, 1);
  assert.deepEqual(shown.nodes.map((n) => n.id), ['start', 'route']);
  const plain = overlay({ status: 'approved', steps: [] }, flow, {});
  assert.equal(plain.stopped, null);
  assert.deepEqual(plain.problems, []);
});
