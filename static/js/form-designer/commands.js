// @ts-check
/**
 * The form designer's edits. Each command is `{name, run(model, args) → undoArgs}`: running it with
 * the args it returned undoes it (core/history.js keeps them), so every command also accepts the
 * shape of its own undo args. Pure: no DOM.
 */
import { positionOf } from './json.js';
import * as m from './model.js';

/** @typedef {import('./model.js').FormModel} FormModel */

/**
 * Insert `{field, place?, fieldAt?}` or remove `{key}`; returns the opposite.
 * @param {FormModel} model
 * @param {any} args
 */
function putField(model, args) {
  if (args.field) {
    model.doc = m.insertField(model.doc, args.field, args.place ?? null, args.fieldAt);
    return { key: args.field.key };
  }
  const out = m.deleteField(model.doc, args.key);
  model.doc = out.doc;
  return { field: out.field, fieldAt: out.fieldAt, place: out.place };
}

/** Add a field: `{field, place?}` (a place from `model.placeOf`; default the end). */
export const addField = { name: 'field.add', run: putField };

/** Remove a field: `{key}`. */
export const removeField = { name: 'field.remove', run: putField };

/**
 * Move a field: `{key, place}` (a place from layout.js). In a form without layout the undo args
 * are the old place; with a layout they restore the old layout (`{restore}`), since a key moved
 * inside a tab shifts the positions of the sections after it.
 */
export const moveField = {
  name: 'field.move',
  /** @param {FormModel} model @param {{key?: string, place?: import('./model.js').Place, restore?: {layout: any, at?: number}}} args */
  run(model, { key, place, restore }) {
    if (restore) {
      const undo = { restore: { layout: m.clone(model.doc.layout), at: positionOf(model.doc, 'layout') } };
      model.doc = m.setFormProperty(model.doc, 'layout', restore.layout, restore.at);
      return undo;
    }
    const k = /** @type {string} */ (key);
    const old = m.placeOf(model.doc, k);
    const layout = m.hasSections(model.doc)
      ? { restore: { layout: m.clone(model.doc.layout), at: positionOf(model.doc, 'layout') } }
      : null;
    model.doc = m.moveField(model.doc, k, /** @type {import('./model.js').Place} */ (place));
    return layout ?? { key: k, place: old };
  },
};

/** Set (or with `value: undefined` remove) one property of a field: `{key, name, value}`. */
export const setProperty = {
  name: 'field.set',
  /** @param {FormModel} model @param {{key: string, name: string, value: any, at?: number}} args */
  run(model, { key, name, value, at }) {
    const field = m.getField(model.doc, key);
    if (!field) throw new Error(`no field ${key}`);
    const undo = { key, name, value: m.clone(field[name]), at: positionOf(field, name) };
    model.doc = m.setFieldProperty(model.doc, key, name, value, at);
    return undo;
  },
};

/** Replace a field's config: `{key, config}` (checked against its type's config_schema). */
export const setConfig = {
  name: 'field.config',
  /** @param {FormModel} model @param {{key: string, config: any, at?: number}} args */
  run(model, { key, config, at }) {
    const field = m.getField(model.doc, key);
    if (!field) throw new Error(`no field ${key}`);
    const undo = { key, config: m.clone(field.config), at: positionOf(field, 'config') };
    model.doc = m.setFieldProperty(model.doc, key, 'config', config, at);
    return undo;
  },
};

/**
 * Set a field's text property in one language: `{key, lang, text}` (name defaults to `label`;
 * `help` and `placeholder` work the same). Undo args carry the whole old text: `{key, name, value}`.
 */
export const setLabel = {
  name: 'field.label',
  /** @param {FormModel} model @param {{key: string, name?: string, lang?: string, text?: string, value?: any, at?: number}} args */
  run(model, { key, name = 'label', lang, text, value, at }) {
    const field = m.getField(model.doc, key);
    if (!field) throw new Error(`no field ${key}`);
    const undo = { key, name, value: m.clone(field[name]), at: positionOf(field, name) };
    const next = lang === undefined ? value : m.withText(field[name], lang, text ?? '');
    if (name === 'label' && next === undefined) throw new Error('a field needs a label');
    model.doc = m.setFieldProperty(model.doc, key, name, next, at);
    return undo;
  },
};

/** Change a field's key: `{key, to}`. */
export const renameField = {
  name: 'field.rename',
  /** @param {FormModel} model @param {{key: string, to: string}} args */
  run(model, { key, to }) {
    model.doc = m.renameField(model.doc, key, to);
    return { key: to, to: key };
  },
};

/** Set (or remove) a form property — title, description, title_field, public: `{name, value}`. */
export const setFormProperty = {
  name: 'form.set',
  /** @param {FormModel} model @param {{name: string, value: any, at?: number}} args */
  run(model, { name, value, at }) {
    const undo = { name, value: m.clone(model.doc[name]), at: positionOf(model.doc, name) };
    model.doc = m.setFormProperty(model.doc, name, value, at);
    return undo;
  },
};

/**
 * A layout command: `edit(doc, args)` changes the layout; the undo args restore the whole old
 * layout (`{restore: {layout, at}}`), which is small and exact.
 * @param {string} name
 * @param {(doc: m.Doc, args: any) => m.Doc} edit
 */
function layoutCommand(name, edit) {
  return {
    name,
    /** @param {FormModel} model @param {any} args */
    run(model, args) {
      const undo = {
        restore: { layout: m.clone(model.doc.layout), at: positionOf(model.doc, 'layout') },
      };
      model.doc = args.restore
        ? m.setFormProperty(model.doc, 'layout', args.restore.layout, args.restore.at)
        : edit(model.doc, args);
      return undo;
    },
  };
}

/**
 * Add a section: `{index?, title?, columns?}` at the top level, or `{list: {section, tab}, index?}`
 * into a tab's items.
 */
export const addSection = layoutCommand('section.add', (doc, args) => m.addSection(doc, args));

/** Remove a section: `{index, list?}` (see layout.js for where its fields go). */
export const removeSection = layoutCommand('section.remove', (doc, { index, list }) =>
  m.removeSection(doc, index, list));

/**
 * Take a field out of the tabs to the top level: `{key, section}` (`section` is the tabs item; the
 * field goes to the start of the section after it, or a new one).
 */
export const moveFieldOut = layoutCommand('field.move_out', (doc, { key, section }) =>
  m.moveFieldOut(doc, key, section));

/** Set a section property: `{index, list?, name, value}` (title, columns, collapsed). */
export const setSection = layoutCommand('section.set', (doc, { index, list, name, value }) =>
  m.setSectionProperty(doc, index, name, value, list));

/**
 * Move a section into a tab: `{from: {section, tab?, sub?}, to: {section, tab, index?}}` (`to.section`
 * is the tabs item; without `index` the section goes to the tab's end).
 */
export const moveSection = layoutCommand('section.move', (doc, { from, to }) =>
  m.moveSection(doc, from, to));

/**
 * Add a tab: `{title, firstTitle?, index?}`. The first tab of a form holds what the canvas showed
 * (titled `firstTitle`), the new one follows it.
 */
export const addTab = layoutCommand('tab.add', (doc, args) => m.addTab(doc, args));

/** Remove a tab: `{section, tab}`; its fields and sections join the previous tab. */
export const removeTab = layoutCommand('tab.remove', (doc, { section, tab }) =>
  m.removeTab(doc, section, tab));

/** Reorder a tab: `{section, tab, to}`. */
export const moveTab = layoutCommand('tab.move', (doc, { section, tab, to }) =>
  m.moveTab(doc, section, tab, to));

/** Set a tab property: `{section, tab, name, value}` (its title). */
export const setTab = layoutCommand('tab.set', (doc, { section, tab, name, value }) =>
  m.setTab(doc, section, tab, name, value));

export const PUBLIC_KEY_ORDER = [
  'enabled', 'fields', 'allowed_origins', 'dedupe', 'capture', 'submit_label', 'thank_you', 'rate_limit',
];

/**
 * Set one setting of the public form: `{name, value}` (undefined removes it); a form without a
 * `public` block gets `{"enabled": false}` first. Undo restores the whole old block exactly.
 */
export const setPublic = {
  name: 'public.set',
  /** @param {FormModel} model @param {any} args */
  run(model, args) {
    const undo = { restore: { value: m.clone(model.doc.public), at: positionOf(model.doc, 'public') } };
    if (args.restore) {
      model.doc = m.setFormProperty(model.doc, 'public', args.restore.value, args.restore.at);
      return undo;
    }
    const block = model.doc.public || { enabled: false };
    const next = m.setKey(block, args.name, m.clone(args.value), { order: PUBLIC_KEY_ORDER });
    model.doc = m.setFormProperty(model.doc, 'public', next);
    return undo;
  },
};

/**
 * Replace the whole definition (restore a version as the draft): `{doc}`; undo gets the old
 * document back the same way, so it is one step in the history.
 */
export const replaceAll = {
  name: 'form.replace',
  /** @param {FormModel} model @param {{doc: m.Doc}} args */
  run(model, { doc }) {
    const undo = { doc: model.doc };
    model.doc = m.clone(doc);
    return undo;
  },
};

export const COMMANDS = [
  addField, removeField, moveField, moveFieldOut, setProperty, setConfig, setLabel, renameField,
  setFormProperty, addSection, removeSection, setSection, moveSection, addTab, removeTab, moveTab,
  setTab, setPublic, replaceAll,
];
