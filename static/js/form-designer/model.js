// @ts-check
/**
 * The form designer's model: a form definition (decision 0002) and pure functions over it. Every
 * change builds new objects along the path (nothing handed out is mutated), so the view and the
 * history can keep references. No DOM: runs under Node.
 *
 * Places. A form without `layout` shows its fields in array order: a field's place is
 * `{index}` in `fields`. A form with a layout shows sections: a place is `{section, index}`, the
 * section's position in `layout` and the position in its `items`; the `fields` array keeps its
 * order then (new fields go to its end). Tabs in a layout are kept as they are but not edited yet.
 */

/** @typedef {Record<string, any>} Doc */
/** @typedef {Record<string, any>} Field */
/** @typedef {{index: number, section?: number}} Place */

export const FIELD_KEY_ORDER = [
  'key', 'type', 'label', 'help', 'placeholder', 'required', 'default', 'config', 'visible_when',
  'required_when', 'readonly_when', 'readonly', 'hidden', 'widget', 'indexed',
];
export const FORM_KEY_ORDER = [
  'format', 'key', 'title', 'description', 'title_field', 'fields', 'layout', 'public',
];
const SLUG = /^[a-z][a-z0-9_]*$/;

/**
 * A deep copy of JSON data.
 * @template T
 * @param {T} value
 * @returns {T}
 */
export function clone(value) {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

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
 * A copy of `obj` with `name` set to `value` (undefined removes it). An existing key keeps its
 * position; a new one goes to `at` when given, else to its place in `order`, else to the end.
 * @param {Record<string, any>} obj
 * @param {string} name
 * @param {any} value
 * @param {{at?: number, order?: string[]}} [options]
 */
export function setKey(obj, name, value, { at, order = [] } = {}) {
  const entries = Object.entries(obj).filter(([k]) => k !== name);
  if (value === undefined) return Object.fromEntries(entries);
  const existing = Object.keys(obj).indexOf(name);
  let index = existing;
  if (index < 0 && at !== undefined) index = Math.min(at, entries.length);
  if (index < 0) {
    const rank = order.indexOf(name);
    index = entries.length;
    if (rank >= 0) {
      const later = entries.findIndex(([k]) => order.indexOf(k) > rank);
      if (later >= 0) index = later;
    }
  }
  entries.splice(index, 0, [name, value]);
  return Object.fromEntries(entries);
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
 * Where a field is shown: `{index}` in fields, or `{section, index}` in a layout section;
 * null when a layout does not show it (hidden fields, fields inside tabs).
 * @param {Doc} doc
 * @param {string} key
 * @returns {Place | null}
 */
export function placeOf(doc, key) {
  if (!hasSections(doc)) {
    const index = fieldIndex(doc, key);
    return index < 0 ? null : { index };
  }
  for (const [section, item] of doc.layout.entries()) {
    if (item.type !== 'section') continue;
    const index = (item.items || []).indexOf(key);
    if (index >= 0) return { section, index };
  }
  return null;
}

/**
 * The canvas: sections with their fields in the order shown. A form without layout is one
 * untitled section (`section: null`).
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
    next = withSectionItems(next, place.section, (items) => {
      items.splice(Math.max(0, Math.min(place.index, items.length)), 0, field.key);
    });
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
    next = withSectionItems(next, place.section, (items) => items.splice(place.index, 1));
  }
  return { doc: next, field, fieldAt, place };
}

/**
 * Move a field to `place` (an index after taking it out of its old place).
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
  const without = withSectionItems(doc, /** @type {number} */ (old.section), (items) => items.splice(old.index, 1));
  const target = place.section ?? old.section;
  return withSectionItems(without, /** @type {number} */ (target), (items) => {
    items.splice(Math.max(0, Math.min(place.index, items.length)), 0, key);
  });
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
  if (hasSections(doc)) {
    next = setKey(next, 'layout', doc.layout.map((/** @type {any} */ item) =>
      item.type === 'section' && (item.items || []).includes(key)
        ? { ...item, items: item.items.map((/** @type {string} */ k) => (k === key ? to : k)) }
        : item));
  }
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

/**
 * Add a section at `index` of the layout. A form without layout first gets one section holding
 * every field that is not hidden, so nothing disappears from the canvas.
 * @param {Doc} doc
 * @param {{index?: number, title?: Record<string, string>, columns?: number}} [options]
 * @returns {Doc}
 */
export function addSection(doc, { index, title, columns = 1 } = {}) {
  let layout = hasSections(doc) ? [...doc.layout] : [];
  if (!hasSections(doc)) {
    const keys = (doc.fields || []).filter((/** @type {Field} */ f) => !f.hidden).map((/** @type {Field} */ f) => f.key);
    if (keys.length) layout.push({ type: 'section', key: uniqueSectionKey(layout), columns: 1, items: keys });
  }
  /** @type {Record<string, any>} */
  const section = { type: 'section', key: uniqueSectionKey(layout) };
  if (title) section.title = { ...title };
  section.columns = columns;
  section.items = [];
  layout.splice(index ?? layout.length, 0, section);
  return setFormProperty(doc, 'layout', layout);
}

/**
 * Remove the section at `index`; its fields move to the previous section (or the next one).
 * Removing the last section removes the layout (fields in their array order again).
 * @param {Doc} doc
 * @param {number} index
 */
export function removeSection(doc, index) {
  if (!hasSections(doc) || doc.layout[index]?.type !== 'section') throw new Error(`no section ${index}`);
  const layout = [...doc.layout];
  const [gone] = layout.splice(index, 1);
  const sectionIndexes = layout.map((item, i) => (item.type === 'section' ? i : -1)).filter((i) => i >= 0);
  if (!sectionIndexes.length) return setFormProperty(doc, 'layout', layout.length ? layout : undefined);
  const heir = [...sectionIndexes].reverse().find((i) => i < index) ?? sectionIndexes[0];
  layout[heir] = { ...layout[heir], items: [...(layout[heir].items || []), ...(gone.items || [])] };
  return setFormProperty(doc, 'layout', layout);
}

/**
 * Set a property of the section at `index` (title, columns, collapsed).
 * @param {Doc} doc
 * @param {number} index
 * @param {string} name
 * @param {any} value
 */
export function setSectionProperty(doc, index, name, value) {
  if (!hasSections(doc) || doc.layout[index]?.type !== 'section') throw new Error(`no section ${index}`);
  const layout = [...doc.layout];
  layout[index] = setKey(layout[index], name, clone(value), { order: ['type', 'key', 'title', 'columns', 'collapsed', 'items'] });
  return setFormProperty(doc, 'layout', layout);
}

/**
 * @param {any[]} layout
 */
function uniqueSectionKey(layout) {
  const taken = new Set(layout.map((item) => item.key));
  for (let n = 1; ; n += 1) if (!taken.has(`section_${n}`)) return `section_${n}`;
}

/**
 * @param {Doc} doc
 * @param {number} section
 * @param {(items: string[]) => void} edit  edits a copy of the items
 */
function withSectionItems(doc, section, edit) {
  const layout = [...doc.layout];
  const item = layout[section];
  if (!item || item.type !== 'section') throw new Error(`no section ${section}`);
  const items = [...(item.items || [])];
  edit(items);
  layout[section] = { ...item, items };
  return setKey(doc, 'layout', layout);
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
  const layout = /^\/layout\/(\d+)\/items\/(\d+)$/.exec(pointer || '');
  if (layout) return doc.layout?.[Number(layout[1])]?.items?.[Number(layout[2])] ?? null;
  return null;
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
