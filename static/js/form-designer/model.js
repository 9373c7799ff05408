// @ts-check
/**
 * The form designer's model: a form definition (decision 0002) and pure functions over it. Every
 * change builds new objects along the path (nothing handed out is mutated), so the view and the
 * history can keep references. No DOM: runs under Node.
 *
 * Places. A form without `layout` shows its fields in array order: a field's place is
 * `{index}` in `fields`. A form with a layout shows sections and tabs: a place names the list in
 * the layout and the position there (layout.js); the `fields` array keeps its order then (new
 * fields go to its end).
 */

import { clone, setKey } from './json.js';
import * as lay from './layout.js';

export { clone, setKey } from './json.js';

/** @typedef {Record<string, any>} Doc */
/** @typedef {Record<string, any>} Field */
/** @typedef {import('./layout.js').Place} Place */

export const FIELD_KEY_ORDER = [
  'key', 'type', 'label', 'help', 'placeholder', 'required', 'required_message', 'default', 'config', 'visible_when',
  'required_when', 'readonly_when', 'readonly', 'hidden', 'widget', 'indexed',
];
export const FORM_KEY_ORDER = [
  'format', 'key', 'title', 'description', 'title_field', 'fields', 'layout', 'public',
];
const SLUG = /^[a-z][a-z0-9_]*$/;

/**
 * A new, empty form definition.
 * @param {string} key
 * @param {Record<string, string>} title
 * @returns {Doc}
 */
export function emptyForm(key, title) {
  return { format: 1, key, title: { ...title }, fields: [] };
}

/**
 * A field key from a label (ASCII words) or the type, unused in `doc`.
 * @param {Doc} doc
 * @param {string} type
 * @param {string} [label]
 */
export function uniqueKey(doc, type, label = '') {
  let base = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '')
    .slice(0, 40);
  if (!SLUG.test(base)) base = SLUG.test(type) ? type : 'field';
  const taken = new Set((doc.fields || []).map((/** @type {Field} */ f) => f.key));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const candidate = `${base}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * A new field of a palette entry: its labels, and a config holding what the type requires
 * (empty lists, else the entry's example values).
 * @param {Doc} doc
 * @param {{key: string, label?: Record<string, string>, config_schema?: any, example_config?: any}} entry
 * @returns {Field}
 */
export function newField(doc, entry) {
  const schema = entry.config_schema || {};
  /** @type {Record<string, any>} */
  const config = {};
  for (const name of schema.required || []) {
    const property = (schema.properties || {})[name] || {};
    config[name] = property.type === 'array' ? [] : clone((entry.example_config || {})[name]);
  }
  return {
    key: uniqueKey(doc, entry.key, entry.label?.en),
    type: entry.key,
    label: { ...(entry.label || { 'zh-CN': entry.key, en: entry.key }) },
    config,
  };
}

/**
 * @param {Doc} doc
 * @param {string} key
 */
export function fieldIndex(doc, key) {
  return (doc.fields || []).findIndex((/** @type {Field} */ f) => f.key === key);
}

/**
 * @param {Doc} doc
 * @param {string} key
 * @returns {Field | undefined}
 */
export function getField(doc, key) {
  return (doc.fields || [])[fieldIndex(doc, key)];
}

/** @param {Doc} doc */
export function hasSections(doc) {
  return Array.isArray(doc.layout);
}

/**
 * Where a field is shown: `{index}` in fields, or its place in the layout (layout.js); null when
 * a layout does not show it (hidden fields).
 * @param {Doc} doc
 * @param {string} key
 * @returns {Place | null}
 */
export function placeOf(doc, key) {
  if (!hasSections(doc)) {
    const index = fieldIndex(doc, key);
    return index < 0 ? null : { index };
  }
  return lay.findKey(doc.layout, key);
}

/**
 * The top-level sections with their fields in the order shown. A form without layout is one
 * untitled section (`section: null`). Tabs: see `canvasBlocks`.
 * @param {Doc} doc
 * @returns {{section: number | null, title?: any, columns: number, keys: string[]}[]}
 */
export function canvasSections(doc) {
  if (!hasSections(doc)) {
    return [{ section: null, columns: 1, keys: (doc.fields || []).map((/** @type {Field} */ f) => f.key) }];
  }
  const out = [];
  for (const [section, item] of doc.layout.entries()) {
    if (item.type !== 'section') continue;
    out.push({ section, title: item.title, columns: item.columns || 1, keys: [...(item.items || [])] });
  }
  return out;
}

/**
 * What the canvas draws: layout blocks (top-level sections, tabs), or for a form without layout
 * null (one list in `fields` order).
 * @param {Doc} doc
 */
export function canvasBlocks(doc) {
  return hasSections(doc) ? lay.canvasBlocks(doc.layout) : null;
}

/**
 * Insert `field` at `place` (and at `fieldAt` in `fields`; default: the place's index without a
 * layout, else the end).
 * @param {Doc} doc
 * @param {Field} field
 * @param {Place | null} place
 * @param {number} [fieldAt]
 * @returns {Doc}
 */
export function insertField(doc, field, place, fieldAt) {
  if (fieldIndex(doc, field.key) >= 0) throw new Error(`field key ${field.key} is taken`);
  const fields = [...(doc.fields || [])];
  const sections = hasSections(doc);
  let at = fieldAt ?? (sections || !place ? fields.length : place.index);
  at = Math.max(0, Math.min(at, fields.length));
  fields.splice(at, 0, clone(field));
  let next = setKey(doc, 'fields', fields, { order: FORM_KEY_ORDER });
  if (sections && place && place.section !== undefined) {
    next = setKey(next, 'layout', lay.insertKey(doc.layout, field.key, place));
  }
  return next;
}

/**
 * Remove a field and its place; returns what puts it back.
 * @param {Doc} doc
 * @param {string} key
 * @returns {{doc: Doc, field: Field, fieldAt: number, place: Place | null}}
 */
export function deleteField(doc, key) {
  const fieldAt = fieldIndex(doc, key);
  if (fieldAt < 0) throw new Error(`no field ${key}`);
  const field = doc.fields[fieldAt];
  const place = placeOf(doc, key);
  const fields = doc.fields.filter((/** @type {Field} */ f) => f.key !== key);
  let next = setKey(doc, 'fields', fields, { order: FORM_KEY_ORDER });
  if (hasSections(doc) && place && place.section !== undefined) {
    next = setKey(next, 'layout', lay.removeKey(doc.layout, place));
  }
  return { doc: next, field, fieldAt, place };
}

/**
 * Move a field to `place` (an index after taking it out of its old place; a place without
 * `section` stays in the field's own list).
 * @param {Doc} doc
 * @param {string} key
 * @param {Place} place
 * @returns {Doc}
 */
export function moveField(doc, key, place) {
  const old = placeOf(doc, key);
  if (!old) throw new Error(`field ${key} is not on the canvas`);
  if (!hasSections(doc)) {
    const fields = [...doc.fields];
    const [field] = fields.splice(old.index, 1);
    fields.splice(Math.max(0, Math.min(place.index, fields.length)), 0, field);
    return setKey(doc, 'fields', fields);
  }
  const target = place.section === undefined ? { ...old, index: place.index } : place;
  return setKey(doc, 'layout', lay.moveKey(doc.layout, key, target));
}

/**
 * Set one property of a field (undefined removes it), keeping key positions.
 * @param {Doc} doc
 * @param {string} key
 * @param {string} name
 * @param {any} value
 * @param {number} [at]  where a re-added property goes (its old position)
 */
export function setFieldProperty(doc, key, name, value, at) {
  const index = fieldIndex(doc, key);
  if (index < 0) throw new Error(`no field ${key}`);
  if (name === 'key' || name === 'type') throw new Error(`use renameField for ${name}`);
  const fields = [...doc.fields];
  fields[index] = setKey(fields[index], name, clone(value), { at, order: FIELD_KEY_ORDER });
  return setKey(doc, 'fields', fields);
}

/**
 * Set a translatable text's language (empty text removes that language; an empty text object
 * removes the property).
 * @param {any} text
 * @param {string} lang
 * @param {string} value
 */
export function withText(text, lang, value) {
  const base = text && typeof text === 'object' ? text : {};
  const next = setKey(base, lang, value === '' ? undefined : value, { order: ['zh-CN', 'en'] });
  return Object.keys(next).length ? next : undefined;
}

/**
 * Change a field's key; the layout and `title_field` follow.
 * @param {Doc} doc
 * @param {string} key
 * @param {string} to
 * @returns {Doc}
 */
export function renameField(doc, key, to) {
  if (!SLUG.test(to)) throw new Error(`bad key ${to}`);
  if (fieldIndex(doc, to) >= 0) throw new Error(`field key ${to} is taken`);
  const index = fieldIndex(doc, key);
  if (index < 0) throw new Error(`no field ${key}`);
  const fields = [...doc.fields];
  fields[index] = { ...fields[index], key: to };
  let next = setKey(doc, 'fields', fields);
  if (doc.title_field === key) next = setKey(next, 'title_field', to);
  if (hasSections(doc)) next = setKey(next, 'layout', lay.renameKey(doc.layout, key, to));
  return next;
}

/**
 * Set a top-level property of the form (title, description, title_field, public, layout).
 * @param {Doc} doc
 * @param {string} name
 * @param {any} value
 * @param {number} [at]
 */
export function setFormProperty(doc, name, value, at) {
  if (['format', 'key', 'fields'].includes(name)) throw new Error(`${name} is not editable here`);
  return setKey(doc, name, clone(value), { at, order: FORM_KEY_ORDER });
}

/** @param {Doc} doc */
function visibleKeys(doc) {
  return (doc.fields || []).filter((/** @type {Field} */ f) => !f.hidden).map((/** @type {Field} */ f) => f.key);
}

/**
 * Add a section at `index` of the layout, or of a tab's items (`list = {section, tab}`). A form
 * without layout first gets one section holding every field that is not hidden, so nothing
 * disappears from the canvas.
 * @param {Doc} doc
 * @param {{list?: import('./layout.js').SectionList, index?: number, title?: Record<string, string>, columns?: number}} [options]
 * @returns {Doc}
 */
export function addSection(doc, { list, index, title, columns = 1 } = {}) {
  let layout = hasSections(doc) ? doc.layout : [];
  if (!hasSections(doc)) {
    const keys = visibleKeys(doc);
    if (keys.length) layout = [{ ...lay.newSection([]), items: keys }];
  }
  return setFormProperty(doc, 'layout', lay.addSection(layout, { list, index, title, columns }));
}

/**
 * Remove the section at `index` (of the layout, or of a tab's items with `list`); see
 * layout.js for where its fields go. Removing the last one removes the layout (fields in their
 * array order again).
 * @param {Doc} doc
 * @param {number} index
 * @param {import('./layout.js').SectionList} [list]
 */
export function removeSection(doc, index, list) {
  if (!hasSections(doc)) throw new Error(`no section ${index}`);
  return setFormProperty(doc, 'layout', lay.removeSection(doc.layout, { list, index }));
}

/**
 * Set a property of the section at `index` (title, columns, collapsed).
 * @param {Doc} doc
 * @param {number} index
 * @param {string} name
 * @param {any} value
 * @param {import('./layout.js').SectionList} [list]
 */
export function setSectionProperty(doc, index, name, value, list) {
  if (!hasSections(doc)) throw new Error(`no section ${index}`);
  return setFormProperty(doc, 'layout', lay.setSection(doc.layout, { list, index }, name, value));
}

/**
 * Add a tab (`{title, firstTitle?, index?}`); the first one wraps what the canvas shows now.
 * @param {Doc} doc
 * @param {{title: Record<string, string>, firstTitle?: Record<string, string>, index?: number}} options
 */
export function addTab(doc, options) {
  return setFormProperty(doc, 'layout', lay.addTab(doc.layout, { ...options, visible: visibleKeys(doc) }));
}

/**
 * @param {Doc} doc
 * @param {number} section  the tabs item's index in the layout
 * @param {number} tab
 */
export function removeTab(doc, section, tab) {
  if (!hasSections(doc)) throw new Error('no tabs');
  return setFormProperty(doc, 'layout', lay.removeTab(doc.layout, section, tab));
}

/**
 * @param {Doc} doc
 * @param {number} section
 * @param {number} tab
 * @param {number} to
 */
export function moveTab(doc, section, tab, to) {
  if (!hasSections(doc)) throw new Error('no tabs');
  return setFormProperty(doc, 'layout', lay.moveTab(doc.layout, section, tab, to));
}

/**
 * Take a field out of the tabs item at `section` to the top level below it.
 * @param {Doc} doc
 * @param {string} key
 * @param {number} section
 */
export function moveFieldOut(doc, key, section) {
  if (!hasSections(doc)) throw new Error('no tabs');
  return setFormProperty(doc, 'layout', lay.moveKeyOut(doc.layout, key, section));
}

/**
 * @param {Doc} doc
 * @param {number} section
 * @param {number} tab
 * @param {string} name
 * @param {any} value
 */
export function setTab(doc, section, tab, name, value) {
  if (!hasSections(doc)) throw new Error('no tabs');
  return setFormProperty(doc, 'layout', lay.setTab(doc.layout, section, tab, name, value));
}

/**
 * @param {Doc} doc
 * @param {{section: number, tab?: number, sub?: number}} from
 * @param {{section: number, tab: number, index?: number}} to
 */
export function moveSection(doc, from, to) {
  if (!hasSections(doc)) throw new Error('no sections');
  return setFormProperty(doc, 'layout', lay.moveSection(doc.layout, from, to));
}

/**
 * What the condition builder offers for a field's conditions: every other field with its type,
 * label, options, a formula's result type, and a line-items field's columns (each a field of its
 * own: key, type, label, options), as the flow designer's boot fields give them.
 * @param {Doc} doc
 * @param {string} [except]  the field whose conditions are edited
 */
export function conditionFields(doc, except) {
  /** @param {any} f */
  const info = (f) => {
    /** @type {Record<string, any>} */
    const out = { key: f.key, type: f.type, label: f.label || f.key };
    if (Array.isArray(f.config?.options)) out.options = f.config.options;
    if (f.type === 'formula' && typeof f.config?.result === 'string') out.result = f.config.result;
    return out;
  };
  return (doc.fields || [])
    .filter((/** @type {any} */ f) => f.key !== except)
    .map((/** @type {any} */ f) => {
      const out = info(f);
      const columns = f.config?.columns;
      if (f.type === 'line_items' && Array.isArray(columns)) {
        out.columns = columns.filter((/** @type {any} */ col) => col && typeof col.key === 'string').map(info);
      }
      return out;
    });
}

/**
 * The field key a server problem concerns, from its JSON pointer into the definition that was
 * sent (`/fields/3/config/options` → the key of fields[3]); null for form-level problems.
 * @param {Doc} doc
 * @param {{pointer?: string | null, field?: string | null}} problem
 * @returns {string | null}
 */
export function problemField(doc, problem) {
  const pointer = problem.pointer ?? problem.field ?? '';
  const match = /^\/fields\/(\d+)(?:\/|$)/.exec(pointer || '');
  if (match) return doc.fields?.[Number(match[1])]?.key ?? null;
  const layout = /^\/layout\/(\d+)(?:\/tabs\/(\d+))?((?:\/items\/\d+)+)$/.exec(pointer || '');
  if (!layout) return null;
  let node = doc.layout?.[Number(layout[1])];
  if (layout[2] !== undefined) node = node?.tabs?.[Number(layout[2])];
  for (const step of layout[3].split('/items/').slice(1)) node = node?.items?.[Number(step)];
  return typeof node === 'string' ? node : null;
}

/**
 * Holds the current definition; the commands call its methods, the view reads `doc`.
 */
export class FormModel {
  /** @param {Doc} doc */
  constructor(doc) {
    /** @type {Doc} */
    this.doc = clone(doc);
  }

  /** The definition as JSON text's data (a deep copy). */
  toJSON() {
    return clone(this.doc);
  }

  /** @param {string} key */
  field(key) {
    return getField(this.doc, key);
  }
}
