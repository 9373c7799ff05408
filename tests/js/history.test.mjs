// static/js/core/bus.js and static/js/core/history.js: run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { createBus } from '../../static/js/core/bus.js';
import { createHistory } from '../../static/js/core/history.js';

/** A counter model with two commands, enough to see undo/redo bookkeeping. */
const add = {
  name: 'add',
  run(model, { n }) {
    model.value += n;
    return { n: -n };
  },
};
const set = {
  name: 'set',
  run(model, { value }) {
    const old = model.value;
    model.value = value;
    return { value: old };
  },
};

test('bus calls listeners in order, off() removes one, a thrower does not stop the rest', () => {
  const bus = createBus();
  const seen = [];
  const off = bus.on('x', (p) => seen.push(['a', p]));
  bus.on('x', () => {
    throw new Error('boom');
  });
  bus.on('x', (p) => seen.push(['c', p]));
  assert.throws(() => bus.emit('x', 1), /boom/);
  assert.deepEqual(seen, [
    ['a', 1],
    ['c', 1],
  ]);
  off();
  seen.length = 0;
  assert.throws(() => bus.emit('x', 2), /boom/);
  assert.deepEqual(seen, [['c', 2]]);
  bus.emit('nobody-listens', 3);
});

test('run, undo and redo walk the model back and forth and emit model.changed', () => {
  const bus = createBus();
  const events = [];
  bus.on('model.changed', (p) => events.push(p.command));
  const model = { value: 0 };
  const history = createHistory(model, { bus });
  assert.equal(history.canUndo(), false);
  assert.deepEqual(history.run(add, { n: 5 }), { n: -5 });
  history.run(set, { value: 42 });
  history.run(add, { n: 1 });
  assert.equal(model.value, 43);
  assert.equal(history.size(), 3);
  assert.equal(history.undo(), true);
  assert.equal(model.value, 42);
  assert.equal(history.undo(), true);
  assert.equal(model.value, 5);
  assert.equal(history.canRedo(), true);
  assert.equal(history.redo(), true);
  assert.equal(model.value, 42);
  assert.equal(history.redo(), true);
  assert.equal(model.value, 43);
  assert.equal(history.redo(), false);
  while (history.undo());
  assert.equal(model.value, 0);
  assert.equal(history.undo(), false);
  assert.deepEqual(events, ['add', 'set', 'add', 'add', 'set', 'set', 'add', 'add', 'set', 'add']);
});

test('a new command clears the redo stack; clear() forgets everything', () => {
  const model = { value: 1 };
  const history = createHistory(model);
  history.run(add, { n: 1 });
  history.undo();
  assert.equal(history.canRedo(), true);
  history.run(add, { n: 10 });
  assert.equal(history.canRedo(), false);
  assert.equal(model.value, 11);
  history.clear();
  assert.equal(history.canUndo(), false);
  assert.equal(history.size(), 0);
  assert.equal(model.value, 11);
});

test('the limit keeps only the newest edits', () => {
  const model = { value: 0 };
  const history = createHistory(model, { limit: 3 });
  for (let i = 1; i <= 5; i += 1) history.run(add, { n: i });
  assert.equal(model.value, 15);
  assert.equal(history.size(), 3);
  while (history.undo());
  assert.equal(model.value, 3); // 1 + 2 stay: they fell out of the history
});
