// static/js/form-designer/public-panel.js: origins parsed from text, common capture rows.
import assert from 'node:assert/strict';
import test from 'node:test';

import { installFakeDocument } from './fake-dom.mjs';

installFakeDocument();
const { defaultPublicFields, parseOrigins, publicFieldChoices, publicSettings, withCommonCapture } = await import(
  '../../static/js/form-designer/public-panel.js'
);

test('parseOrigins keeps origins once, drops blank lines and trailing slashes, names the bad ones', () => {
  assert.deepEqual(parseOrigins('https://a.example\n\nhttp://b.example:8080/\nhttps://a.example'), {
    origins: ['https://a.example', 'http://b.example:8080'], bad: [],
  });
  assert.deepEqual(parseOrigins('a.example\nhttps://ok.example\nhttps://x.example/path').bad, ['a.example', 'https://x.example/path']);
  assert.deepEqual(parseOrigins('  ').origins, []);
});

test('withCommonCapture maps the UTM parameters and referrer to fields of the same key only', () => {
  assert.deepEqual(withCommonCapture({}, ['name', 'utm_source', 'referrer']), { utm_source: 'utm_source', referrer: 'referrer' });
  assert.deepEqual(withCommonCapture({ utm_source: 'name' }, ['name', 'utm_source']), { utm_source: 'name' });
  assert.deepEqual(withCommonCapture({}, ['name']), {});
});

const LEAD = {
  format: 1,
  key: 'lead',
  title: { en: 'Lead' },
  fields: [
    { key: 'name', type: 'text', label: { en: 'Name' } },
    { key: 'phone', type: 'phone', label: { en: 'Phone' } },
    { key: 'owner', type: 'user', label: { en: 'Owner' } },
    { key: 'score', type: 'formula', label: { en: 'Score' }, config: { expression: '1' } },
    { key: 'status', type: 'select', label: { en: 'Status' }, readonly: true },
    { key: 'utm_source', type: 'text', label: { en: 'Source' }, hidden: true },
    { key: 'files', type: 'attachment', label: { en: 'Files' } },
  ],
  public: { enabled: true },
};

test('defaultPublicFields follows the server: visible, writable, plain inputs', () => {
  assert.deepEqual(defaultPublicFields(LEAD), ['name', 'phone']);
  assert.deepEqual(defaultPublicFields({ fields: [] }), []);
});

test('publicFieldChoices offers every typed-in field, and a hidden one only when listed', () => {
  assert.deepEqual(publicFieldChoices(LEAD), ['name', 'phone', 'owner', 'status', 'files']);
  const listed = { ...LEAD, public: { enabled: true, fields: ['utm_source'] } };
  assert.deepEqual(publicFieldChoices(listed), ['name', 'phone', 'owner', 'status', 'utm_source', 'files']);
});

test('the public settings edit public.fields: only some fields, ticked in form order, undoable', async () => {
  const c = await import('../../static/js/form-designer/commands.js');
  const model = { doc: structuredClone(LEAD) };
  const undo = [];
  const ctx = {
    model, lang: 'en', app: 'crm', formKey: 'lead',
    w: (key, params) => (params ? `${key} ${JSON.stringify(params)}` : key),
    run(command, args) {
      undo.push([command, command.run(model, args)]);
      return true;
    },
  };
  const before = JSON.stringify(model.doc);
  let panel = publicSettings(ctx);
  // by default the panel names the fields open now
  const note = [...panel.walk()].find((x) => 'publicFieldsDefault' in x.dataset);
  assert.match(note.textContent, /Name.*Phone/);
  const mode = panel.byName('public.fields.mode');
  mode.value = 'some';
  mode.dispatch('change');
  assert.deepEqual(model.doc.public.fields, ['name', 'phone']);
  assert.equal(undo[0][0].name, 'public.set');
  panel = publicSettings(ctx);
  assert.equal(panel.byName('public.fields.name').checked, true);
  assert.equal(panel.byName('public.fields.status').checked, false);
  const status = panel.byName('public.fields.status');
  status.checked = true;
  status.dispatch('change');
  assert.deepEqual(model.doc.public.fields, ['name', 'phone', 'status']);
  panel = publicSettings(ctx);
  for (const key of ['name', 'phone']) {
    const box = panel.byName(`public.fields.${key}`);
    box.checked = false;
    box.dispatch('change');
    panel = publicSettings(ctx);
  }
  assert.deepEqual(model.doc.public.fields, ['status']);
  // the last one stays: an empty list would mean every field
  const last = panel.byName('public.fields.status');
  last.checked = false;
  last.dispatch('change');
  assert.equal(last.checked, true);
  assert.deepEqual(model.doc.public.fields, ['status']);
  // back to the default removes the list; undo restores every step exactly
  panel.byName('public.fields.mode').value = 'all';
  panel.byName('public.fields.mode').dispatch('change');
  assert.equal('fields' in model.doc.public, false);
  while (undo.length) {
    const [command, args] = undo.pop();
    command.run(model, args);
  }
  assert.equal(JSON.stringify(model.doc), before);
});
