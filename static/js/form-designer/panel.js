// @ts-check
/**
 * The property panel: a selected field's label, key, help, flags, options and its type's config
 * (generated from the config schema by core/schema-form.js); with no selection, the form's own
 * settings (title, title field, public form). Every edit goes through a command.
 */
import { conditionBuilder } from '../core/condition-builder.js';
import { groupKind } from '../core/condition-tree.js';
import { h } from '../core/dom.js';
import { pick } from '../core/i18n.js';
import { schemaForm } from '../core/schema-form.js';
import * as c from './commands.js';
import * as m from './model.js';

/**
 * @typedef {object} PanelContext
 * @property {m.FormModel} model
 * @property {(command: any, args: any) => boolean} run
 * @property {string} lang
 * @property {(key: string, params?: Record<string, unknown>) => string} w
 * @property {string} app
 * @property {string} formKey
 * @property {(key: string | null) => void} select
 */

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
};

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
  const rest = { ...schema, properties: { ...(schema.properties || {}) } };
  delete rest.properties.options;
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
  const fields = (ctx.model.doc.fields || [])
    .filter((/** @type {any} */ f) => f.key !== field.key)
    .map((/** @type {any} */ f) => ({
      key: f.key, type: f.type, label: f.label,
      options: Array.isArray(f.config?.options) ? f.config.options : undefined,
      result: typeof f.config?.result === 'string' ? f.config.result : undefined,
    }));
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__conditions' },
    h('legend', null, w('conditions')),
    h('small', { class: 'fw-schema-form__help' }, w('conditions_help')),
    CONDITION_PROPERTIES.map((name) => h('div', { class: 'fw-designer__condition', dataset: { conditionFor: name } },
      h('h3', null, w(name)),
      conditionBuilder(field[name] ?? null, {
        fields, locale: lang, name,
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
  const isPublic = doc.public?.enabled === true;
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
    checkRow('public.enabled', w('public_enabled'), isPublic, (on) => run(c.setFormProperty, {
      name: 'public', value: { ...(doc.public || {}), enabled: on },
    })),
    isPublic ? h('a', { href: `/f/${ctx.app}/${ctx.formKey}`, target: '_blank', rel: 'noopener', dataset: { action: 'public-link' } }, w('public_link')) : null);
}
