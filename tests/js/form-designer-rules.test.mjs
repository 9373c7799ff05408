// static/js/form-designer/panel.js: the pattern rule's presets and the browser-side try-out.
import assert from 'node:assert/strict';
import test from 'node:test';

import { installFakeDocument } from './fake-dom.mjs';

installFakeDocument();
const { PATTERN_PRESETS, patternMatches } = await import('../../static/js/form-designer/panel.js');

const SAMPLES = {
  mobile: [['13800138000', true], ['12800138000', false], ['1380013800', false]],
  postcode: [['100010', true], ['10001', false]],
  id_card: [['11010519491231002X', true], ['110105194912310021', true], ['1101051949123100', false]],
  credit_code: [['91350100M000100Y43', true], ['91350100M000100Y4', false]],
  letters_digits: [['AB12', true], ['AB 12', false]],
};

test('every preset matches whole values only, with a message in both languages', () => {
  assert.deepEqual(PATTERN_PRESETS.map((p) => p.key).sort(), Object.keys(SAMPLES).sort());
  for (const preset of PATTERN_PRESETS) {
    assert.ok(preset.message['zh-CN'] && preset.message.en, preset.key);
    assert.ok(preset.label['zh-CN'] && preset.label.en, preset.key);
    for (const [value, expected] of SAMPLES[preset.key]) {
      assert.equal(patternMatches(preset.pattern, value), expected, `${preset.key} ${value}`);
    }
  }
});

test('a pattern the browser cannot compile answers null', () => {
  assert.equal(patternMatches('(', 'x'), null);
  assert.equal(patternMatches('[A-Z]{2}\\d{4}', 'AB1234'), true);
});
