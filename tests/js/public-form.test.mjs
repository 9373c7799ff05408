// Pure parts of static/js/pages/public-form.js (no DOM): run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

// public-form.js imports ../core/conditions.js (written separately); skip, loudly, until it exists.
let mod;
let skip = false;
try {
  mod = await import('../../static/js/pages/public-form.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('conditions.js')) {
    throw error;
  }
  skip = 'static/js/core/conditions.js is missing';
}

test('parseFieldName splits bracketed names into a path', { skip }, () => {
  const { parseFieldName } = mod;
  assert.deepEqual(parseFieldName('city'), ['city']);
  assert.deepEqual(parseFieldName('items[0][product]'), ['items', 0, 'product']);
  assert.deepEqual(parseFieldName('items[12][unit_price]'), ['items', 12, 'unit_price']);
  assert.deepEqual(parseFieldName('tags[]'), ['tags', '']);
  assert.deepEqual(parseFieldName('broken[0'), ['broken[0']);
});

test('collectValues builds a plain object with arrays for multi-values', { skip }, () => {
  const values = mod.collectValues(
    [
      ['name', '张三'],
      ['interests', 'crm'],
      ['interests', 'erp'],
      ['colors', 'red'],
      ['website', ''],
      ['_idempotency_key', 'k'],
    ],
    { multiple: ['colors', 'empty_multi'] },
  );
  assert.deepEqual(values, {
    name: '张三',
    interests: ['crm', 'erp'],
    colors: ['red'],
    empty_multi: [],
  });
});

test('collectValues turns line item names into rows and drops gaps', { skip }, () => {
  const values = mod.collectValues([
    ['items[0][product]', 'CRM'],
    ['items[0][quantity]', '2'],
    ['items[2][product]', '实施'],
    ['items[2][quantity]', '1'],
    ['tags[]', 'a'],
    ['tags[]', 'b'],
  ]);
  assert.deepEqual(values, {
    items: [
      { product: 'CRM', quantity: '2' },
      { product: '实施', quantity: '1' },
    ],
    tags: ['a', 'b'],
  });
});

test('collectValues skips files and non-string entries', { skip }, () => {
  const values = mod.collectValues([
    ['name', 'a'],
    ['upload', { name: 'x.pdf', size: 3 }],
  ]);
  assert.deepEqual(values, { name: 'a' });
});

test('normalizeValues gives numbers, booleans and nulls for conditions', { skip }, () => {
  const out = mod.normalizeValues(
    { amount: '1,234.5', stars: '4', agree: 'true', name: '', weird: 'abc', text: '12' },
    { amount: 'money', stars: 'rating', agree: 'boolean', name: 'text', weird: 'number',
      text: 'text', missing: 'boolean', gone: 'select' },
  );
  assert.deepEqual(out, {
    amount: 1234.5,
    stars: 4,
    agree: true,
    name: null,
    weird: 'abc',
    text: '12',
    missing: false,
    gone: null,
  });
});

test('parseCondition returns null for missing or broken JSON', { skip }, () => {
  assert.equal(mod.parseCondition(undefined), null);
  assert.equal(mod.parseCondition('{oops'), null);
  assert.deepEqual(mod.parseCondition('{"field":"city","op":"eq","value":"北京"}'), {
    field: 'city', op: 'eq', value: '北京',
  });
});

// A tiny stand-in for conditions.js: {field, op: 'eq'|'is_not_empty', value} only.
const evaluate = (tree, values) => {
  if (tree.op === 'eq') return values[tree.field] === tree.value;
  if (tree.op === 'is_not_empty') return values[tree.field] != null && values[tree.field] !== '';
  throw new Error(`unsupported ${tree.op}`);
};

test('computeStates evaluates visible_when and required_when', { skip }, () => {
  const fields = [
    { key: 'city' },
    { key: 'budget', visibleWhen: { field: 'city', op: 'eq', value: '北京' } },
    { key: 'phone', requiredWhen: { field: 'city', op: 'is_not_empty' } },
    { key: 'name', required: true },
  ];
  const beijing = mod.computeStates(fields, { city: '北京' }, evaluate);
  assert.deepEqual(beijing.budget, { visible: true, required: false, readonly: false });
  assert.equal(beijing.phone.required, true);
  assert.equal(beijing.name.required, true);
  const none = mod.computeStates(fields, { city: null }, evaluate);
  assert.equal(none.budget.visible, false);
  assert.equal(none.phone.required, false);
});

test('computeStates cascades: a field hidden by another reads as empty', { skip }, () => {
  const fields = [
    { key: 'a' },
    { key: 'b', visibleWhen: { field: 'a', op: 'eq', value: 'yes' } },
    { key: 'c', visibleWhen: { field: 'b', op: 'is_not_empty' }, required: true },
  ];
  const states = mod.computeStates(fields, { a: 'no', b: 'filled', c: 'x' }, evaluate);
  assert.equal(states.b.visible, false);
  assert.equal(states.c.visible, false);
  assert.equal(states.c.required, false); // hidden fields are never required
  const shown = mod.computeStates(fields, { a: 'yes', b: 'filled' }, evaluate);
  assert.equal(shown.c.visible, true);
  assert.equal(shown.c.required, true);
});

test('computeStates fails open when a condition throws', { skip }, () => {
  const fields = [{ key: 'x', visibleWhen: { op: 'weird' }, requiredWhen: { op: 'weird' } }];
  assert.deepEqual(mod.computeStates(fields, {}, evaluate).x,
    { visible: true, required: false, readonly: false });
});

test('renumberName and renumberId rewrite the row index only', { skip }, () => {
  assert.equal(mod.renumberName('items[3][product]', 'items', 1), 'items[1][product]');
  assert.equal(mod.renumberName('items[__index__][qty]', 'items', 0), 'items[0][qty]');
  assert.equal(mod.renumberName('other[3][product]', 'items', 1), 'other[3][product]');
  assert.equal(mod.renumberId('fw-f-items-3-product', 'fw-f-items', 2), 'fw-f-items-2-product');
  assert.equal(mod.renumberId('fw-f-items-__index__-qty', 'fw-f-items', 5), 'fw-f-items-5-qty');
});

test('reserved names are the honeypot and the idempotency key', { skip }, () => {
  assert.deepEqual([...mod.RESERVED_NAMES].sort(), ['_idempotency_key', 'website']);
});

test('tabTarget steps with arrows, wraps, jumps with Home / End and skips hidden tabs', { skip }, () => {
  const { tabTarget } = mod;
  const all = [true, true, true];
  assert.equal(tabTarget('ArrowRight', 0, all), 1);
  assert.equal(tabTarget('ArrowRight', 2, all), 0);
  assert.equal(tabTarget('ArrowLeft', 0, all), 2);
  assert.equal(tabTarget('ArrowDown', 1, all), 2);
  assert.equal(tabTarget('ArrowUp', 1, all), 0);
  assert.equal(tabTarget('Home', 2, all), 0);
  assert.equal(tabTarget('End', 0, all), 2);
  assert.equal(tabTarget('Enter', 0, all), null);
  assert.equal(tabTarget('a', 0, all), null);
  const middleHidden = [true, false, true];
  assert.equal(tabTarget('ArrowRight', 0, middleHidden), 2);
  assert.equal(tabTarget('ArrowLeft', 2, middleHidden), 0);
  assert.equal(tabTarget('Home', 2, [false, true, true]), 1);
  assert.equal(tabTarget('End', 0, [true, true, false]), 1);
  assert.equal(tabTarget('ArrowRight', 0, [false, false]), null);
});

test('chooseTab keeps the current tab, else opens the first with a problem', { skip }, () => {
  const { chooseTab } = mod;
  const tab = (shown, invalid = false) => ({ shown, invalid });
  assert.equal(chooseTab([tab(true), tab(true)]), 0);
  assert.equal(chooseTab([tab(true), tab(true, true), tab(true, true)]), 1);
  // a tab with a problem but hidden by conditions is not opened
  assert.equal(chooseTab([tab(true), tab(false, true)]), 0);
  assert.equal(chooseTab([tab(true), tab(true, true)], 0), 0);
  // the current tab got hidden: move on
  assert.equal(chooseTab([tab(false), tab(true)], 0), 1);
  assert.equal(chooseTab([tab(false), tab(false)]), -1);
});

test('isBlank says what the server counts as not given', { skip }, () => {
  const { isBlank } = mod;
  for (const value of [undefined, null, '', '   ', [], [''], [{ product: '', quantity: ' ' }], {}]) {
    assert.equal(isBlank(value), true, JSON.stringify(value));
  }
  for (const value of ['0', 'x', ['crm'], [{ product: '', quantity: '2' }], 0, false, true]) {
    assert.equal(isBlank(value), false, JSON.stringify(value));
  }
});
