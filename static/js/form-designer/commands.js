// @ts-check
/**
 * The form designer's edits. Each command is `{name, run(model, args) → undoArgs}`: running it with
 * the args it returned undoes it (core/history.js keeps them), so every command also accepts the
 * shape of its own undo args. Pure: no DOM.
 */
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

/** Move a field: `{key, place: {index, section?}}`. */
export const moveField = {
  name: 'field.move',
  /** @param {FormModel} model @param {{key: string, place: import('./model.js').Place}} args */
  run(model, { key, place }) {
    const old = m.placeOf(model.doc, key);
    model.doc = m.moveField(model.doc, key, place);
    return { key, place: old };
  },
};

/**
 * @param {Record<string, any>} obj
 * @param {string} name
 */
function positionOf(obj, name) {
  const at = Object.keys(obj).indexOf(name);
  return at < 0 ? undefined : at;
}

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

/** Add a section: `{index?, title?, columns?}`. */
export const addSection = layoutCommand('section.add', (doc, args) => m.addSection(doc, args));

/** Remove a section: `{index}` (its fields join the previous section). */
export const removeSection = layoutCommand('section.remove', (doc, { index }) =>
  m.removeSection(doc, index));

/** Set a section property: `{index, name, value}` (title, columns, collapsed). */
export const setSection = layoutCommand('section.set', (doc, { index, name, value }) =>
  m.setSectionProperty(doc, index, name, value));

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
  addField, removeField, moveField, setProperty, setConfig, setLabel, renameField,
  setFormProperty, addSection, removeSection, setSection, replaceAll,
];
