// static/js/core/formula-editor.js: the pure helpers, and the editor on a fake document
// (tests/js/fake-dom.mjs) — run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { FakeElement, installFakeDocument } from './fake-dom.mjs';

const fakeDocument = installFakeDocument();
// The editor writes its result with `textContent =`: give the fake elements that setter here.
const getter = Object.getOwnPropertyDescriptor(FakeElement.prototype, 'textContent').get;
Object.defineProperty(FakeElement.prototype, 'textContent', {
  get: getter,
  set(text) {
    this.children = [fakeDocument.createTextNode(text)];
  },
});
const { formulaEditor, formulaRefs, insertAt, sampleValue, withSamples } = await import(
  '../../static/js/core/formula-editor.js'
);

const FIELDS = [
  { key: 'quantity', type: 'number', label: { 'zh-CN': '数量', en: 'Quantity' } },
  { key: 'price', type: 'money', label: { 'zh-CN': '单价', en: 'Price' } },
  { key: 'city', type: 'select', label: { en: 'City' }, config: { options: [{ value: '北京' }, { value: '上海' }] } },
  { key: 'subtotal', type: 'formula', label: { en: 'Subtotal' }, config: { expression: '{quantity}*{price}' } },
  {
    key: 'items', type: 'line_items', label: { en: 'Items' },
    config: { columns: [{ key: 'qty', type: 'number' }, { key: 'amount', type: 'money' }], row_formulas: { amount: '1' } },
  },
];
const FUNCTIONS = [{ name: 'SUM', syntax: 'SUM(a, …)', description: { en: 'Total', 'zh-CN': '求和' } }, { name: 'TODAY' }];

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test('insertAt replaces the selection and puts the caret after, or inside a call', () => {
  assert.deepEqual(insertAt('1+', 2, 2, '{price}'), { text: '1+{price}', caret: 9 });
  assert.deepEqual(insertAt('a*b', 1, 2, '+'), { text: 'a+b', caret: 2 });
  assert.deepEqual(insertAt('', 0, 0, 'SUM()'), { text: 'SUM()', caret: 4 });
  assert.deepEqual(insertAt('xy', 10, 20, 'z'), { text: 'xyz', caret: 3 });
});

test('formulaRefs lists the fields read, line-item columns as their field', () => {
  assert.deepEqual(formulaRefs('{a}*{b}+SUM({items.amount})+{a}'), ['a', 'b', 'items']);
  assert.deepEqual(formulaRefs('"{" & 1'), []);
});

test('sampleValue fits the field type', () => {
  assert.equal(sampleValue(FIELDS[0], '2026-01-02'), 2);
  assert.equal(sampleValue(FIELDS[1], '2026-01-02'), '100.00');
  assert.equal(sampleValue(FIELDS[2], '2026-01-02'), '北京');
  assert.equal(sampleValue({ key: 'd', type: 'date' }, '2026-01-02'), '2026-01-02');
  assert.deepEqual(sampleValue(FIELDS[4], '2026-01-02'), [{ qty: 2 }]);
  assert.equal(sampleValue({ key: 'x', type: 'unknown' }, '2026-01-02'), null);
});

test('withSamples adds what is missing, keeps edits, skips computed fields and bad JSON', () => {
  const first = withSamples('', ['quantity', 'subtotal', 'nowhere'], FIELDS, '2026-01-02');
  assert.deepEqual(JSON.parse(first), { quantity: 2 });
  const edited = '{"quantity": 7}';
  assert.equal(withSamples(edited, ['quantity'], FIELDS, '2026-01-02'), edited);
  assert.deepEqual(JSON.parse(withSamples(edited, ['quantity', 'price'], FIELDS, '2026-01-02')), { quantity: 7, price: '100.00' });
  assert.equal(withSamples('{bad', ['price'], FIELDS, '2026-01-02'), '{bad');
  assert.equal(withSamples('[1]', ['price'], FIELDS, '2026-01-02'), '[1]');
});

function build(value, evaluate) {
  const commits = [];
  const state = {};
  const calls = [];
  const el = formulaEditor({
    value, fields: FIELDS, functions: FUNCTIONS, locale: 'en', state, today: '2026-01-02',
    onCommit: (text) => commits.push(text),
    evaluate: async (expression, sample) => {
      calls.push([expression, sample]);
      return evaluate(expression, sample);
    },
  });
  const find = (predicate) => [...el.walk()].find(predicate);
  return { el, state, commits, calls, find };
}

test('the editor evaluates at once and shows the server\'s value', async () => {
  const { el, calls, find } = build('{quantity}*{price}', () => ({ ok: true, value: '200.00', text: '¥200.00' }));
  await tick();
  assert.deepEqual(calls, [['{quantity}*{price}', { quantity: 2, price: '100.00' }]]);
  const result = find((x) => 'formulaResult' in x.dataset);
  assert.equal(result.dataset.state, 'ok');
  assert.equal(result.textContent, '= ¥200.00');
  assert.equal(el.byName('expression').value, '{quantity}*{price}');
  assert.equal(JSON.parse(el.byName('expression.sample').value).quantity, 2);
});

test('a picker click inserts the field key (at the end when not editing) and commits', async () => {
  const { el, state, commits, find } = build('1+', () => ({ ok: true, value: 3 }));
  find((x) => x.dataset.insertField === 'price').dispatch('click');
  assert.deepEqual(commits, ['1+{price}']);
  assert.equal(state.caret, 9);
  assert.equal(JSON.parse(state.sample).price, '100.00');
  find((x) => x.dataset.insertFunction === 'SUM').dispatch('click');
  assert.deepEqual(commits, ['1+{price}', '1+{price}SUM()']);
  assert.equal(state.caret, '1+{price}SUM('.length);
  assert.equal(el.byName('expression').value, '1+{price}SUM()');
  assert.equal(find((x) => x.dataset.insertField === 'quantity').textContent, 'Quantity');
});

test('an error answer and a sample that is not an object are shown, not thrown', async () => {
  const failing = build('1/0', () => ({ ok: false, message: 'Division by zero.' }));
  await tick();
  const result = failing.find((x) => 'formulaResult' in x.dataset);
  assert.equal(result.dataset.state, 'error');
  assert.equal(result.textContent, 'Division by zero.');

  const bad = build('1', () => ({ ok: true, value: 1 }));
  await tick();
  const sample = bad.el.byName('expression.sample');
  sample.value = '[1, 2]';
  sample.dispatch('input');
  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.equal(bad.calls.length, 1); // only the first run: a list is not sent
  assert.equal(bad.find((x) => 'formulaResult' in x.dataset).dataset.state, 'error');
});

test('typing re-evaluates once after a pause and commits only on change', async () => {
  const { el, calls, commits } = build('1', (expression) => ({ ok: true, value: expression }));
  await tick();
  const text = el.byName('expression');
  for (const value of ['1+', '1+2', '1+2*{quantity}']) {
    text.value = value;
    text.dispatch('input');
  }
  await new Promise((resolve) => setTimeout(resolve, 350));
  assert.deepEqual(calls.map(([expression]) => expression), ['1', '1+2*{quantity}']);
  assert.deepEqual(commits, []);
  text.dispatch('change');
  assert.deepEqual(commits, ['1+2*{quantity}']);
});
