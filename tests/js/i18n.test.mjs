// static/js/core/i18n.js: run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { format, locale, pick, t } from '../../static/js/core/i18n.js';

const messages = {
  'zh-CN': { saved: '已保存 {n} 个字段', only_zh: '仅中文' },
  en: { saved: 'Saved {n} fields' },
};

test('locale reads <html lang>, maps zh/en variants and defaults to zh-CN', () => {
  assert.equal(locale({ documentElement: { lang: 'en' } }), 'en');
  assert.equal(locale({ documentElement: { lang: 'zh-CN' } }), 'zh-CN');
  assert.equal(locale({ documentElement: { lang: 'zh-TW' } }), 'zh-CN');
  assert.equal(locale({ documentElement: { lang: 'en-GB' } }), 'en');
  assert.equal(locale({ documentElement: { lang: 'fr' } }), 'zh-CN');
  assert.equal(locale({ documentElement: { lang: '' } }), 'zh-CN');
  assert.equal(locale(undefined), 'zh-CN');
});

test('t picks the language, fills placeholders, falls back to zh-CN then the key', () => {
  assert.equal(t(messages, 'saved', { n: 3 }, 'en'), 'Saved 3 fields');
  assert.equal(t(messages, 'saved', { n: 3 }, 'zh-CN'), '已保存 3 个字段');
  assert.equal(t(messages, 'only_zh', {}, 'en'), '仅中文');
  assert.equal(t(messages, 'missing', {}, 'en'), 'missing');
  assert.equal(t(messages, 'saved', undefined, 'en'), 'Saved {n} fields');
});

test('format leaves unknown placeholders alone and does not read inherited names', () => {
  assert.equal(format('{a} {b} {constructor}', { a: 1 }), '1 {b} {constructor}');
});

test('pick reads translatable texts and passes plain text through', () => {
  assert.equal(pick({ 'zh-CN': '线索', en: 'Lead' }, 'en'), 'Lead');
  assert.equal(pick({ 'zh-CN': '线索' }, 'en'), '线索');
  assert.equal(pick({ en: 'Lead' }, 'zh-CN'), 'Lead');
  assert.equal(pick('plain', 'en'), 'plain');
  assert.equal(pick(null, 'en'), '');
  assert.equal(pick(undefined, 'en'), '');
});
