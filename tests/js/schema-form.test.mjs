// static/js/core/schema-form.js: the pure helpers, and the panel itself on a fake document
// (tests/js/fake-dom.mjs) — run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { installFakeDocument } from './fake-dom.mjs';

installFakeDocument();
const { getIn, kindOf, labelOf, parseInput, schemaForm, setIn } = await import(
  '../../static/js/core/schema-form.js'
);

const TEXT = { type: 'object', additionalProperties: false, properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } } };
const SCHEMA = {
  type: 'object',
  properties: {
    max_length: { type: 'integer', minimum: 1, default: 200, description: 'Longest text allowed' },
    pattern: { type: 'string', maxLength: 200 },
    ratio: { type: ['number', 'string'] },
    strip: { type: 'boolean', default: true },
    level: { enum: ['province', 'city', 'district'] },
    schemes: { type: 'array', items: { enum: ['http', 'https', 'ftp'] } },
    accept: { type: 'array', items: { type: 'string' } },
    pattern_message: TEXT,
    columns: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' } } } },
  },
};

test('kindOf maps each schema to its editor', () => {
  const p = SCHEMA.properties;
  assert.equal(kindOf(SCHEMA), 'object');
  assert.equal(kindOf(p.max_length), 'integer');
  assert.equal(kindOf(p.pattern), 'string');
  assert.equal(kindOf(p.ratio), 'number');
  assert.equal(kindOf(p.strip), 'boolean');
  assert.equal(kindOf(p.level), 'enum');
  assert.equal(kindOf(p.schemes), 'enum_list');
  assert.equal(kindOf(p.accept), 'list');
  assert.equal(kindOf(p.pattern_message), 'object');
  assert.equal(kindOf(p.columns), 'json');
  assert.equal(kindOf(undefined), 'json');
});

test('setIn copies along the path, removes on undefined and drops emptied objects', () => {
  const before = { a: { b: 1, c: 2 }, d: 3 };
  const frozen = JSON.stringify(before);
  assert.deepEqual(setIn(before, ['a', 'b'], 5), { a: { b: 5, c: 2 }, d: 3 });
  assert.deepEqual(setIn(before, ['d'], undefined), { a: { b: 1, c: 2 } });
  assert.deepEqual(setIn({ a: { b: 1 } }, ['a', 'b'], undefined), {});
  assert.deepEqual(setIn(undefined, ['x', 'y'], 'z'), { x: { y: 'z' } });
  assert.equal(JSON.stringify(before), frozen);
  assert.equal(getIn(before, ['a', 'c']), 2);
  assert.equal(getIn(before, ['a', 'c', 'x']), undefined);
});

test('parseInput: empty is unset, bad text is null', () => {
  assert.equal(parseInput('integer', ' 12 '), 12);
  assert.equal(parseInput('integer', '1.5'), null);
  assert.equal(parseInput('number', '1.5'), 1.5);
  assert.equal(parseInput('number', 'abc'), null);
  assert.equal(parseInput('number', ''), undefined);
  assert.deepEqual(parseInput('list', '.pdf\n\n .png \n'), ['.pdf', '.png']);
  assert.equal(parseInput('list', '\n'), undefined);
  assert.deepEqual(parseInput('json', '[{"key": "a"}]'), [{ key: 'a' }]);
  assert.equal(parseInput('json', '[{'), null);
  assert.equal(parseInput('string', ''), undefined);
  assert.equal(parseInput('string', 'x'), 'x');
});

test('labelOf prefers given labels, then the title, then the key', () => {
  assert.equal(labelOf('max_length', {}, { max_length: { 'zh-CN': '最大长度', en: 'Max length' } }, 'en'), 'Max length');
  assert.equal(labelOf('x', { title: 'Ex' }, {}, 'en'), 'Ex');
  assert.equal(labelOf('max_length', {}, {}, 'en'), 'max length');
});

test('every editor reports a new value and never mutates the old one', () => {
  const value = { max_length: 50, strip: false, schemes: ['https'] };
  const frozen = JSON.stringify(value);
  const seen = [];
  const panel = schemaForm(SCHEMA, value, { onChange: (v) => seen.push(v), locale: 'en' });

  const maxLength = panel.byName('max_length');
  assert.equal(maxLength.getAttribute('type'), 'number');
  assert.equal(maxLength.value, '50');
  maxLength.value = '80';
  maxLength.dispatch('change');
  assert.deepEqual(seen.at(-1), { max_length: 80, strip: false, schemes: ['https'] });

  maxLength.value = '8.5';
  maxLength.dispatch('change');
  assert.equal(seen.length, 1, 'a bad number is not reported');
  assert.equal(maxLength.getAttribute('aria-invalid'), 'true');

  const pattern = panel.byName('pattern');
  pattern.value = '[A-Z]+';
  pattern.dispatch('change');
  assert.equal(seen.at(-1).pattern, '[A-Z]+');

  const strip = panel.byName('strip');
  assert.equal(strip.checked, false);
  strip.checked = true;
  strip.dispatch('change');
  assert.equal(seen.at(-1).strip, true);

  const level = panel.byName('level');
  level.value = '1';
  level.dispatch('change');
  assert.equal(seen.at(-1).level, 'city');
  level.value = '';
  level.dispatch('change');
  assert.equal('level' in seen.at(-1), false);

  const ftp = panel.all('input').find((el) => el.getAttribute('name') === 'schemes[]' && el.value === 'ftp');
  ftp.checked = true;
  ftp.dispatch('change');
  assert.deepEqual(seen.at(-1).schemes, ['https', 'ftp']);
  const https = panel.all('input').find((el) => el.getAttribute('name') === 'schemes[]' && el.value === 'https');
  https.checked = false;
  https.dispatch('change');
  assert.deepEqual(seen.at(-1).schemes, ['ftp']);

  const accept = panel.byName('accept');
  assert.equal(accept.tagName, 'TEXTAREA');
  accept.value = '.pdf\n.png';
  accept.dispatch('change');
  assert.deepEqual(seen.at(-1).accept, ['.pdf', '.png']);

  const en = panel.byName('pattern_message.en');
  en.value = 'Two letters';
  en.dispatch('change');
  assert.deepEqual(seen.at(-1).pattern_message, { en: 'Two letters' });
  en.value = '';
  en.dispatch('change');
  assert.equal('pattern_message' in seen.at(-1), false, 'an emptied text object is removed');

  const columns = panel.byName('columns');
  columns.value = '[{"key": "product"}]';
  columns.dispatch('change');
  assert.deepEqual(seen.at(-1).columns, [{ key: 'product' }]);

  assert.equal(JSON.stringify(value), frozen);
  for (let i = 1; i < seen.length; i += 1) assert.notEqual(seen[i], seen[i - 1]);
});

test('descriptions become help text and labels come from the options', () => {
  const panel = schemaForm(SCHEMA, {}, {
    onChange: () => {},
    locale: 'zh-CN',
    labels: { max_length: { 'zh-CN': '最大长度', en: 'Max length' } },
  });
  assert.match(panel.textContent, /最大长度/);
  assert.match(panel.textContent, /Longest text allowed/);
  assert.equal(panel.byName('strip').checked, true, 'a boolean shows its default when unset');
});
