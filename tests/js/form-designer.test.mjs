// static/js/form-designer/model.js and commands.js: every command run, undone and redone gives
// the exact JSON back. Run with `node --test tests/js/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { createHistory } from '../../static/js/core/history.js';
import * as c from '../../static/js/form-designer/commands.js';
import * as m from '../../static/js/form-designer/model.js';

const TEXT_ENTRY = { key: 'text', label: { 'zh-CN': '单行文本', en: 'Text' }, config_schema: { type: 'object', properties: {} } };
const SELECT_ENTRY = {
  key: 'select',
  label: { 'zh-CN': '下拉单选', en: 'Dropdown' },
  config_schema: { type: 'object', required: ['options'], properties: { options: { type: 'array' } } },
  example_config: { options: [{ value: '北京' }] },
};
const FORMULA_ENTRY = {
  key: 'formula',
  label: { 'zh-CN': '公式', en: 'Formula' },
  config_schema: { type: 'object', required: ['expression'], properties: { expression: { type: 'string' } } },
  example_config: { expression: '1+1', result: 'number' },
};

/** A form without layout: name, phone (required), city (select), note. */
function flatForm() {
  return {
    format: 1,
    key: 'visit',
    title: { 'zh-CN': '拜访', en: 'Visit' },
    title_field: 'name',
    fields: [
      { key: 'name', type: 'text', label: { 'zh-CN': '姓名', en: 'Name' }, required: true, config: {} },
      { key: 'phone', type: 'phone', label: { 'zh-CN': '电话', en: 'Phone' }, config: { region: 'CN' } },
      { key: 'city', type: 'select', label: { 'zh-CN': '城市', en: 'City' }, config: { options: [{ value: '北京' }] } },
      { key: 'note', type: 'textarea', label: { 'zh-CN': '备注' }, help: { 'zh-CN': '可选' }, config: {} },
    ],
  };
}

/** The same form laid out in two sections, note hidden and outside the layout. */
function sectionForm() {
  const doc = flatForm();
  doc.fields[3].hidden = true;
  doc.layout = [
    { type: 'section', key: 'main', title: { 'zh-CN': '基本' }, columns: 2, items: ['name', 'phone'] },
    { type: 'section', key: 'more', columns: 1, items: ['city'] },
  ];
  doc.public = { enabled: false };
  return doc;
}

function setup(doc) {
  const model = new m.FormModel(doc);
  const events = [];
  const bus = { emit: (name, payload) => events.push([name, payload]) };
  return { model, history: createHistory(model, { bus }), events };
}

/** Run, undo, redo, undo again: JSON text must match before/after each time. */
function roundTrip(doc, command, args, check) {
  const { model, history, events } = setup(doc);
  const before = JSON.stringify(model.toJSON());
  history.run(command, args);
  const after = JSON.stringify(model.toJSON());
  assert.notEqual(after, before, `${command.name} changed nothing`);
  if (check) check(model.toJSON());
  assert.equal(history.undo(), true);
  assert.equal(JSON.stringify(model.toJSON()), before, `${command.name} undo`);
  assert.equal(history.redo(), true);
  assert.equal(JSON.stringify(model.toJSON()), after, `${command.name} redo`);
  assert.equal(history.undo(), true);
  assert.equal(JSON.stringify(model.toJSON()), before, `${command.name} second undo`);
  assert.deepEqual(events.map(([name, p]) => [name, p.command]), [
    ['model.changed', command.name], ['model.changed', command.name],
    ['model.changed', command.name], ['model.changed', command.name],
  ]);
}

const CASES = [
  ['addField at the end', c.addField, (doc) => ({ field: m.newField(doc, TEXT_ENTRY) }),
    (doc) => assert.equal(doc.fields.at(-1).key, 'text')],
  ['addField in the middle', c.addField, (doc) => ({ field: m.newField(doc, SELECT_ENTRY), place: { index: 1 } }),
    (doc) => assert.deepEqual(doc.fields[1], { key: 'dropdown', type: 'select', label: SELECT_ENTRY.label, config: { options: [] } })],
  ['removeField first', c.removeField, () => ({ key: 'name' }), (doc) => assert.equal(doc.fields[0].key, 'phone')],
  ['removeField middle', c.removeField, () => ({ key: 'city' })],
  ['moveField down', c.moveField, () => ({ key: 'name', place: { index: 2 } }),
    (doc) => assert.deepEqual(doc.fields.map((f) => f.key), ['phone', 'city', 'name', 'note'])],
  ['moveField to the top', c.moveField, () => ({ key: 'note', place: { index: 0 } })],
  ['setProperty adds required', c.setProperty, () => ({ key: 'phone', name: 'required', value: true }),
    (doc) => assert.deepEqual(Object.keys(doc.fields[1]), ['key', 'type', 'label', 'required', 'config'])],
  ['setProperty removes required', c.setProperty, () => ({ key: 'name', name: 'required', value: undefined })],
  ['setProperty removes help', c.setProperty, () => ({ key: 'note', name: 'help', value: undefined })],
  ['setProperty sets a condition', c.setProperty, () => ({ key: 'note', name: 'visible_when', value: { field: 'city', op: 'eq', value: '北京' } })],
  ['setConfig', c.setConfig, () => ({ key: 'city', config: { options: [{ value: '北京' }, { value: '上海' }] } })],
  ['setLabel changes one language', c.setLabel, () => ({ key: 'name', lang: 'en', text: 'Full name' }),
    (doc) => assert.deepEqual(doc.fields[0].label, { 'zh-CN': '姓名', en: 'Full name' })],
  ['setLabel adds a language', c.setLabel, () => ({ key: 'note', lang: 'en', text: 'Note' })],
  ['setLabel clears one language', c.setLabel, () => ({ key: 'name', lang: 'zh-CN', text: '' }),
    (doc) => assert.deepEqual(doc.fields[0].label, { en: 'Name' })],
  ['setLabel on help', c.setLabel, () => ({ key: 'phone', name: 'help', lang: 'zh-CN', text: '手机' })],
  ['renameField follows title_field', c.renameField, () => ({ key: 'name', to: 'full_name' }),
    (doc) => assert.equal(doc.title_field, 'full_name')],
  ['setFormProperty title', c.setFormProperty, () => ({ name: 'title', value: { 'zh-CN': '客户拜访', en: 'Visit' } })],
  ['setFormProperty public on', c.setFormProperty, () => ({ name: 'public', value: { enabled: true } }),
    (doc) => assert.deepEqual(Object.keys(doc).at(-1), 'public')],
  ['setFormProperty removes title_field', c.setFormProperty, () => ({ name: 'title_field', value: undefined })],
  ['addSection wraps the fields first', c.addSection, () => ({ title: { 'zh-CN': '更多' } }),
    (doc) => {
      assert.deepEqual(doc.layout.map((s) => s.items), [['name', 'phone', 'city', 'note'], []]);
      assert.deepEqual(Object.keys(doc), ['format', 'key', 'title', 'title_field', 'fields', 'layout']);
    }],
];

const SECTION_CASES = [
  ['addField into a section', c.addField, (doc) => ({ field: m.newField(doc, TEXT_ENTRY), place: { section: 1, index: 0 } }),
    (doc) => {
      assert.deepEqual(doc.layout[1].items, ['text', 'city']);
      assert.equal(doc.fields.at(-1).key, 'text');
    }],
  ['removeField from a section', c.removeField, () => ({ key: 'phone' }),
    (doc) => assert.deepEqual(doc.layout[0].items, ['name'])],
  ['removeField of a hidden field', c.removeField, () => ({ key: 'note' })],
  ['moveField across sections', c.moveField, () => ({ key: 'name', place: { section: 1, index: 1 } }),
    (doc) => assert.deepEqual(doc.layout.map((s) => s.items), [['phone'], ['city', 'name']])],
  ['moveField within a section', c.moveField, () => ({ key: 'phone', place: { section: 0, index: 0 } })],
  ['renameField follows the layout', c.renameField, () => ({ key: 'city', to: 'town' }),
    (doc) => assert.deepEqual(doc.layout[1].items, ['town'])],
  ['addSection between', c.addSection, () => ({ index: 1, columns: 2 }),
    (doc) => assert.deepEqual(doc.layout.map((s) => s.key), ['main', 'section_1', 'more'])],
  ['removeSection merges into the previous', c.removeSection, () => ({ index: 1 }),
    (doc) => assert.deepEqual(doc.layout, [{ ...sectionForm().layout[0], items: ['name', 'phone', 'city'] }])],
  ['removeSection first merges into the next', c.removeSection, () => ({ index: 0 })],
  ['setSection columns', c.setSection, () => ({ index: 1, name: 'columns', value: 3 })],
  ['setSection title', c.setSection, () => ({ index: 1, name: 'title', value: { en: 'More' } })],
  ['setFormProperty public off → removed', c.setFormProperty, () => ({ name: 'public', value: undefined })],
  ['replaceAll restores another version', c.replaceAll, () => ({ doc: flatForm() }),
    (doc) => assert.equal(JSON.stringify(doc), JSON.stringify(flatForm()))],
];

for (const [title, command, args, check] of CASES) {
  test(`flat form: ${title} is undone and redone exactly`, () => {
    roundTrip(flatForm(), command, args(flatForm()), check);
  });
}
for (const [title, command, args, check] of SECTION_CASES) {
  test(`sectioned form: ${title} is undone and redone exactly`, () => {
    roundTrip(sectionForm(), command, args(sectionForm()), check);
  });
}

test('every exported command has a round-trip case', () => {
  const covered = new Set([...CASES, ...SECTION_CASES].map(([, command]) => command.name));
  assert.deepEqual(c.COMMANDS.map((command) => command.name).filter((n) => !covered.has(n)), []);
});

test('removing the only section removes the layout', () => {
  const doc = sectionForm();
  doc.layout = [doc.layout[0]];
  roundTrip(doc, c.removeSection, { index: 0 }, (after) => assert.equal('layout' in after, false));
});

test('ten mixed edits undone give the original JSON byte for byte, redone the edited one', () => {
  const { model, history } = setup(flatForm());
  const original = JSON.stringify(model.toJSON());
  history.run(c.addField, { field: m.newField(model.doc, TEXT_ENTRY), place: { index: 0 } });
  history.run(c.setProperty, { key: 'text', name: 'required', value: true });
  history.run(c.addField, { field: m.newField(model.doc, SELECT_ENTRY) });
  history.run(c.setConfig, { key: 'dropdown', config: { options: [{ value: 'a' }, { value: 'b' }] } });
  history.run(c.moveField, { key: 'dropdown', place: { index: 1 } });
  history.run(c.setLabel, { key: 'text', lang: 'en', text: 'Company' });
  history.run(c.renameField, { key: 'text', to: 'company' });
  history.run(c.removeField, { key: 'phone' });
  history.run(c.addSection, { title: { 'zh-CN': '其他' } });
  history.run(c.moveField, { key: 'note', place: { section: 1, index: 0 } });
  assert.equal(history.size(), 10);
  const edited = JSON.stringify(model.toJSON());
  assert.deepEqual(model.toJSON().layout.map((s) => s.items), [['company', 'dropdown', 'name', 'city'], ['note']]);
  while (history.undo());
  assert.equal(JSON.stringify(model.toJSON()), original);
  while (history.redo());
  assert.equal(JSON.stringify(model.toJSON()), edited);
});

test('a new command after undo clears the redo stack', () => {
  const { model, history } = setup(flatForm());
  history.run(c.setProperty, { key: 'phone', name: 'required', value: true });
  history.undo();
  history.run(c.setProperty, { key: 'city', name: 'required', value: true });
  assert.equal(history.canRedo(), false);
  assert.equal(model.field('phone').required, undefined);
});

test('uniqueKey derives keys from English labels or the type, never reusing one', () => {
  const doc = flatForm();
  assert.equal(m.uniqueKey(doc, 'text', 'Visit note'), 'visit_note');
  assert.equal(m.uniqueKey(doc, 'text', 'Name'), 'name_2');
  assert.equal(m.uniqueKey(doc, 'text', '姓名'), 'text');
  assert.equal(m.uniqueKey(doc, 'text', '2nd phone!'), 'nd_phone');
  assert.equal(m.uniqueKey({ fields: [{ key: 'text' }, { key: 'text_2' }] }, 'text'), 'text_3');
});

test('newField fills required config from the type', () => {
  assert.deepEqual(m.newField({ fields: [] }, FORMULA_ENTRY).config, { expression: '1+1' });
  assert.deepEqual(m.newField({ fields: [] }, SELECT_ENTRY).config, { options: [] });
});

test('bad edits throw and leave the model alone', () => {
  const { model, history } = setup(flatForm());
  const before = JSON.stringify(model.toJSON());
  assert.throws(() => history.run(c.renameField, { key: 'name', to: 'phone' }));
  assert.throws(() => history.run(c.renameField, { key: 'name', to: 'Bad Key' }));
  assert.throws(() => history.run(c.addField, { field: { key: 'city', type: 'text', label: { en: 'x' } } }));
  assert.throws(() => history.run(c.setLabel, { key: 'note', lang: 'zh-CN', text: '' }));
  assert.throws(() => history.run(c.removeField, { key: 'nope' }));
  assert.equal(JSON.stringify(model.toJSON()), before);
  assert.equal(history.size(), 0);
});

test('problemField maps pointers to field keys', () => {
  const doc = sectionForm();
  assert.equal(m.problemField(doc, { pointer: '/fields/2/config/options' }), 'city');
  assert.equal(m.problemField(doc, { pointer: '/fields/0' }), 'name');
  assert.equal(m.problemField(doc, { pointer: '/layout/0/items/1' }), 'phone');
  assert.equal(m.problemField(doc, { pointer: '/title' }), null);
  assert.equal(m.problemField(doc, { field: null }), null);
});

test('canvasSections lists what the canvas shows', () => {
  assert.deepEqual(m.canvasSections(flatForm()), [{ section: null, columns: 1, keys: ['name', 'phone', 'city', 'note'] }]);
  assert.deepEqual(m.canvasSections(sectionForm()).map((s) => [s.section, s.columns, s.keys]), [
    [0, 2, ['name', 'phone']], [1, 1, ['city']],
  ]);
});

test('the builder shell refuses bad and taken keys for a new form', async () => {
  const { newKeyProblem } = await import('../../static/js/form-designer/builder-shell.js');
  const words = { bad_key: 'bad', key_taken: 'taken' };
  assert.equal(newKeyProblem('visit_log', ['lead'], words), '');
  assert.equal(newKeyProblem('lead', ['lead'], words), 'taken');
  assert.equal(newKeyProblem('Visit', [], words), 'bad');
  assert.equal(newKeyProblem('1visit', [], words), 'bad');
  assert.equal(newKeyProblem('', [], words), 'bad');
  assert.equal(newKeyProblem('a'.repeat(65), [], words), 'bad');
});
