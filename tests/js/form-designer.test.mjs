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

/** A form with a top-level section and two tabs: loose keys and a section in the first tab. */
function tabForm() {
  const doc = flatForm();
  doc.fields[3].hidden = true;
  doc.fields.push({ key: 'amount', type: 'money', label: { 'zh-CN': '金额', en: 'Amount' }, config: {} });
  doc.layout = [
    { type: 'section', key: 'head', columns: 1, items: ['name'] },
    {
      type: 'tabs',
      key: 'tabs',
      tabs: [
        { key: 'basic', title: { 'zh-CN': '基本', en: 'Basic' }, items: ['phone', { type: 'section', key: 'where', title: { en: 'Where' }, columns: 2, items: ['city'] }] },
        { key: 'more', title: { 'zh-CN': '更多' }, items: ['amount'] },
      ],
    },
  ];
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

const tabItems = (doc, tab) => doc.layout[1].tabs[tab].items;

const TAB_CASES = [
  ['addField as a loose key of a tab', c.addField, (doc) => ({ field: m.newField(doc, TEXT_ENTRY), place: { section: 1, tab: 1, index: 0 } }),
    (doc) => assert.deepEqual(tabItems(doc, 1), ['text', 'amount'])],
  ['addField into a section of a tab', c.addField, (doc) => ({ field: m.newField(doc, TEXT_ENTRY), place: { section: 1, tab: 0, sub: 1, index: 1 } }),
    (doc) => assert.deepEqual(tabItems(doc, 0)[1].items, ['city', 'text'])],
  ['removeField of a loose key in a tab', c.removeField, () => ({ key: 'phone' }),
    (doc) => assert.equal(tabItems(doc, 0)[0].key, 'where')],
  ['removeField in a section of a tab', c.removeField, () => ({ key: 'city' }),
    (doc) => assert.deepEqual(tabItems(doc, 0)[1].items, [])],
  ['moveField to another tab', c.moveField, () => ({ key: 'phone', place: { section: 1, tab: 1, index: 1 } }),
    (doc) => assert.deepEqual([tabItems(doc, 0).length, tabItems(doc, 1)], [1, ['amount', 'phone']])],
  ['moveField into the section after it in its tab', c.moveField, () => ({ key: 'phone', place: { section: 1, tab: 0, sub: 1, index: 0 } }),
    (doc) => assert.deepEqual(tabItems(doc, 0), [{ type: 'section', key: 'where', title: { en: 'Where' }, columns: 2, items: ['phone', 'city'] }])],
  ['moveField out of a section to a tab\'s loose keys', c.moveField, () => ({ key: 'city', place: { section: 1, tab: 0, index: 0 } }),
    (doc) => assert.deepEqual(tabItems(doc, 0).map((x) => (typeof x === 'string' ? x : x.items)), ['city', 'phone', []])],
  ['moveField from a tab to the top-level section', c.moveField, () => ({ key: 'amount', place: { section: 0, index: 1 } }),
    (doc) => assert.deepEqual([doc.layout[0].items, tabItems(doc, 1)], [['name', 'amount'], []])],
  ['moveFieldOut of a tab into a new top-level section below the tabs', c.moveFieldOut, () => ({ key: 'city', section: 1 }),
    (doc) => assert.deepEqual([tabItems(doc, 0)[1].items, doc.layout[2]],
      [[], { type: 'section', key: 'section_1', columns: 1, items: ['city'] }])],
  ['moveField within its list (no section given)', c.moveField, () => ({ key: 'phone', place: { index: 1 } }),
    (doc) => assert.equal(tabItems(doc, 0)[1], 'phone')],
  ['renameField inside a tab\'s section', c.renameField, () => ({ key: 'city', to: 'town' }),
    (doc) => assert.deepEqual(tabItems(doc, 0)[1].items, ['town'])],
  ['addSection into a tab', c.addSection, () => ({ list: { section: 1, tab: 1 }, title: { en: 'Extra' } }),
    (doc) => assert.deepEqual(tabItems(doc, 1)[1], { type: 'section', key: 'section_1', title: { en: 'Extra' }, columns: 1, items: [] })],
  ['removeSection in a tab leaves its fields in place', c.removeSection, () => ({ list: { section: 1, tab: 0 }, index: 1 }),
    (doc) => assert.deepEqual(tabItems(doc, 0), ['phone', 'city'])],
  ['setSection in a tab', c.setSection, () => ({ list: { section: 1, tab: 0 }, index: 1, name: 'columns', value: 3 }),
    (doc) => assert.equal(tabItems(doc, 0)[1].columns, 3)],
  ['removeSection of the only top-level section: its fields join the first tab', c.removeSection, () => ({ index: 0 }),
    (doc) => {
      assert.equal(doc.layout.length, 1);
      assert.deepEqual(doc.layout[0].tabs[0].items.at(-1), 'name');
    }],
  ['moveSection from the top level into a tab', c.moveSection, () => ({ from: { section: 0 }, to: { section: 1, tab: 1 } }),
    (doc) => assert.deepEqual(doc.layout[0].tabs[1].items.map((x) => x.key ?? x), ['amount', 'head'])],
  ['moveSection between tabs', c.moveSection, () => ({ from: { section: 1, tab: 0, sub: 1 }, to: { section: 1, tab: 1, index: 0 } }),
    (doc) => assert.deepEqual([tabItems(doc, 0), tabItems(doc, 1).map((x) => x.key ?? x)], [['phone'], ['where', 'amount']])],
  ['addTab at the end', c.addTab, () => ({ title: { 'zh-CN': '附件', en: 'Files' } }),
    (doc) => assert.deepEqual(doc.layout[1].tabs.at(-1), { key: 'tab_1', title: { 'zh-CN': '附件', en: 'Files' }, items: [] })],
  ['addTab first', c.addTab, () => ({ title: { en: 'Intro' }, index: 0 }),
    (doc) => assert.deepEqual(doc.layout[1].tabs.map((t) => t.key), ['tab_1', 'basic', 'more'])],
  ['removeTab: its fields join the previous tab', c.removeTab, () => ({ section: 1, tab: 1 }),
    (doc) => assert.deepEqual(doc.layout[1].tabs.map((t) => t.items.length), [3])],
  ['removeTab first: its content joins the next tab', c.removeTab, () => ({ section: 1, tab: 0 }),
    (doc) => assert.deepEqual(doc.layout[1].tabs[0].items.map((x) => x.key ?? x), ['amount', 'phone', 'where'])],
  ['moveTab', c.moveTab, () => ({ section: 1, tab: 0, to: 1 }),
    (doc) => assert.deepEqual(doc.layout[1].tabs.map((t) => t.key), ['more', 'basic'])],
  ['setTab renames a tab', c.setTab, () => ({ section: 1, tab: 1, name: 'title', value: { 'zh-CN': '更多', en: 'More' } }),
    (doc) => assert.deepEqual(doc.layout[1].tabs[1], { key: 'more', title: { 'zh-CN': '更多', en: 'More' }, items: ['amount'] })],
  ['setPublic adds allowed origins', c.setPublic, () => ({ name: 'allowed_origins', value: ['https://example.com'] }),
    (doc) => assert.deepEqual(doc.public, { enabled: false, allowed_origins: ['https://example.com'] })],
];

const PUBLIC_CASES = [
  ['setPublic puts dedupe before thank_you', c.setPublic, () => ({ name: 'dedupe', value: { keys: ['phone'], policy: 'update' } }),
    (doc) => assert.deepEqual(Object.keys(doc.public), ['enabled', 'allowed_origins', 'dedupe', 'thank_you'])],
  ['setPublic removes a setting', c.setPublic, () => ({ name: 'thank_you', value: undefined }),
    (doc) => assert.deepEqual(Object.keys(doc.public), ['enabled', 'allowed_origins'])],
  ['setPublic changes capture', c.setPublic, () => ({ name: 'capture', value: { utm_source: 'note' } })],
  ['addTab on a form with sections wraps them into the first tab', c.addTab, () => ({ title: { en: 'Two' }, firstTitle: { en: 'One' } }),
    (doc) => {
      assert.equal(doc.layout.length, 1);
      assert.deepEqual(doc.layout[0].tabs.map((t) => [t.key, t.title.en, t.items.map((x) => x.key)]), [
        ['tab_1', 'One', ['main', 'more']], ['tab_2', 'Two', []]]);
    }],
];

/** The section form with public settings filled in. */
function publicForm() {
  const doc = sectionForm();
  doc.public = { enabled: true, allowed_origins: ['https://a.example'], thank_you: { 'zh-CN': '谢谢' } };
  return doc;
}

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

for (const [title, command, args, check] of TAB_CASES) {
  test(`tabbed form: ${title} is undone and redone exactly`, () => {
    roundTrip(tabForm(), command, args(tabForm()), check);
  });
}
for (const [title, command, args, check] of PUBLIC_CASES) {
  test(`public settings: ${title} is undone and redone exactly`, () => {
    roundTrip(publicForm(), command, args(publicForm()), check);
  });
}

test('addTab on a form without layout puts its visible fields into the first tab', () => {
  roundTrip(flatForm(), c.addTab, { title: { en: 'Two' }, firstTitle: { en: 'One' } }, (doc) => {
    assert.deepEqual(Object.keys(doc), ['format', 'key', 'title', 'title_field', 'fields', 'layout']);
    assert.deepEqual(doc.layout, [{ type: 'tabs', key: 'tabs', tabs: [
      { key: 'tab_1', title: { en: 'One' }, items: ['name', 'phone', 'city', 'note'] },
      { key: 'tab_2', title: { en: 'Two' }, items: [] },
    ] }]);
  });
});

test('removing the only tab puts its content back at the top level, loose keys in sections', () => {
  const doc = tabForm();
  doc.layout[1].tabs = [doc.layout[1].tabs[0]];
  roundTrip(doc, c.removeTab, { section: 1, tab: 0 }, (after) => {
    assert.deepEqual(after.layout.map((s) => [s.type, s.key, s.items]), [
      ['section', 'head', ['name']], ['section', 'section_1', ['phone']], ['section', 'where', ['city']]]);
  });
});

test('tabs: places, canvas blocks and problem pointers', () => {
  const doc = tabForm();
  assert.deepEqual(m.placeOf(doc, 'phone'), { section: 1, tab: 0, index: 0 });
  assert.deepEqual(m.placeOf(doc, 'city'), { section: 1, tab: 0, sub: 1, index: 0 });
  assert.deepEqual(m.placeOf(doc, 'amount'), { section: 1, tab: 1, index: 0 });
  assert.equal(m.placeOf(doc, 'note'), null);
  const blocks = m.canvasBlocks(doc);
  assert.deepEqual(blocks.map((b) => b.kind), ['section', 'tabs']);
  assert.deepEqual(blocks[1].tabs[0].groups.map((g) => [g.kind, g.list, g.offset, g.keys]), [
    ['loose', { section: 1, tab: 0 }, 0, ['phone']],
    ['section', { section: 1, tab: 0, sub: 1 }, 0, ['city']],
  ]);
  const empty = tabForm();
  empty.layout[1].tabs[1].items = [];
  assert.deepEqual(m.canvasBlocks(empty)[1].tabs[1].groups.map((g) => [g.kind, g.keys]), [['loose', []]]);
  assert.equal(m.canvasBlocks(flatForm()), null);
  assert.equal(m.problemField(doc, { pointer: '/layout/1/tabs/0/items/0' }), 'phone');
  assert.equal(m.problemField(doc, { pointer: '/layout/1/tabs/0/items/1/items/0' }), 'city');
  assert.equal(m.problemField(doc, { pointer: '/layout/1/tabs/0/items/1' }), null);
  assert.throws(() => m.removeTab(doc, 0, 0));
  assert.throws(() => m.setTab(doc, 1, 5, 'title', { en: 'x' }));
  assert.throws(() => m.moveSection(doc, { section: 1, tab: 0, sub: 0 }, { section: 1, tab: 1 }));
});

test('ten tab edits undone give the original JSON byte for byte, redone the edited one', () => {
  const { model, history } = setup(flatForm());
  const original = JSON.stringify(model.toJSON());
  history.run(c.addTab, { title: { en: 'More' }, firstTitle: { en: 'Main' } });
  history.run(c.moveField, { key: 'city', place: { section: 0, tab: 1, index: 0 } });
  history.run(c.addSection, { list: { section: 0, tab: 1 }, title: { en: 'Money' } });
  history.run(c.addField, { field: m.newField(model.doc, TEXT_ENTRY), place: { section: 0, tab: 1, sub: 1, index: 0 } });
  history.run(c.setTab, { section: 0, tab: 1, name: 'title', value: { 'zh-CN': '更多', en: 'More' } });
  history.run(c.addTab, { title: { en: 'Third' } });
  history.run(c.moveTab, { section: 0, tab: 2, to: 0 });
  history.run(c.moveField, { key: 'name', place: { section: 0, tab: 0, index: 0 } });
  history.run(c.removeTab, { section: 0, tab: 1 });
  history.run(c.setPublic, { name: 'thank_you', value: { 'zh-CN': '谢谢' } });
  assert.equal(history.size(), 10);
  const edited = JSON.stringify(model.toJSON());
  assert.deepEqual(model.toJSON().layout[0].tabs.map((t) => t.title.en), ['Third', 'More']);
  while (history.undo());
  assert.equal(JSON.stringify(model.toJSON()), original);
  while (history.redo());
  assert.equal(JSON.stringify(model.toJSON()), edited);
});

test('moveFieldOut puts the field at the start of the top-level section after the tabs', () => {
  const doc = tabForm();
  doc.layout.push({ type: 'section', key: 'tail', columns: 1, items: ['name'] });
  doc.layout[0].items = [];
  roundTrip(doc, c.moveFieldOut, { key: 'amount', section: 1 }, (after) => {
    assert.deepEqual(after.layout.map((item) => item.key), ['head', 'tabs', 'tail']);
    assert.deepEqual(after.layout[2].items, ['amount', 'name']);
    assert.deepEqual(tabItems(after, 1), []);
  });
  assert.throws(() => m.moveFieldOut(tabForm(), 'amount', 0)); // not a tabs item
  assert.throws(() => m.moveFieldOut(tabForm(), 'note', 1)); // not in the layout
});

test('conditionFields gives the other fields with options, result types and line-item columns', () => {
  const doc = {
    fields: [
      { key: 'stage', type: 'select', label: { en: 'Stage' }, config: { options: [{ value: 'won' }] } },
      { key: 'total', type: 'formula', label: { en: 'Total' }, config: { expression: '1', result: 'money' } },
      {
        key: 'items', type: 'line_items', label: { 'zh-CN': '明细' },
        config: { columns: [
          { key: 'product', type: 'select', label: { 'zh-CN': '产品' }, config: { options: [{ value: 'crm' }] } },
          { key: 'amount', type: 'money', label: { 'zh-CN': '金额' } },
          'broken',
        ] },
      },
      { key: 'note', type: 'text' },
    ],
  };
  assert.deepEqual(m.conditionFields(doc, 'note'), [
    { key: 'stage', type: 'select', label: { en: 'Stage' }, options: [{ value: 'won' }] },
    { key: 'total', type: 'formula', label: { en: 'Total' }, result: 'money' },
    {
      key: 'items', type: 'line_items', label: { 'zh-CN': '明细' },
      columns: [
        { key: 'product', type: 'select', label: { 'zh-CN': '产品' }, options: [{ value: 'crm' }] },
        { key: 'amount', type: 'money', label: { 'zh-CN': '金额' } },
      ],
    },
  ]);
  assert.deepEqual(m.conditionFields(doc, 'items').map((f) => f.key), ['stage', 'total', 'note']);
  assert.deepEqual(m.conditionFields(doc).at(-1), { key: 'note', type: 'text', label: 'note' });
});

test('a required message is set per language after `required`, and undone exactly', () => {
  roundTrip(flatForm(), c.setLabel, { key: 'name', name: 'required_message', lang: 'zh-CN', text: '请填写姓名' }, (doc) => {
    assert.deepEqual(Object.keys(doc.fields[0]), ['key', 'type', 'label', 'required', 'required_message', 'config']);
    assert.deepEqual(doc.fields[0].required_message, { 'zh-CN': '请填写姓名' });
  });
});

test('every exported command has a round-trip case', () => {
  const covered = new Set([...CASES, ...SECTION_CASES, ...TAB_CASES, ...PUBLIC_CASES].map(([, command]) => command.name));
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
