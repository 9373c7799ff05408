// @ts-check
/**
 * The property panel: a selected field's label, key, help, flags, options and its type's config
 * (generated from the config schema by core/schema-form.js); with no selection, the form's own
 * settings (title, title field, public form). Every edit goes through a command.
 */
import { conditionBuilder } from '../core/condition-builder.js';
import { groupKind } from '../core/condition-tree.js';
import { h } from '../core/dom.js';
import { formulaEditor } from '../core/formula-editor.js';
import { pick } from '../core/i18n.js';
import { schemaForm } from '../core/schema-form.js';
import { tabEnd } from './canvas.js';
import * as c from './commands.js';
import { defaultBox, rowFormulasBox } from './formula-boxes.js';
import * as lay from './layout.js';
import * as m from './model.js';
import { publicSettings } from './public-panel.js';

/**
 * @typedef {object} PanelContext
 * @property {m.FormModel} model
 * @property {(command: any, args: any) => boolean} run
 * @property {string} lang
 * @property {(key: string, params?: Record<string, unknown>) => string} w
 * @property {string} app
 * @property {string} formKey
 * @property {(key: string | null) => void} select
 * @property {any[]} functions
 * @property {(body: any) => Promise<{ok: boolean, data: any, problems: {message: string}[]}>} evaluateFormula
 * @property {() => void} [redraw]  draw the panel again (view state changed, not the model)
 */

/** The formula editors' state by field key (sample text, caret, last value) across redraws. */
const FORMULA_STATES = new Map();

const SLUG = /^[a-z][a-z0-9_]*$/;
// Config labels for the common settings (others show their key).
const CONFIG_LABELS = {
  min_length: { 'zh-CN': '最少字数', en: 'Min length' },
  max_length: { 'zh-CN': '最多字数', en: 'Max length' },
  pattern: { 'zh-CN': '格式（正则表达式）', en: 'Pattern (regular expression)' },
  pattern_message: { 'zh-CN': '格式不符时的提示', en: 'Message when the pattern fails' },
  strip: { 'zh-CN': '去掉首尾空格', en: 'Trim spaces' },
  region: { 'zh-CN': '号码地区', en: 'Phone region' },
  mobile_only: { 'zh-CN': '仅手机号', en: 'Mobile numbers only' },
  allow_other: { 'zh-CN': '允许“其他”', en: 'Allow “other”' },
  min: { 'zh-CN': '最小值', en: 'Minimum' },
  max: { 'zh-CN': '最大值', en: 'Maximum' },
  decimals: { 'zh-CN': '小数位', en: 'Decimals' },
  currency: { 'zh-CN': '币种', en: 'Currency' },
  multiple: { 'zh-CN': '可多选', en: 'Several allowed' },
  rows: { 'zh-CN': '行数', en: 'Rows' },
  expression: { 'zh-CN': '公式', en: 'Formula' },
  result: { 'zh-CN': '结果类型', en: 'Result type' },
  form: { 'zh-CN': '关联表单', en: 'Linked form' },
  display_field: { 'zh-CN': '显示字段', en: 'Display field' },
  step: { 'zh-CN': '步长（必须是它的整数倍）', en: 'Step (a multiple of it)' },
  min_items: { 'zh-CN': '最少选几项', en: 'Choose at least' },
  max_items: { 'zh-CN': '最多选几项', en: 'Choose at most' },
  min_rows: { 'zh-CN': '最少行数', en: 'At least rows' },
  max_rows: { 'zh-CN': '最多行数', en: 'At most rows' },
  max_files: { 'zh-CN': '最多文件数', en: 'At most files' },
  max_size_mb: { 'zh-CN': '单个文件最大（MB）', en: 'Largest file (MB)' },
  accept: { 'zh-CN': '允许的文件类型（如 .pdf，每行一个）', en: 'Allowed file types (e.g. .pdf, one per line)' },
  schemes: { 'zh-CN': '允许的链接类型', en: 'Allowed link kinds' },
};

// Config keys that are validation rules: the panel shows them together, under "validation".
const RULE_KEYS = [
  'min_length', 'max_length', 'min', 'max', 'step', 'min_items', 'max_items', 'min_rows', 'max_rows',
  'max_files', 'max_size_mb', 'accept', 'mobile_only', 'schemes', 'pattern', 'pattern_message',
];

// Common formats for the pattern rule (Python-compatible regular expressions, whole value).
export const PATTERN_PRESETS = [
  { key: 'mobile', pattern: '1[3-9]\\d{9}', label: { 'zh-CN': '手机号', en: 'Mobile number (CN)' },
    message: { 'zh-CN': '请输入 11 位手机号', en: 'Enter an 11-digit mobile number' } },
  { key: 'postcode', pattern: '\\d{6}', label: { 'zh-CN': '邮政编码', en: 'Postcode (CN)' },
    message: { 'zh-CN': '邮政编码为 6 位数字', en: 'A postcode has 6 digits' } },
  { key: 'id_card', pattern: '\\d{17}[0-9Xx]', label: { 'zh-CN': '身份证号', en: 'ID card number (CN)' },
    message: { 'zh-CN': '请输入 18 位身份证号', en: 'Enter an 18-character ID number' } },
  { key: 'credit_code', pattern: '[0-9A-HJ-NPQRTUWXY]{18}', label: { 'zh-CN': '统一社会信用代码', en: 'Unified social credit code' },
    message: { 'zh-CN': '统一社会信用代码为 18 位', en: 'The code has 18 characters' } },
  { key: 'letters_digits', pattern: '[A-Za-z0-9]+', label: { 'zh-CN': '字母和数字', en: 'Letters and digits' },
    message: { 'zh-CN': '只能包含字母和数字', en: 'Letters and digits only' } },
];

/**
 * Whether `value` matches the whole `pattern` (the browser's regular expressions: a hint, the
 * server decides); null when the pattern does not compile here.
 * @param {string} pattern
 * @param {string} value
 */
export function patternMatches(pattern, value) {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u').test(value);
  } catch {
    return null;
  }
}

/**
 * A labelled input that commits on `change`.
 * @param {string} name
 * @param {string} label
 * @param {string} value
 * @param {(text: string) => void} commit
 * @param {{help?: string, invalid?: boolean}} [options]
 */
function textRow(name, label, value, commit, { help, invalid } = {}) {
  return h('label', { class: 'fw-schema-form__row' },
    h('span', null, label),
    h('input', {
      name, value, 'aria-invalid': invalid ? 'true' : null,
      onChange: (/** @type {Event} */ e) => commit(/** @type {HTMLInputElement} */ (e.target).value.trim()),
    }),
    help ? h('small', { class: 'fw-schema-form__help' }, help) : null);
}

/**
 * @param {string} name
 * @param {string} label
 * @param {boolean} checked
 * @param {(on: boolean) => void} commit
 */
function checkRow(name, label, checked, commit) {
  return h('label', { class: 'fw-schema-form__row fw-schema-form__row--check' },
    h('input', {
      type: 'checkbox', name, checked,
      onChange: (/** @type {Event} */ e) => commit(/** @type {HTMLInputElement} */ (e.target).checked),
    }),
    h('span', null, label));
}

/**
 * @param {PanelContext} ctx
 * @param {any} field
 * @param {any} entry  the field type's palette entry (may be missing for an unknown type)
 * @param {{code: string, message: string}[]} problems
 */
export function fieldPanel(ctx, field, entry, problems) {
  const { w, lang, run } = ctx;
  const key = field.key;
  const schema = entry?.config_schema || { type: 'object', properties: {} };
  const hasOptions = Boolean(schema.properties?.options);
  const isFormula = field.type === 'formula' && Boolean(schema.properties?.expression);
  const rest = { ...schema, properties: { ...(schema.properties || {}) } };
  delete rest.properties.options;
  if (isFormula) delete rest.properties.expression;
  // Row formulas get their editors once the columns exist (the columns stay in the config box).
  const hasRowFormulas = Boolean(schema.properties?.row_formulas) && Array.isArray(field.config?.columns)
    && field.config.columns.length > 0;
  if (hasRowFormulas) delete rest.properties.row_formulas;
  for (const name of RULE_KEYS) delete rest.properties[name];
  const setText = (/** @type {string} */ name, /** @type {string} */ language) =>
    (/** @type {string} */ text) => run(c.setLabel, { key, name, lang: language, text });
  const flag = (/** @type {string} */ name) =>
    (/** @type {boolean} */ on) => run(c.setProperty, { key, name, value: on ? true : undefined });
  return h('div', { class: 'fw-designer__props', dataset: { panelFor: key } },
    h('h2', null, w('properties'), ' · ', h('span', { class: 'fw-muted' }, entry ? pick(entry.label, lang) : field.type)),
    problems.length
      ? h('ul', { class: 'fw-designer__problems' }, problems.map((p) => h('li', { dataset: { problemCode: p.code } }, p.message)))
      : null,
    textRow('label.zh-CN', w('label_zh'), field.label?.['zh-CN'] || '', setText('label', 'zh-CN')),
    textRow('label.en', w('label_en'), field.label?.en || '', setText('label', 'en')),
    textRow('key', w('key'), key, (to) => {
      if (to === key) return;
      if (!SLUG.test(to) || m.getField(ctx.model.doc, to)) {
        const input = /** @type {HTMLInputElement | null} */ (document.querySelector('.fw-designer__props input[name="key"]'));
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          input.title = w('bad_key');
        }
        return;
      }
      ctx.select(to);
      if (!run(c.renameField, { key, to })) ctx.select(key);
    }, { help: w('key_help') }),
    textRow('help.zh-CN', w('help_zh'), field.help?.['zh-CN'] || '', setText('help', 'zh-CN')),
    textRow('help.en', w('help_en'), field.help?.en || '', setText('help', 'en')),
    h('div', { class: 'fw-designer__flags' },
      checkRow('required', w('required'), field.required === true, flag('required')),
      checkRow('readonly', w('readonly'), field.readonly === true, flag('readonly')),
      checkRow('hidden', w('hidden'), field.hidden === true, flag('hidden'))),
    requiredMessageRows(ctx, field, setText),
    isFormula ? formulaBox(ctx, field) : null,
    defaultBox(ctx, field),
    hasRowFormulas ? rowFormulasBox(ctx, field) : null,
    rulesEditor(ctx, field, schema),
    tabPicker(ctx, field),
    conditionsEditor(ctx, field),
    hasOptions ? optionsEditor(ctx, field) : null,
    Object.keys(rest.properties).length
      ? h('fieldset', { class: 'fw-schema-form__group' }, h('legend', null, w('config')),
        schemaForm(rest, field.config || {}, {
          locale: lang,
          labels: CONFIG_LABELS,
          onChange: (config) => run(c.setConfig, {
            key, config: hasOptions ? { options: field.config?.options || [], ...config } : config,
          }),
        }))
      : null,
    h('button', {
      type: 'button', class: 'fw-button fw-designer__remove', dataset: { action: 'remove-field' },
      onClick: () => run(c.removeField, { key }),
    }, w('remove_field')));
}

/**
 * The field's own "required" message in both languages, once the field can be required.
 * @param {PanelContext} ctx
 * @param {any} field
 * @param {(name: string, language: string) => (text: string) => void} setText
 */
function requiredMessageRows(ctx, field, setText) {
  const { w } = ctx;
  if (field.required !== true && !field.required_when && !field.required_message) return null;
  return h('div', { class: 'fw-designer__required-message', dataset: { requiredMessage: field.key } },
    textRow('required_message.zh-CN', w('required_message_zh'), field.required_message?.['zh-CN'] || '',
      setText('required_message', 'zh-CN'), { help: w('required_message_help') }),
    textRow('required_message.en', w('required_message_en'), field.required_message?.en || '',
      setText('required_message', 'en')));
}

/**
 * The validation rules a field type supports (its config keys in RULE_KEYS): bounds through the
 * schema form, the pattern with presets, its message in both languages and a box to try it.
 * @param {PanelContext} ctx
 * @param {any} field
 * @param {any} schema  the type's config schema
 */
function rulesEditor(ctx, field, schema) {
  const { w, lang, run } = ctx;
  const properties = schema.properties || {};
  const bounds = Object.fromEntries(Object.entries(properties)
    .filter(([name]) => RULE_KEYS.includes(name) && name !== 'pattern' && name !== 'pattern_message'));
  const hasPattern = Boolean(properties.pattern);
  if (!Object.keys(bounds).length && !hasPattern) return null;
  const commit = (/** @type {any} */ config) => run(c.setConfig, { key: field.key, config });
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__rules', dataset: { rules: field.key } },
    h('legend', null, w('rules')),
    h('small', { class: 'fw-schema-form__help' }, w('rules_help')),
    Object.keys(bounds).length
      ? schemaForm({ type: 'object', properties: bounds }, field.config || {}, { locale: lang, labels: CONFIG_LABELS, onChange: commit })
      : null,
    hasPattern ? patternEditor(ctx, field, commit) : null);
}

/**
 * @param {PanelContext} ctx
 * @param {any} field
 * @param {(config: any) => void} commit
 */
function patternEditor(ctx, field, commit) {
  const { w, lang } = ctx;
  const config = field.config || {};
  const pattern = typeof config.pattern === 'string' ? config.pattern : '';
  const preset = PATTERN_PRESETS.find((p) => p.pattern === pattern);
  const compiles = pattern === '' || patternMatches(pattern, '') !== null;
  const tryOut = h('output', { class: 'fw-designer__pattern-try', dataset: { patternResult: '' } });
  const tryInput = /** @type {HTMLInputElement} */ (h('input', {
    name: 'pattern_try', placeholder: w('pattern_try'), 'aria-label': w('pattern_try'),
    onInput: () => {
      const ok = tryInput.value === '' ? null : patternMatches(pattern, tryInput.value);
      tryOut.dataset.match = ok === null ? '' : String(ok);
      tryOut.textContent = ok === null ? '' : ok ? `✓ ${w('pattern_ok')}` : `✗ ${pick(config.pattern_message, lang) || w('pattern_no')}`;
    },
  }));
  const setMessage = (/** @type {string} */ language) => (/** @type {string} */ text) => {
    const message = m.withText(config.pattern_message, language, text);
    const next = { ...config };
    if (message) next.pattern_message = message;
    else delete next.pattern_message;
    commit(next);
  };
  return h('div', { class: 'fw-designer__pattern' },
    h('label', { class: 'fw-schema-form__row' },
      h('span', null, w('pattern_preset')),
      h('select', {
        name: 'pattern_preset',
        onChange: (/** @type {Event} */ e) => {
          const chosen = PATTERN_PRESETS.find((p) => p.key === /** @type {HTMLSelectElement} */ (e.target).value);
          if (chosen) commit({ ...config, pattern: chosen.pattern, pattern_message: { ...chosen.message } });
        },
      },
      h('option', { value: '', selected: !preset }, pattern ? w('pattern_custom') : w('pattern_none')),
      PATTERN_PRESETS.map((p) => h('option', { value: p.key, selected: p === preset }, pick(p.label, lang))))),
    textRow('pattern', pick(CONFIG_LABELS.pattern, lang), pattern, (text) => {
      const next = { ...config };
      if (text) next.pattern = text;
      else delete next.pattern;
      commit(next);
    }, { invalid: !compiles, help: w('pattern_help') }),
    textRow('pattern_message.zh-CN', w('pattern_message_zh'), config.pattern_message?.['zh-CN'] || '', setMessage('zh-CN')),
    textRow('pattern_message.en', w('pattern_message_en'), config.pattern_message?.en || '', setMessage('en')),
    pattern ? h('div', { class: 'fw-designer__pattern-test' }, tryInput, tryOut) : null);
}

/**
 * The tab a field sits in, when the form has tabs; picking another moves it to that tab's end.
 * @param {PanelContext} ctx
 * @param {any} field
 */
function tabPicker(ctx, field) {
  const { w, lang, run, model } = ctx;
  const layout = model.doc.layout || [];
  const section = layout.findIndex(lay.isTabs);
  if (section < 0) return null;
  const place = m.placeOf(model.doc, field.key);
  const current = place && place.section === section ? place.tab : undefined;
  return h('label', { class: 'fw-schema-form__row' },
    h('span', null, w('field_tab')),
    h('select', {
      name: 'tab',
      onChange: (/** @type {Event} */ e) => {
        const tab = Number(/** @type {HTMLSelectElement} */ (e.target).value);
        run(c.moveField, { key: field.key, place: tabEnd(model.doc, section, tab) });
      },
    },
    current === undefined ? h('option', { value: '', selected: true, disabled: true }, w('outside_tabs')) : null,
    layout[section].tabs.map((/** @type {any} */ tab, /** @type {number} */ index) =>
      h('option', { value: String(index), selected: index === current }, pick(tab.title, lang) || w('tab_n', { n: index + 1 })))));
}

/**
 * The formula editor of a formula field: pickers over the form's other fields, the function
 * list, and the value the server computes on sample data (result type, decimals and currency
 * from the field's config).
 * @param {PanelContext} ctx
 * @param {any} field
 */
function formulaBox(ctx, field) {
  const { w, lang, run, model } = ctx;
  const state = FORMULA_STATES.get(field.key) || {};
  FORMULA_STATES.set(field.key, state);
  const fields = (model.doc.fields || [])
    .filter((/** @type {any} */ f) => f.key !== field.key)
    .map((/** @type {any} */ f) => ({ key: f.key, type: f.type, label: f.label, config: f.config }));
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__formula' },
    h('legend', null, w('formula')),
    formulaEditor({
      value: field.config?.expression || '',
      fields,
      functions: ctx.functions || [],
      locale: lang,
      state,
      onCommit: (text) => {
        const current = m.getField(model.doc, field.key);
        if (!current || !text.trim() || text === current.config?.expression) return;
        run(c.setConfig, { key: field.key, config: { ...(current.config || {}), expression: text } });
      },
      evaluate: async (expression, sample) => {
        const current = m.getField(model.doc, field.key)?.config || {};
        /** @type {Record<string, any>} */
        const body = { expression, sample, fields: model.doc.fields, field: field.key, result: current.result || 'number' };
        if (current.decimals !== undefined) body.decimals = current.decimals;
        if (current.currency !== undefined) body.currency = current.currency;
        const out = await ctx.evaluateFormula(body);
        return out.ok
          ? { ok: true, value: out.data?.value, text: out.data?.text }
          : { ok: false, message: out.problems.map((p) => p.message).join(' ') };
      },
    }));
}

const CONDITION_PROPERTIES = ['visible_when', 'required_when', 'readonly_when'];

/** A root group with nothing in it: no condition at all. @param {Record<string, any>} tree */
function isBare(tree) {
  const kind = groupKind(tree);
  return kind !== null && tree[kind].length === 0;
}

/**
 * Show / require / read-only conditions, each edited with the condition builder over the form's
 * other fields (labels shown, keys stored); an empty condition removes the property.
 * @param {PanelContext} ctx
 * @param {any} field
 */
function conditionsEditor(ctx, field) {
  const { w, lang, run } = ctx;
  const fields = m.conditionFields(ctx.model.doc, field.key);
  // Formula leaves get the formula editor, evaluated as a yes / no over the record's fields.
  const formula = {
    functions: ctx.functions || [],
    evaluate: async (/** @type {string} */ expression, /** @type {any} */ sample) => {
      const out = await ctx.evaluateFormula({ expression, sample, fields: ctx.model.doc.fields, result: 'boolean' });
      return out.ok
        ? { ok: true, value: out.data?.value, text: out.data?.text }
        : { ok: false, message: out.problems.map((p) => p.message).join(' ') };
    },
  };
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__conditions' },
    h('legend', null, w('conditions')),
    h('small', { class: 'fw-schema-form__help' }, w('conditions_help')),
    CONDITION_PROPERTIES.map((name) => h('div', { class: 'fw-designer__condition', dataset: { conditionFor: name } },
      h('h3', null, w(name)),
      conditionBuilder(field[name] ?? null, {
        fields, locale: lang, name, formula,
        onChange: (tree) => run(c.setProperty, { key: field.key, name, value: isBare(tree) ? undefined : tree }),
      }))));
}

/**
 * Options of select, radio, multiselect and checkbox fields: value and labels per row.
 * @param {PanelContext} ctx
 * @param {any} field
 */
function optionsEditor(ctx, field) {
  const { w, run } = ctx;
  /** @type {any[]} */
  const options = field.config?.options || [];
  const commit = (/** @type {any[]} */ next) =>
    run(c.setConfig, { key: field.key, config: { ...(field.config || {}), options: next } });
  /**
   * @param {number} index
   * @param {string} lang  '' for the value itself
   * @param {string} text
   */
  const edit = (index, lang, text) => {
    const next = options.map((o) => ({ ...o }));
    if (lang === '') {
      if (!text) return;
      next[index].value = text;
    } else {
      const label = m.withText(next[index].label, lang, text);
      if (label) next[index].label = label;
      else delete next[index].label;
    }
    commit(next);
  };
  const rows = options.map((option, index) => h('li', { class: 'fw-designer__option', dataset: { option: String(index) } },
    h('input', { name: `options.${index}.value`, value: option.value, 'aria-label': w('option_value'), placeholder: w('option_value'),
      onChange: (/** @type {Event} */ e) => edit(index, '', /** @type {HTMLInputElement} */ (e.target).value.trim()) }),
    h('input', { name: `options.${index}.zh-CN`, value: option.label?.['zh-CN'] || '', 'aria-label': w('option_label_zh'), placeholder: w('option_label_zh'),
      onChange: (/** @type {Event} */ e) => edit(index, 'zh-CN', /** @type {HTMLInputElement} */ (e.target).value.trim()) }),
    h('input', { name: `options.${index}.en`, value: option.label?.en || '', 'aria-label': w('option_label_en'), placeholder: w('option_label_en'),
      onChange: (/** @type {Event} */ e) => edit(index, 'en', /** @type {HTMLInputElement} */ (e.target).value.trim()) }),
    h('button', { type: 'button', class: 'fw-button fw-button--link', title: w('remove'),
      onClick: () => commit(options.filter((_, i) => i !== index)) }, '×')));
  const taken = new Set(options.map((o) => o.value));
  let n = options.length + 1;
  while (taken.has(`option_${n}`)) n += 1;
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__options' },
    h('legend', null, w('options')),
    h('ol', null, rows),
    h('button', {
      type: 'button', class: 'fw-button', dataset: { action: 'add-option' },
      onClick: () => commit([...options, { value: `option_${n}` }]),
    }, `+ ${w('add_option')}`));
}

/**
 * The form's own settings.
 * @param {PanelContext} ctx
 */
export function formPanel(ctx) {
  const { w, lang, run, model } = ctx;
  const doc = model.doc;
  const setTitle = (/** @type {string} */ language) => (/** @type {string} */ text) => {
    const next = m.withText(doc.title, language, text);
    if (next) run(c.setFormProperty, { name: 'title', value: next });
  };
  return h('div', { class: 'fw-designer__props', dataset: { panelFor: '' } },
    h('h2', null, w('form_settings')),
    h('p', { class: 'fw-muted' }, w('no_selection')),
    textRow('title.zh-CN', w('form_title_zh'), doc.title?.['zh-CN'] || '', setTitle('zh-CN')),
    textRow('title.en', w('form_title_en'), doc.title?.en || '', setTitle('en')),
    h('label', { class: 'fw-schema-form__row' },
      h('span', null, w('title_field')),
      h('select', {
        name: 'title_field',
        onChange: (/** @type {Event} */ e) => run(c.setFormProperty, {
          name: 'title_field', value: /** @type {HTMLSelectElement} */ (e.target).value || undefined,
        }),
      },
      h('option', { value: '' }, w('title_field_none')),
      (doc.fields || []).map((/** @type {any} */ f) => h('option', { value: f.key, selected: doc.title_field === f.key }, pick(f.label, lang))))),
    publicSettings(ctx));
}
