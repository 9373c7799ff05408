// @ts-check
/**
 * The field panel's other formula boxes: a line-items field's row formulas (one per column,
 * reading the row's other columns) and any field's default value (none, a fixed value, or a
 * formula computed when a record is created). Both use core/formula-editor.js and the server's
 * evaluate API; every edit is one `field.config` / `field.set` command. The helpers above the
 * DOM part are pure and exported for tests.
 */
import { h } from '../core/dom.js';
import { formulaEditor } from '../core/formula-editor.js';
import { pick } from '../core/i18n.js';
import * as c from './commands.js';
import * as m from './model.js';

/** @typedef {import('./panel.js').PanelContext} PanelContext */

/** Field types whose value is computed: they take no default. */
export const COMPUTED_TYPES = new Set(['formula', 'serial']);
const NUMBER_TYPES = new Set(['number', 'rating', 'percent', 'integer', 'decimal']);
const CHOICE_TYPES = new Set(['select', 'radio']);
// A fixed default of these is a list or an object: typed as JSON.
const JSON_TYPES = new Set(['multiselect', 'checkbox', 'line_items', 'attachment', 'region', 'tags']);

/** Editor states (sample text, caret, last value) by field and box, across redraws. */
const STATES = new Map();
/** A box opened but not written yet: `<field>:default` → 'formula' | 'value', `<field>:row` → column. */
const PENDING = new Map();

/**
 * The formula `result` kind that gives a value of this field / column type.
 * @param {string} type
 * @returns {'number' | 'money' | 'date' | 'boolean' | 'text'}
 */
export function resultFor(type) {
  if (NUMBER_TYPES.has(type)) return 'number';
  if (type === 'money') return 'money';
  if (type === 'date' || type === 'date_time' || type === 'datetime') return 'date';
  if (type === 'boolean') return 'boolean';
  return 'text';
}

/**
 * What a row formula of `column` may read, as formula-editor fields: the other columns, those
 * with a row formula as formula fields (the server computes them first).
 * @param {any} config  the line-items field's config
 * @param {string} column
 * @returns {{key: string, type: string, label?: any, config?: any}[]}
 */
export function rowFormulaFields(config, column) {
  const columns = Array.isArray(config?.columns) ? config.columns : [];
  const formulas = config?.row_formulas && typeof config.row_formulas === 'object' ? config.row_formulas : {};
  /** @type {{key: string, type: string, label?: any, config?: any}[]} */
  const out = [];
  for (const col of columns) {
    if (!col || typeof col.key !== 'string' || col.key === column) continue;
    const expression = formulas[col.key];
    out.push(typeof expression === 'string' && expression
      ? { key: col.key, type: 'formula', label: col.label, config: { expression, result: resultFor(col.type) } }
      : { key: col.key, type: col.type, label: col.label, config: col.config });
  }
  for (const [key, expression] of Object.entries(formulas)) {
    if (key !== column && !out.some((f) => f.key === key) && typeof expression === 'string' && expression) {
      out.push({ key, type: 'formula', label: { en: key }, config: { expression } });
    }
  }
  return out;
}

/**
 * The config with the row formula of `column` set to `text` ('' removes it; no formula left
 * removes `row_formulas`). Other keys keep their place.
 * @param {any} config
 * @param {string} column
 * @param {string} text
 */
export function withRowFormula(config, column, text) {
  const base = config && typeof config === 'object' ? config : {};
  const formulas = { ...(base.row_formulas || {}) };
  if (text) formulas[column] = text;
  else delete formulas[column];
  const next = { ...base };
  if (Object.keys(formulas).length) next.row_formulas = formulas;
  else delete next.row_formulas;
  return next;
}

/**
 * How a field's default is given.
 * @param {any} field
 * @returns {'none' | 'value' | 'formula'}
 */
export function defaultMode(field) {
  if (!field || !('default' in field) || field.default === undefined) return 'none';
  const value = field.default;
  if (value && typeof value === 'object' && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof value.formula === 'string') return 'formula';
  return 'value';
}

/**
 * A fixed default typed in the panel, as the definition stores it: numbers for number types,
 * booleans, JSON for list types; `undefined` for text that is no value (empty, bad JSON).
 * @param {string} type
 * @param {string} text
 */
export function parseDefault(type, text) {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (type === 'boolean') return trimmed === 'true' ? true : trimmed === 'false' ? false : undefined;
  if (NUMBER_TYPES.has(type)) {
    const number = Number(trimmed.replace(/,/g, ''));
    return Number.isFinite(number) ? number : trimmed; // the server says what is wrong
  }
  if (JSON_TYPES.has(type)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return undefined;
    }
  }
  return text;
}

/**
 * A stored fixed default as the panel shows it.
 * @param {string} type
 * @param {any} value
 */
export function showDefault(type, value) {
  if (value === undefined || value === null) return '';
  if (JSON_TYPES.has(type) || (typeof value === 'object')) return JSON.stringify(value);
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// DOM

/**
 * @param {string} id
 * @returns {any}
 */
function stateOf(id) {
  const state = STATES.get(id) || {};
  STATES.set(id, state);
  return state;
}

/**
 * @param {PanelContext} ctx
 * @param {Record<string, any>} body
 */
async function evaluate(ctx, body) {
  const out = await ctx.evaluateFormula(body);
  return out.ok
    ? { ok: true, value: out.data?.value, text: out.data?.text }
    : { ok: false, message: out.problems.map((p) => p.message).join(' ') };
}

/**
 * A line-items field's row formulas: an editor per column that has one, a picker to give one
 * to another column, and a remove button each.
 * @param {PanelContext} ctx
 * @param {any} field
 */
export function rowFormulasBox(ctx, field) {
  const { w, lang, run, model } = ctx;
  const columns = Array.isArray(field.config?.columns)
    ? field.config.columns.filter((/** @type {any} */ col) => col && typeof col.key === 'string')
    : [];
  if (!columns.length) return null;
  const formulas = field.config?.row_formulas || {};
  const pendingId = `${field.key}:row`;
  const pending = PENDING.get(pendingId);
  const shown = [...Object.keys(formulas), ...(pending && !(pending in formulas) ? [pending] : [])];
  const labelOf = (/** @type {string} */ key) => {
    const col = columns.find((/** @type {any} */ x) => x.key === key);
    return (col && pick(col.label, lang)) || key;
  };
  const commit = (/** @type {string} */ column, /** @type {string} */ text) => {
    const current = m.getField(model.doc, field.key);
    if (!current) return;
    if (!text.trim() || text === current.config?.row_formulas?.[column]) return;
    PENDING.delete(pendingId);
    run(c.setConfig, { key: field.key, config: withRowFormula(current.config, column, text) });
  };
  const editors = shown.map((column) => {
    const col = columns.find((/** @type {any} */ x) => x.key === column);
    const name = `row_formulas.${column}`;
    return h('div', { class: 'fw-designer__row-formula', dataset: { rowFormula: column } },
      h('div', { class: 'fw-designer__row-formula-head' },
        h('strong', null, `${labelOf(column)} =`),
        h('button', {
          type: 'button', class: 'fw-button fw-button--link', dataset: { action: 'remove-row-formula', column },
          onClick: () => {
            if (PENDING.get(pendingId) === column) { // opened, never written
              PENDING.delete(pendingId);
              STATES.delete(`${field.key}:row:${column}`);
              ctx.redraw?.();
              return;
            }
            const current = m.getField(model.doc, field.key);
            if (current) run(c.setConfig, { key: field.key, config: withRowFormula(current.config, column, '') });
          },
        }, w('row_formula_remove'))),
      formulaEditor({
        value: typeof formulas[column] === 'string' ? formulas[column] : '',
        name,
        fields: rowFormulaFields(field.config, column),
        functions: ctx.functions || [],
        locale: lang,
        state: stateOf(`${field.key}:row:${column}`),
        onCommit: (text) => commit(column, text),
        evaluate: (expression, sample) => {
          const current = m.getField(model.doc, field.key)?.config;
          return evaluate(ctx, {
            expression, sample, fields: rowFormulaFields(current, column), field: column,
            result: resultFor(col?.type || 'number'),
          });
        },
      }));
  });
  const free = columns.filter((/** @type {any} */ col) => !shown.includes(col.key));
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__row-formulas', dataset: { rowFormulas: field.key } },
    h('legend', null, w('row_formulas')),
    h('small', { class: 'fw-schema-form__help' }, w('row_formulas_help')),
    editors,
    free.length
      ? h('label', { class: 'fw-schema-form__row' },
        h('span', null, w('row_formula_add')),
        h('select', {
          name: 'row_formula_add',
          onChange: (/** @type {Event} */ e) => {
            const column = /** @type {HTMLSelectElement} */ (e.target).value;
            if (!column) return;
            PENDING.set(pendingId, column); // written once its formula is typed
            ctx.redraw?.();
          },
        },
        h('option', { value: '', selected: true }, w('row_formula_pick')),
        free.map((/** @type {any} */ col) => h('option', { value: col.key }, labelOf(col.key)))))
      : null);
}

/**
 * A field's default value: none, a fixed value, or a formula (its value when a record is
 * created, e.g. `TODAY()`), with the formula editor over the form's other fields.
 * @param {PanelContext} ctx
 * @param {any} field
 */
export function defaultBox(ctx, field) {
  const { w, lang, run, model } = ctx;
  if (COMPUTED_TYPES.has(field.type)) return null;
  const pendingId = `${field.key}:default`;
  const stored = defaultMode(field);
  const mode = stored === 'none' ? PENDING.get(pendingId) || 'none' : stored;
  const setDefault = (/** @type {any} */ value) => {
    PENDING.delete(pendingId);
    const current = m.getField(model.doc, field.key);
    if (!current || JSON.stringify(current.default) === JSON.stringify(value)) return;
    run(c.setProperty, { key: field.key, name: 'default', value });
  };
  const modes = /** @type {const} */ (['none', 'value', 'formula']);
  const picker = h('select', {
    name: 'default_mode',
    onChange: (/** @type {Event} */ e) => {
      const next = /** @type {HTMLSelectElement} */ (e.target).value;
      if (next === 'none') PENDING.delete(pendingId);
      else PENDING.set(pendingId, next); // written once a value or formula is given
      // Another kind drops the stored value (it would not fit the new kind).
      if (stored !== 'none') run(c.setProperty, { key: field.key, name: 'default', value: undefined });
      else ctx.redraw?.();
    },
  }, modes.map((kind) => h('option', { value: kind, selected: kind === mode }, w(`default_${kind}`))));
  /** @type {any} */
  let body = null;
  if (mode === 'value') body = valueInput(ctx, field, setDefault);
  if (mode === 'formula') {
    body = formulaEditor({
      value: stored === 'formula' ? field.default.formula : '',
      name: 'default.formula',
      fields: (model.doc.fields || [])
        .filter((/** @type {any} */ f) => f.key !== field.key)
        .map((/** @type {any} */ f) => ({ key: f.key, type: f.type, label: f.label, config: f.config })),
      functions: ctx.functions || [],
      locale: lang,
      state: stateOf(`${field.key}:default`),
      onCommit: (text) => {
        if (text.trim()) setDefault({ formula: text });
      },
      evaluate: (expression, sample) => evaluate(ctx, {
        expression, sample, fields: (model.doc.fields || []).filter((/** @type {any} */ f) => f.key !== field.key),
        result: resultFor(field.type),
      }),
    });
  }
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__default', dataset: { defaultFor: field.key } },
    h('legend', null, w('default_box')),
    h('label', { class: 'fw-schema-form__row' }, h('span', null, w('default_kind')), picker),
    mode === 'formula' ? h('small', { class: 'fw-schema-form__help' }, w('default_formula_help')) : null,
    body);
}

/**
 * The input of a fixed default, fitting the field's type.
 * @param {PanelContext} ctx
 * @param {any} field
 * @param {(value: any) => void} setDefault
 */
function valueInput(ctx, field, setDefault) {
  const { w, lang } = ctx;
  const value = defaultMode(field) === 'value' ? field.default : undefined;
  const options = Array.isArray(field.config?.options) ? field.config.options : [];
  const label = h('span', null, w('default_fixed'));
  if (field.type === 'boolean' || (CHOICE_TYPES.has(field.type) && options.length)) {
    const choices = field.type === 'boolean'
      ? [{ value: 'true', label: w('yes') }, { value: 'false', label: w('no') }]
      : options.map((/** @type {any} */ o) => ({ value: String(o.value), label: pick(o.label, lang) || String(o.value) }));
    return h('label', { class: 'fw-schema-form__row' }, label,
      h('select', {
        name: 'default_value',
        onChange: (/** @type {Event} */ e) => setDefault(parseDefault(field.type, /** @type {HTMLSelectElement} */ (e.target).value)),
      },
      h('option', { value: '', selected: value === undefined }, '—'),
      choices.map((/** @type {{value: string, label: string}} */ o) =>
        h('option', { value: o.value, selected: value !== undefined && String(value) === o.value }, o.label))));
  }
  const input = /** @type {HTMLInputElement} */ (h('input', {
    name: 'default_value',
    type: field.type === 'date' ? 'date' : 'text',
    value: showDefault(field.type, value),
    placeholder: JSON_TYPES.has(field.type) ? w('default_json') : '',
    onChange: () => {
      const parsed = parseDefault(field.type, input.value);
      const bad = parsed === undefined && input.value.trim() !== '';
      input.setAttribute('aria-invalid', String(bad));
      if (!bad) setDefault(parsed);
    },
  }));
  return h('label', { class: 'fw-schema-form__row' }, label, input);
}
