// "Restore as draft" in both designers: `form.replace` / `flow.replace` put a whole version into
// the model as ONE undoable step; run, undone, redone and undone again give the exact JSON text.
// Run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import { createHistory } from '../../static/js/core/history.js';
import * as flowCommands from '../../static/js/flow-designer/commands.js';
import { FlowModel } from '../../static/js/flow-designer/model.js';
import * as formCommands from '../../static/js/form-designer/commands.js';
import { FormModel } from '../../static/js/form-designer/model.js';

const QUOTE = JSON.parse(
  readFileSync(new URL('../../flow_definitions/crm/quote_approval.json', import.meta.url), 'utf8'),
);

const FORM_V1 = {
  format: 1,
  key: 'visit',
  title: { 'zh-CN': '拜访', en: 'Visit' },
  fields: [{ key: 'name', type: 'text', label: { 'zh-CN': '姓名' }, required: true, config: {} }],
};

const text = (/** @type {{toJSON(): any}} */ model) => JSON.stringify(model.toJSON());

/**
 * Edit, then restore `version`: one history step; undo gives the edited text back, redo the
 * version's text, and a second undo/redo pair the same again.
 * @param {any} model
 * @param {any} command
 * @param {any} version
 * @param {(history: any) => void} edit
 */
function restoreRoundTrip(model, command, version, edit) {
  const history = createHistory(model);
  edit(history);
  const edited = text(model);
  const steps = history.size();
  history.run(command, { doc: version });
  assert.equal(text(model), JSON.stringify(version), 'the model holds the version exactly');
  assert.equal(history.size(), steps + 1, 'restoring is one step');
  assert.equal(history.undo(), true);
  assert.equal(text(model), edited, 'undo gives the edited draft back byte for byte');
  assert.equal(history.redo(), true);
  assert.equal(text(model), JSON.stringify(version));
  assert.equal(history.undo(), true);
  assert.equal(text(model), edited);
  // the edits before the restore still undo as before
  while (history.undo());
  return history;
}

test('form.replace restores a version as one undoable step', () => {
  const model = new FormModel(FORM_V1);
  const original = text(model);
  restoreRoundTrip(model, formCommands.replaceAll, FORM_V1, (history) => {
    history.run(formCommands.addField, { field: { key: 'city', type: 'text', label: { 'zh-CN': '城市' }, config: {} } });
    history.run(formCommands.setLabel, { key: 'name', lang: 'en', text: 'Full name' });
    history.run(formCommands.setProperty, { key: 'name', name: 'required', value: undefined });
  });
  assert.equal(text(model), original, 'all the way back gives the start');
});

test('form.replace never shares the version object with the model', () => {
  const version = structuredClone(FORM_V1);
  const model = new FormModel({ ...FORM_V1, fields: [] });
  createHistory(model).run(formCommands.replaceAll, { doc: version });
  version.fields[0].key = 'changed_outside';
  assert.equal(model.doc.fields[0].key, 'name');
});

test('flow.replace restores a version as one undoable step, in batch too', () => {
  const model = new FlowModel(QUOTE);
  const original = text(model);
  restoreRoundTrip(model, flowCommands.replaceAll, QUOTE, (history) => {
    history.run(flowCommands.addNode, { type: 'action', x: 100, y: 100 });
    history.run(flowCommands.removeNode, { id: QUOTE.nodes[1].id });
    history.run(flowCommands.setLabel, { id: QUOTE.nodes[0].id, label: { 'zh-CN': '开始', en: 'Begin' } });
  });
  assert.equal(text(model), original);
  assert.equal(flowCommands.COMMANDS['flow.replace'], flowCommands.replaceAll);
});

test('flow.replace keeps nodes and edges lists even for a sparse document', () => {
  const model = new FlowModel(QUOTE);
  const history = createHistory(model);
  history.run(flowCommands.replaceAll, { doc: { key: 'x' } });
  assert.deepEqual(model.nodes, []);
  assert.deepEqual(model.edges, []);
  history.undo();
  assert.equal(text(model), JSON.stringify(new FlowModel(QUOTE).toJSON()));
});
