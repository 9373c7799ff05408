// The form designer's show / require / read-only conditions: written with `field.set` and undone
// exactly (JSON text) — run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import * as c from '../../static/js/form-designer/commands.js';
import { FormModel } from '../../static/js/form-designer/model.js';
import * as ct from '../../static/js/core/condition-tree.js';

const DOC = {
  format: 1,
  key: 'lead',
  title: { 'zh-CN': '线索' },
  fields: [
    { key: 'source', type: 'select', label: { 'zh-CN': '来源' }, config: { options: [{ value: 'web' }, { value: 'expo' }] } },
    { key: 'amount', type: 'money', label: { 'zh-CN': '金额' }, required: true, config: {} },
    { key: 'note', type: 'textarea', label: { 'zh-CN': '备注' }, config: {}, readonly: true },
  ],
};

for (const name of ['visible_when', 'required_when', 'readonly_when']) {
  test(`${name}: set, edited through the builder's tree edits, removed; each undone exactly`, () => {
    const model = new FormModel(DOC);
    const texts = [JSON.stringify(model.doc)];
    const undos = [];
    let tree = ct.addLeaf({ all: [] }, [], { field: 'source', op: 'eq', value: 'expo' });
    undos.push(c.setProperty.run(model, { key: 'note', name, value: tree }));
    texts.push(JSON.stringify(model.doc));
    assert.deepEqual(model.doc.fields[2][name], tree);
    // Its place among the field's keys follows FIELD_KEY_ORDER (after config, before readonly).
    const keys = Object.keys(model.doc.fields[2]);
    assert.ok(keys.indexOf(name) > keys.indexOf('config') && keys.indexOf(name) < keys.indexOf('readonly'));
    tree = ct.addLeaf(ct.addGroup(tree, [], 'any'), [1], { field: 'amount', op: 'gt', value: 1000 });
    undos.push(c.setProperty.run(model, { key: 'note', name, value: tree }));
    texts.push(JSON.stringify(model.doc));
    undos.push(c.setProperty.run(model, { key: 'note', name, value: undefined }));
    assert.equal(name in model.doc.fields[2], false);
    while (undos.length) {
      c.setProperty.run(model, undos.pop());
      assert.equal(JSON.stringify(model.doc), texts.pop());
    }
    assert.equal(JSON.stringify(model.doc), JSON.stringify(DOC));
  });
}
