// Pure parts of static/js/pages/topbar.js: run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { badgeText } from '../../static/js/pages/topbar.js';

test('badgeText hides at zero, counts up to 99, then says 99+', () => {
  assert.equal(badgeText(0), '');
  assert.equal(badgeText(-1), '');
  assert.equal(badgeText(Number.NaN), '');
  assert.equal(badgeText(3), '3');
  assert.equal(badgeText(99), '99');
  assert.equal(badgeText(100), '99+');
});
