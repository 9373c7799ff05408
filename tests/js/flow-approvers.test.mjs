// The approval node's editors (flow-designer/approvers.js): pure config helpers, each change
// applied through the `node.config` command and undone/redone to the exact JSON text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { createHistory } from '../../static/js/core/history.js';
import * as a from '../../static/js/flow-designer/approvers.js';
import * as commands from '../../static/js/flow-designer/commands.js';
import { FlowModel } from '../../static/js/flow-designer/model.js';
import { installFakeDocument } from './fake-dom.mjs';

const QUOTE = JSON.parse(
  readFileSync(new URL('../../flow_definitions/crm/quote_approval.json', import.meta.url), 'utf8'),
);
const CONTEXT = {
  users: [{ username: 'qian', name: '钱经理' }, { username: 'zhao', name: '赵总监' }],
  roles: [{ key: 'sales_director', name: '销售总监' }, { key: 'sales_manager', name: '销售经理' }],
  fields: [
    { key: 'discount', type: 'number', label: { 'zh-CN': '折扣' } },
    { key: 'valid_until', type: 'date', label: { 'zh-CN': '有效期至' } },
    { key: 'owner', type: 'user', label: { 'zh-CN': '负责人' } },
  ],
};
const text = (model) => JSON.stringify(model.toJSON());

/** Apply `edit(config)` to the manager node through history; undo, redo, undo: exact texts. */
function roundTrip(edit, id = 'manager') {
  const model = new FlowModel(QUOTE);
  const history = createHistory(model);
  const before = text(model);
  const old = structuredClone(model.node(id).config);
  const next = edit(model.node(id).config);
  assert.deepEqual(model.node(id).config, old, 'the helper does not change the config it was given');
  history.run(commands.setNodeConfig, { id, config: next });
  const after = text(model);
  assert.notEqual(after, before);
  assert.equal(history.undo(), true);
  assert.equal(text(model), before);
  assert.equal(history.redo(), true);
  assert.equal(text(model), after);
  assert.equal(history.undo(), true);
  assert.equal(text(model), before);
  history.redo();
  return model.node(id).config;
}

test('new specs of every kind are valid shapes with the first user, role or user field', () => {
  assert.deepEqual(a.newSpec('users', CONTEXT), { type: 'users', users: ['qian'] });
  assert.deepEqual(a.newSpec('role', CONTEXT), { type: 'role', role: 'sales_director' });
  assert.deepEqual(a.newSpec('department_head', CONTEXT), { type: 'department_head', levels: 1 });
  assert.deepEqual(a.newSpec('field', CONTEXT), { type: 'field', field: 'owner' });
  assert.deepEqual(a.newSpec('submitter', CONTEXT), { type: 'submitter' });
  assert.deepEqual(a.newSpec('chosen_by_previous', CONTEXT), { type: 'chosen_by_previous' });
  assert.deepEqual(a.userFields(CONTEXT.fields).map((f) => f.key), ['owner']);
  assert.deepEqual(a.dateFields(CONTEXT.fields).map((f) => f.key), ['valid_until']);
});

test('approvers: replace the spec by a role, add one, remove one; keys keep their places', () => {
  const config = roundTrip((c) => a.withSpec(c, 'approvers', 0, { type: 'role', role: 'sales_manager' }));
  assert.deepEqual(config.approvers, [{ type: 'role', role: 'sales_manager' }]);
  assert.deepEqual(Object.keys(config), Object.keys(QUOTE.nodes.find((n) => n.id === 'manager').config));
  const two = roundTrip((c) => a.withSpec(c, 'approvers', 1, a.newSpec('department_head', CONTEXT)));
  assert.equal(two.approvers.length, 2);
  const none = roundTrip((c) => a.withoutSpec(c, 'approvers', 0));
  assert.deepEqual(none.approvers, []);
});

test('cc recipients use the same helpers', () => {
  const model = new FlowModel(QUOTE);
  model.addNode('cc', 0, 0, { id: 'cc_x', config: { recipients: [] } });
  const history = createHistory(model);
  const before = text(model);
  history.run(commands.setNodeConfig, { id: 'cc_x', config: a.withSpec(model.node('cc_x').config, 'recipients', 0, a.newSpec('field', CONTEXT)) });
  assert.deepEqual(model.node('cc_x').config, { recipients: [{ type: 'field', field: 'owner' }] });
  history.undo();
  assert.equal(text(model), before);
});

test('mode: 会签 drops a ratio, a vote keeps one (0.5 by default)', () => {
  assert.equal(roundTrip((c) => a.withMode(c, 'all')).mode, 'all');
  const vote = roundTrip((c) => a.withMode(c, 'ratio'));
  assert.equal(vote.ratio, 0.5);
  assert.equal(roundTrip((c) => a.withMode(c, 'ratio', 0.75)).ratio, 0.75);
  assert.equal('ratio' in a.withMode(vote, 'any'), false);
});

test('field permissions: set, change, and back to default removes the key (and an empty table)', () => {
  const config = roundTrip((c) => a.withPermission(c, 'total', 'hidden'));
  assert.deepEqual(config.field_permissions, { discount: 'read_only', items: 'read_only', terms: 'editable', total: 'hidden' });
  const fewer = roundTrip((c) => a.withPermission(c, 'terms', null));
  assert.deepEqual(fewer.field_permissions, { discount: 'read_only', items: 'read_only' });
  assert.equal('field_permissions' in a.withPermission({ approvers: [] }, 'x', null), false);
});

test('durations: simple ones as amount and unit, others are left alone', () => {
  assert.deepEqual(a.parseDuration('PT48H'), { amount: 48, unit: 'H' });
  assert.deepEqual(a.parseDuration('P1D'), { amount: 1, unit: 'D' });
  assert.deepEqual(a.parseDuration('PT30M'), { amount: 30, unit: 'M' });
  assert.deepEqual(a.parseDuration('P2W'), { amount: 2, unit: 'W' });
  assert.equal(a.parseDuration('P1DT4H'), null);
  assert.equal(a.parseDuration(undefined), null);
  for (const unit of a.UNITS) assert.deepEqual(a.parseDuration(a.formatDuration(3, unit)), { amount: 3, unit });
});

test('deadline: from arrival, from a date field with an offset, none drops reminders and policy', () => {
  assert.deepEqual(roundTrip((c) => a.withDeadline(c, { after: 'P1D' })).deadline, { after: 'P1D' });
  const dated = roundTrip((c) => a.withDeadline(c, { field: 'valid_until', offset: 'P1D' }));
  assert.deepEqual(dated.deadline, { field: 'valid_until', offset: 'P1D' });
  assert.deepEqual(a.withDeadline({}, { field: 'valid_until', offset: 'P0D' }).deadline, { field: 'valid_until' });
  const none = roundTrip((c) => a.withDeadline(c, null));
  for (const key of ['deadline', 'remind', 'on_timeout']) assert.equal(key in none, false);
  assert.deepEqual(roundTrip((c) => a.withRemind(c, { every: 'PT4H', times: 500 })).remind, { every: 'PT4H', times: 100 });
  assert.equal('remind' in roundTrip((c) => a.withRemind(c, null)), false);
  assert.equal(roundTrip((c) => a.withTimeout(c, 'auto_reject')).on_timeout, 'auto_reject');
});

test('department head of a user field: the manager of the user in it, levels and "to the top" kept', () => {
  const spec = a.newSpec('department_head', CONTEXT);
  assert.deepEqual(a.withHeadOf(spec, 'owner'), { type: 'department_head', levels: 1, field: 'owner' });
  assert.deepEqual(spec, { type: 'department_head', levels: 1 }, 'the spec given is left alone');
  assert.deepEqual(a.withHeadOf({ type: 'department_head', levels: 2, field: 'owner' }, null), { type: 'department_head', levels: 2 });
  assert.deepEqual(a.withToTop({ type: 'department_head', levels: 2, field: 'owner' }, true), { type: 'department_head', to_top: true, field: 'owner' });
  assert.deepEqual(a.withToTop({ type: 'department_head', to_top: true }, false), { type: 'department_head', levels: 1 });
  const config = roundTrip((c) => a.withSpec(c, 'approvers', 0, a.withHeadOf({ type: 'department_head', levels: 1 }, 'owner')));
  assert.deepEqual(config.approvers[0], { type: 'department_head', levels: 1, field: 'owner' });
});

test('the approver editor offers "head of" the submitter or of each user field', () => {
  installFakeDocument();
  const seen = [];
  const config = { mode: 'single', approvers: [{ type: 'department_head', levels: 1 }] };
  const ui = { say: (k, p) => (p ? `${k}:${JSON.stringify(p)}` : k), lang: 'zh-CN', readOnly: false };
  const root = a.approverEditor(config, 'approvers', CONTEXT, ui, (next) => seen.push(next));
  const whose = [...root.walk()].find((el) => el.getAttribute?.('data-approver-head-of') === '0');
  assert.ok(whose, 'a "head of" picker on the department-head row');
  assert.deepEqual(whose.all('option').map((o) => o.getAttribute('value')), ['', 'owner']);
  assert.deepEqual(whose.all('option').map((o) => o.textContent), ['head_of_submitter', 'head_of_field:{"field":"负责人"}']);
  whose.value = 'owner';
  whose.dispatch('change');
  assert.deepEqual(seen.at(-1), { mode: 'single', approvers: [{ type: 'department_head', levels: 1, field: 'owner' }] });
  assert.deepEqual(config.approvers[0], { type: 'department_head', levels: 1 });
});
