// static/js/form-designer/formula-boxes.js: row formulas of line items and default values —
// the pure helpers, and the boxes on a fake document (tests/js/fake-dom.mjs) with the real
// commands and undo. Run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { FakeElement, installFakeDocument } from './fake-dom.mjs';

const fakeDocument = installFakeDocument();
const getter = Object.getOwnPropertyDescriptor(FakeElement.prototype, 'textContent').get;
Object.defineProperty(FakeElement.prototype, 'textContent', {
  get: getter,
  set(text) {
    this.children = [fakeDocument.createTextNode(text)];
  },
});
const boxes = await import('../../static/js/form-designer/formula-boxes.js');

const ITEMS = {
  key: 'items',
  type: 'line_items',
  label: { en: 'Items' },
  config: {
    columns: [
      { key: 'product', type: 'text', label: { en: 'Product' } },
      { key: 'quantity', type: 'number', label: { en: 'Quantity' } },
      { key: 'unit_price', type: 'money', label: { en: 'Unit price' } },
      { key: 'amount', type: 'money', label: { en: 'Amount' } },
    ],
    row_formulas: { amount: '{quantity}*{unit_price}' },
    max_rows: 50,
  },
};

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

test('resultFor gives the formula result kind of a type', () => {
  assert.equal(boxes.resultFor('number'), 'number');
  assert.equal(boxes.resultFor('rating'), 'number');
  assert.equal(boxes.resultFor('money'), 'money');
  assert.equal(boxes.resultFor('date'), 'date');
  assert.equal(boxes.resultFor('boolean'), 'boolean');
  assert.equal(boxes.resultFor('text'), 'text');
  assert.equal(boxes.resultFor('select'), 'text');
});

test('rowFormulaFields offers the other columns, computed ones as formulas', () => {
  const config = { ...ITEMS.config, row_formulas: { amount: '{quantity}*{unit_price}', tax: '{amount}*0.06' } };
  const fields = boxes.rowFormulaFields(config, 'unit_price');
  assert.deepEqual(fields.map((f) => [f.key, f.type]), [
    ['product', 'text'], ['quantity', 'number'], ['amount', 'formula'], ['tax', 'formula'],
  ]);
  assert.deepEqual(fields[2].config, { expression: '{quantity}*{unit_price}', result: 'money' });
  // the column being edited is never offered (nor is its own formula)
  assert.deepEqual(boxes.rowFormulaFields(config, 'amount').map((f) => f.key), ['product', 'quantity', 'unit_price', 'tax']);
  assert.deepEqual(boxes.rowFormulaFields({}, 'x'), []);
});

test('withRowFormula sets and removes one column formula, keeping the other keys in place', () => {
  const added = boxes.withRowFormula(ITEMS.config, 'product', 'UPPER("x")');
  assert.deepEqual(Object.keys(added), ['columns', 'row_formulas', 'max_rows']);
  assert.deepEqual(added.row_formulas, { amount: '{quantity}*{unit_price}', product: 'UPPER("x")' });
  const none = boxes.withRowFormula(ITEMS.config, 'amount', '');
  assert.deepEqual(Object.keys(none), ['columns', 'max_rows']);
  assert.equal(ITEMS.config.row_formulas.amount, '{quantity}*{unit_price}'); // not mutated
});

test('defaultMode, parseDefault and showDefault read and write defaults by type', () => {
  assert.equal(boxes.defaultMode({ key: 'a' }), 'none');
  assert.equal(boxes.defaultMode({ key: 'a', default: 'x' }), 'value');
  assert.equal(boxes.defaultMode({ key: 'a', default: false }), 'value');
  assert.equal(boxes.defaultMode({ key: 'a', default: { formula: 'TODAY()' } }), 'formula');
  assert.equal(boxes.defaultMode({ key: 'a', default: { formula: 'x', other: 1 } }), 'value');
  assert.equal(boxes.parseDefault('number', ' 1,200 '), 1200);
  assert.equal(boxes.parseDefault('number', 'abc'), 'abc');
  assert.equal(boxes.parseDefault('boolean', 'true'), true);
  assert.equal(boxes.parseDefault('boolean', 'false'), false);
  assert.equal(boxes.parseDefault('text', '  '), undefined);
  assert.equal(boxes.parseDefault('text', ' 新线索'), ' 新线索');
  assert.deepEqual(boxes.parseDefault('multiselect', '["a","b"]'), ['a', 'b']);
  assert.equal(boxes.parseDefault('multiselect', '[a'), undefined);
  assert.equal(boxes.showDefault('multiselect', ['a']), '["a"]');
  assert.equal(boxes.showDefault('number', 3), '3');
  assert.equal(boxes.showDefault('text', undefined), '');
});

/** A panel context over a real model, commands and undo stack. */
function setup(fields) {
  const model = { doc: { format: 1, key: 'quote', title: { en: 'Quote' }, fields } };
  const undo = [];
  const bodies = [];
  let redraws = 0;
  const ctx = {
    model,
    lang: 'en',
    w: (key) => key,
    functions: [{ name: 'TODAY' }],
    run(command, args) {
      undo.push([command, command.run(model, args)]);
      return true;
    },
    evaluateFormula: async (body) => {
      bodies.push(body);
      return { ok: true, data: { value: 7, text: '7' } };
    },
    redraw: () => { redraws += 1; },
  };
  const field = (key) => model.doc.fields.find((f) => f.key === key);
  const undoLast = () => {
    const [command, args] = undo.pop();
    command.run(model, args);
  };
  return { ctx, model, undo, bodies, field, undoLast, redraws: () => redraws };
}

const find = (el, predicate) => [...el.walk()].find(predicate);

test('the row formulas box edits a column formula, evaluates it over the row, and undoes exactly', async () => {
  const s = setup([structuredClone(ITEMS)]);
  const before = JSON.stringify(s.model.doc);
  const box = boxes.rowFormulasBox(s.ctx, s.field('items'));
  await tick();
  // the existing formula is shown and evaluated over the row's columns, as the money column
  const text = box.byName('row_formulas.amount');
  assert.equal(text.value, '{quantity}*{unit_price}');
  assert.equal(s.bodies.length, 1);
  assert.equal(s.bodies[0].field, 'amount');
  assert.equal(s.bodies[0].result, 'money');
  assert.deepEqual(s.bodies[0].sample, { quantity: 2, unit_price: '100.00' });
  assert.deepEqual(s.bodies[0].fields.map((f) => f.key), ['product', 'quantity', 'unit_price']);
  // the pickers offer the other columns only
  assert.deepEqual([...box.walk()].filter((x) => x.dataset.insertField).map((x) => x.dataset.insertField),
    ['product', 'quantity', 'unit_price']);
  // an edit is one field.config command
  text.value = '{quantity}*{unit_price}*0.9';
  text.dispatch('change');
  assert.equal(s.undo.length, 1);
  assert.equal(s.undo[0][0].name, 'field.config');
  assert.equal(s.field('items').config.row_formulas.amount, '{quantity}*{unit_price}*0.9');
  s.undoLast();
  assert.equal(JSON.stringify(s.model.doc), before);
});

test('a column gets a formula through the picker once its text is typed; remove drops it', () => {
  const s = setup([structuredClone(ITEMS)]);
  const before = JSON.stringify(s.model.doc);
  let box = boxes.rowFormulasBox(s.ctx, s.field('items'));
  const add = box.byName('row_formula_add');
  assert.deepEqual(add.all('option').map((o) => o.getAttribute('value')), ['', 'product', 'quantity', 'unit_price']);
  add.value = 'product';
  add.dispatch('change');
  assert.equal(s.undo.length, 0); // nothing written yet: an empty formula is not valid
  assert.equal(s.redraws(), 1);
  box = boxes.rowFormulasBox(s.ctx, s.field('items'));
  const text = box.byName('row_formulas.product');
  assert.equal(text.value, '');
  text.value = 'UPPER("a")';
  text.dispatch('change');
  assert.deepEqual(s.field('items').config.row_formulas, { amount: '{quantity}*{unit_price}', product: 'UPPER("a")' });
  box = boxes.rowFormulasBox(s.ctx, s.field('items'));
  find(box, (x) => x.dataset.action === 'remove-row-formula' && x.dataset.column === 'amount').dispatch('click');
  assert.deepEqual(s.field('items').config.row_formulas, { product: 'UPPER("a")' });
  s.undoLast();
  s.undoLast();
  assert.equal(JSON.stringify(s.model.doc), before);
  // a field without columns has no box
  assert.equal(boxes.rowFormulasBox(s.ctx, { key: 'x', type: 'line_items', config: {} }), null);
});

test('the default box sets a fixed value, then a formula evaluated over the other fields', async () => {
  const fields = [
    { key: 'start', type: 'date', label: { en: 'Start' } },
    { key: 'due', type: 'date', label: { en: 'Due' } },
    { key: 'status', type: 'select', label: { en: 'Status' }, config: { options: [{ value: 'new' }, { value: 'done' }] } },
    { key: 'no', type: 'serial', label: { en: 'No.' } },
  ];
  const s = setup(fields);
  const before = JSON.stringify(s.model.doc);
  assert.equal(boxes.defaultBox(s.ctx, s.field('no')), null); // computed: no default
  // a choice field picks its fixed default among its options
  let box = boxes.defaultBox(s.ctx, s.field('status'));
  assert.equal(box.byName('default_mode').all('option').find((o) => o.getAttribute('selected') !== null)?.getAttribute('value'), 'none');
  box.byName('default_mode').value = 'value';
  box.byName('default_mode').dispatch('change');
  assert.equal(s.undo.length, 0);
  box = boxes.defaultBox(s.ctx, s.field('status'));
  const pickValue = box.byName('default_value');
  assert.deepEqual(pickValue.all('option').map((o) => o.getAttribute('value')), ['', 'new', 'done']);
  pickValue.value = 'new';
  pickValue.dispatch('change');
  assert.equal(s.field('status').default, 'new');
  assert.deepEqual(Object.keys(s.field('status')), ['key', 'type', 'label', 'default', 'config']);

  // a date field gets a formula default
  box = boxes.defaultBox(s.ctx, s.field('due'));
  box.byName('default_mode').value = 'formula';
  box.byName('default_mode').dispatch('change');
  box = boxes.defaultBox(s.ctx, s.field('due'));
  await tick();
  const text = box.byName('default.formula');
  assert.ok(text);
  text.value = 'DATEADD({start}, 7)';
  text.dispatch('input');
  await tick(350);
  const last = s.bodies.at(-1);
  assert.equal(last.expression, 'DATEADD({start}, 7)');
  assert.equal(last.result, 'date');
  assert.deepEqual(last.fields.map((f) => f.key), ['start', 'status', 'no']);
  assert.match(last.sample.start, /^\d{4}-\d{2}-\d{2}$/);
  text.dispatch('change');
  assert.deepEqual(s.field('due').default, { formula: 'DATEADD({start}, 7)' });
  // back to none removes it; undo brings everything back byte for byte
  box = boxes.defaultBox(s.ctx, s.field('due'));
  assert.equal(box.byName('default.formula').value, 'DATEADD({start}, 7)');
  box.byName('default_mode').value = 'none';
  box.byName('default_mode').dispatch('change');
  assert.equal('default' in s.field('due'), false);
  while (s.undo.length) s.undoLast();
  assert.equal(JSON.stringify(s.model.doc), before);
});
