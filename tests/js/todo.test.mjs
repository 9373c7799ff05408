// Pure parts of static/js/pages/todo.js and static/js/core/api.js: run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ApiError, api, problemsOf, readCookie, upload } from '../../static/js/core/api.js';
import {
  ageText,
  canDecide,
  canFinish,
  changedValues,
  completeBody,
  dueInfo,
  fill,
  historyLines,
  panelFields,
  pick,
  returnTargets,
  showValue,
} from '../../static/js/pages/todo.js';

const words = {
  just_now: '刚刚',
  minutes: '{n} 分钟',
  hours: '{n} 小时',
  days: '{n} 天',
  outcome_approve: '同意',
  outcome_reject: '驳回',
  outcome_withdraw: '撤回',
  trace_approver: '审批人',
  trace_transfer: '转交给',
  trace_error: '出错',
  add_signer: '加签',
  before: '之前',
  after: '之后',
};

test('pick chooses the page language, falls back to zh-CN, passes text through', () => {
  assert.equal(pick({ 'zh-CN': '报价审批', en: 'Quote approval' }, 'en'), 'Quote approval');
  assert.equal(pick({ 'zh-CN': '报价审批' }, 'en'), '报价审批');
  assert.equal(pick('director', 'en'), 'director');
  assert.equal(pick(null, 'en'), '');
});

test('fill replaces known placeholders only', () => {
  assert.equal(fill('已同意 {n} 项 {x}', { n: 3 }), '已同意 3 项 {x}');
});

test('ageText counts minutes, hours and days', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  assert.equal(ageText('2026-11-23T11:59:40Z', now, words), '刚刚');
  assert.equal(ageText('2026-11-23T11:15:00Z', now, words), '45 分钟');
  assert.equal(ageText('2026-11-23T09:00:00Z', now, words), '3 小时');
  assert.equal(ageText('2026-11-20T12:00:00Z', now, words), '3 天');
  assert.equal(ageText(null, now, words), '');
  assert.equal(ageText('garbage', now, words), '');
});

test('dueInfo says whether the deadline passed', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  assert.equal(dueInfo('2026-11-22T12:00:00Z', now).overdue, true);
  assert.equal(dueInfo('2026-11-25T12:00:00Z', now).overdue, false);
  assert.match(dueInfo('2026-11-25T12:00:00Z', now).text, /^\d\d-\d\d \d\d:\d\d$/);
  assert.deepEqual(dueInfo(null, now), { text: '', overdue: false });
});

test('panelFields hides hidden fields, marks editable ones, skips empty read-only ones', () => {
  const fields = [
    { key: 'number', type: 'serial' },
    { key: 'discount', type: 'number' },
    { key: 'terms', type: 'textarea' },
    { key: 'owner', type: 'user' },
    { key: 'secret', type: 'text' },
    { key: 'utm', type: 'text', hidden: true },
    { key: 'total', type: 'formula' },
  ];
  const data = { number: 'QT-1', discount: '0.7', secret: 's', utm: 'baidu', total: '7', owner: '' };
  const permissions = { discount: 'read_only', terms: 'editable', secret: 'hidden', total: 'editable' };
  const shown = panelFields(fields, data, permissions).map((f) => [f.field.key, f.mode]);
  assert.deepEqual(shown, [
    ['number', 'read_only'],
    ['discount', 'read_only'],
    ['terms', 'editable'],
    ['total', 'read_only'],
  ]);
});

test('changedValues keeps only edits; an emptied value becomes null', () => {
  assert.deepEqual(changedValues({ terms: 'a', note: 'x' }, { terms: 'b', note: 'x' }), { terms: 'b' });
  assert.deepEqual(changedValues({ terms: 'a' }, { terms: '' }), { terms: null });
  assert.deepEqual(changedValues({}, { terms: '' }), {});
});

test('completeBody trims the comment and adds data and version only when present', () => {
  assert.deepEqual(completeBody({ outcome: 'approve', comment: '  同意 ' }), { outcome: 'approve', comment: '同意' });
  assert.deepEqual(completeBody({ outcome: 'reject', data: { terms: 'x' }, version: 2 }), {
    outcome: 'reject',
    comment: '',
    data: { terms: 'x' },
    version: 2,
  });
});

test('showValue uses option labels, line item rows and relation ids', () => {
  const select = { type: 'select', config: { options: [{ value: '已批准', label: { 'zh-CN': '已批准', en: 'Approved' } }] } };
  assert.equal(showValue(select, '已批准', 'en'), 'Approved');
  const items = { type: 'line_items', config: { columns: [{ key: 'product' }, { key: 'quantity' }] } };
  assert.equal(showValue(items, [{ product: '企业版', quantity: 2 }, { product: '服务', quantity: 1 }], 'zh-CN'), '企业版 · 2\n服务 · 1');
  assert.equal(showValue({ type: 'relation' }, 7, 'zh-CN'), '#7');
  assert.equal(showValue({ type: 'text' }, null, 'zh-CN'), '');
});

test('historyLines keeps votes, approvers, transfers, signers and errors', () => {
  const trace = [
    { seq: 1, node: 'start', kind: 'entered', data: {}, at: '2026-11-23T01:00:00Z' },
    { seq: 2, node: 'route', kind: 'condition', data: { result: true }, at: '2026-11-23T01:00:00Z' },
    { seq: 3, node: 'director', kind: 'approver', data: { users: ['zhao'] }, at: '2026-11-23T01:00:00Z' },
    { seq: 4, node: 'director', kind: 'approver', data: { action: 'transfer', by: 'zhao', to: 'qian' }, at: 'x' },
    { seq: 5, node: 'director', kind: 'approver', data: { action: 'add_signer', by: 'qian', users: ['legal'], position: 'after' }, at: 'x' },
    { seq: 6, node: 'director', kind: 'vote', data: { by: 'qian', outcome: 'approve', comment: '好' }, at: 'x' },
    { seq: 7, node: null, kind: 'vote', data: { by: 'north_a', outcome: 'withdraw' }, at: 'x' },
    { seq: 8, node: 'director', kind: 'vote', data: { tally: { approved: 1 } }, at: 'x' },
    { seq: 9, node: 'mark', kind: 'error', data: { code: 'action_failed' }, at: 'x' },
  ];
  const lines = historyLines(trace, words, (id) => (id === 'director' ? '销售总监审批' : id || ''));
  assert.deepEqual(
    lines.map((l) => [l.seq, l.node, l.text, l.comment]),
    [
      [3, '销售总监审批', '审批人: zhao', ''],
      [4, '销售总监审批', 'zhao 转交给 qian', ''],
      [5, '销售总监审批', 'qian 加签: legal (之后)', ''],
      [6, '销售总监审批', 'qian 同意', '好'],
      [7, '', 'north_a 撤回', ''],
      [9, 'mark', '出错: action_failed', ''],
    ],
  );
});

test('canDecide: open approve tasks of the user only', () => {
  assert.equal(canDecide({ status: 'open', kind: 'approve', assignee: 'zhao' }, 'zhao'), true);
  assert.equal(canDecide({ status: 'done', kind: 'approve', assignee: 'zhao' }, 'zhao'), false);
  assert.equal(canDecide({ status: 'open', kind: 'cc', assignee: 'zhao' }, 'zhao'), false);
  assert.equal(canDecide({ status: 'open', kind: 'approve', assignee: 'qian' }, 'zhao'), false);
});

test('readCookie finds the CSRF cookie among others', () => {
  assert.equal(readCookie('a=1; fw_csrf=tok%2Bx; b=2', 'fw_csrf'), 'tok+x');
  assert.equal(readCookie('fw_csrf_old=1', 'fw_csrf'), null);
  assert.equal(readCookie('', 'fw_csrf'), null);
});

test('problemsOf reads the error envelope or falls back to the status', () => {
  const body = { errors: [{ field: 'outcome', code: 'literal_error', message: 'bad' }] };
  assert.deepEqual(problemsOf(body, 422), [{ field: 'outcome', code: 'literal_error', message: 'bad' }]);
  assert.deepEqual(problemsOf(null, 502), [{ field: null, code: 'http_502', message: 'HTTP 502' }]);
});

/** A fetch stand-in that records the request and answers `status` with `body`. */
function fakeFetch(status, body) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    return { ok: status < 300, status, text: async () => (body === undefined ? '' : JSON.stringify(body)) };
  };
  return { calls, impl };
}

test('api posts JSON with the CSRF header and returns the answer', async () => {
  const { calls, impl } = fakeFetch(200, { id: 1 });
  const out = await api('/api/tasks/1/complete', { body: { outcome: 'approve' }, fetchImpl: impl, cookies: 'fw_csrf=abc' });
  assert.deepEqual(out, { id: 1 });
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.headers['X-CSRF-Token'], 'abc');
  assert.equal(calls[0].init.body, '{"outcome":"approve"}');
});

test('api GET sends no CSRF header; errors throw ApiError with the problems', async () => {
  const ok = fakeFetch(200, { items: [] });
  await api('/api/tasks', { fetchImpl: ok.impl, cookies: 'fw_csrf=abc' });
  assert.equal(ok.calls[0].init.method, 'GET');
  assert.equal(ok.calls[0].init.headers['X-CSRF-Token'], undefined);
  const bad = fakeFetch(409, { errors: [{ field: null, code: 'task_closed', message: 'This task is already done.' }] });
  await assert.rejects(api('/api/tasks/1/complete', { body: {}, fetchImpl: bad.impl, cookies: '' }), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 409);
    assert.equal(error.code, 'task_closed');
    assert.equal(error.message, 'This task is already done.');
    return true;
  });
});

test('showValue prefers the server text for formatted types only', () => {
  assert.equal(showValue({ type: 'money' }, '900.00', 'zh-CN', '¥900.00'), '¥900.00');
  assert.equal(showValue({ type: 'money' }, '900.00', 'zh-CN'), '900.00');
  const select = { type: 'select', config: { options: [{ value: 'a', label: { 'zh-CN': '甲' } }] } };
  assert.equal(showValue(select, 'a', 'zh-CN', 'ignored'), '甲');
});

test('completeBody adds the return target and the attachments only when given', () => {
  assert.deepEqual(completeBody({ outcome: 'return', toNode: 'manager', attachments: ['f1'] }), {
    outcome: 'return',
    comment: '',
    to_node: 'manager',
    attachments: ['f1'],
  });
  assert.deepEqual(completeBody({ outcome: 'return', toNode: '', attachments: [] }), { outcome: 'return', comment: '' });
});

test('returnTargets offers earlier approval nodes (latest last), then the submitter', () => {
  const nodes = [
    { id: 'start', type: 'start' },
    { id: 'manager', type: 'approval' },
    { id: 'route', type: 'condition' },
    { id: 'finance', type: 'approval' },
    { id: 'director', type: 'approval' },
  ];
  const entered = (node) => ({ node, kind: 'entered', data: {} });
  const trace = [entered('start'), entered('finance'), entered('manager'), entered('route'), entered('finance'), entered('director')];
  const targets = returnTargets(trace, nodes, 'director', (id) => `<${id}>`, { return_default: '默认', return_submitter: '发起人' });
  assert.deepEqual(targets, [
    { value: '', label: '默认' },
    { value: 'manager', label: '<manager>' },
    { value: 'finance', label: '<finance>' },
    { value: 'submitter', label: '发起人' },
  ]);
});

test('historyLines gives a vote the files of its task', () => {
  const trace = [{ seq: 1, node: 'director', kind: 'vote', data: { by: 'qian', outcome: 'reject', task: 'director:1:t0' }, at: 'x' }];
  const tasks = [{ key: 'director:1:t0', attachments: [{ id: 'f1', name: '比价单.pdf' }] }];
  const [line] = historyLines(trace, words, (id) => id || '', tasks);
  assert.deepEqual(line.files, [{ id: 'f1', name: '比价单.pdf' }]);
  assert.deepEqual(historyLines(trace, words, (id) => id || '')[0].files, []);
});

test('upload sends the raw file with its name, type and the CSRF header', async () => {
  const { calls, impl } = fakeFetch(201, { id: 'f1', name: '报价 单.pdf' });
  const file = new File(['%PDF-1.4'], '报价 单.pdf', { type: 'application/pdf' });
  const out = await upload('/api/tasks/3/files', file, { fetchImpl: impl, cookies: 'fw_csrf=abc' });
  assert.equal(out.id, 'f1');
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.body, file);
  assert.equal(calls[0].init.headers['Content-Type'], 'application/pdf');
  assert.equal(calls[0].init.headers['X-Filename'], encodeURIComponent('报价 单.pdf'));
  assert.equal(calls[0].init.headers['X-CSRF-Token'], 'abc');
});

test('canFinish: open todos of the user only', () => {
  assert.equal(canFinish({ status: 'open', kind: 'todo', assignee: 'wang' }, 'wang'), true);
  assert.equal(canFinish({ status: 'done', kind: 'todo', assignee: 'wang' }, 'wang'), false);
  assert.equal(canFinish({ status: 'open', kind: 'approve', assignee: 'wang' }, 'wang'), false);
  assert.equal(canFinish({ status: 'open', kind: 'todo', assignee: 'wang' }, 'zhao'), false);
});
