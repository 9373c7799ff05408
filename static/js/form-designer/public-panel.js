// @ts-check
/**
 * The public form's settings in the form panel (decision 0002 `public`): open to the public,
 * allowed origins, duplicate handling, capture of UTM parameters and the referrer into fields,
 * submit label, thank-you text and rate limit. Each edit is one `public.set` command; the
 * server's validator checks the block again when the draft is previewed or saved.
 */
import { h } from '../core/dom.js';
import { pick } from '../core/i18n.js';
import * as c from './commands.js';
import * as m from './model.js';

/** @typedef {import('./panel.js').PanelContext} PanelContext */

export const ORIGIN = /^https?:\/\/[^/\s]+$/;
const PARAM = /^[A-Za-z0-9_.-]{1,64}$/;
export const COMMON_CAPTURE = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'referrer'];
const POLICIES = ['skip', 'update', 'create'];

/**
 * Origins from text, one per line (blank lines dropped, duplicates once); `bad` lists the lines
 * that are not an origin such as https://www.example.com.
 * @param {string} text
 */
export function parseOrigins(text) {
  const lines = text.split('\n').map((line) => line.trim().replace(/\/+$/, '')).filter(Boolean);
  return { origins: [...new Set(lines.filter((line) => ORIGIN.test(line)))], bad: lines.filter((line) => !ORIGIN.test(line)) };
}

/**
 * Capture rows for the common parameters whose field of the same key exists and is not mapped.
 * @param {Record<string, string>} capture
 * @param {string[]} fieldKeys
 */
export function withCommonCapture(capture, fieldKeys) {
  const next = { ...capture };
  for (const param of COMMON_CAPTURE) if (!(param in next) && fieldKeys.includes(param)) next[param] = param;
  return next;
}

// As the server's runtime/forms/public_service.public_fields: what a visitor fills by default.
const NOT_PUBLIC_TYPES = new Set(['user', 'department', 'formula', 'serial', 'attachment']);
const COMPUTED_TYPES = new Set(['formula', 'serial']);

/**
 * The field keys a visitor may fill when `public.fields` is not given: the visible, writable,
 * plain inputs (the server's rule).
 * @param {any} doc
 * @returns {string[]}
 */
export function defaultPublicFields(doc) {
  return (doc.fields || [])
    .filter((/** @type {any} */ f) => !f.hidden && !f.readonly && !NOT_PUBLIC_TYPES.has(f.type))
    .map((/** @type {any} */ f) => f.key);
}

/**
 * The fields the "only these" list offers: every field a value can be typed into, plus any
 * already listed.
 * @param {any} doc
 * @returns {string[]}
 */
export function publicFieldChoices(doc) {
  const listed = new Set(doc.public?.fields || []);
  return (doc.fields || [])
    .filter((/** @type {any} */ f) => listed.has(f.key) || (!COMPUTED_TYPES.has(f.type) && !f.hidden))
    .map((/** @type {any} */ f) => f.key);
}

/**
 * @param {PanelContext} ctx
 */
export function publicSettings(ctx) {
  const { w, lang, run, model } = ctx;
  const doc = model.doc;
  const block = doc.public || {};
  const set = (/** @type {string} */ name, /** @type {any} */ value) => run(c.setPublic, { name, value });
  const fields = (doc.fields || []).filter((/** @type {any} */ f) => f.type !== 'formula');
  const keys = fields.map((/** @type {any} */ f) => f.key);
  const labelOf = (/** @type {string} */ key) => pick(m.getField(doc, key)?.label, lang) || key;
  const isPublic = block.enabled === true;
  const enabled = h('label', { class: 'fw-schema-form__row fw-schema-form__row--check' },
    h('input', {
      type: 'checkbox', name: 'public.enabled', checked: isPublic,
      onChange: (/** @type {Event} */ e) => set('enabled', /** @type {HTMLInputElement} */ (e.target).checked),
    }),
    h('span', null, w('public_enabled')));
  if (!isPublic) return h('div', { class: 'fw-designer__public' }, enabled);
  return h('fieldset', { class: 'fw-schema-form__group fw-designer__public', dataset: { publicSettings: '' } },
    h('legend', null, w('public_form')),
    enabled,
    h('a', { href: `/f/${ctx.app}/${ctx.formKey}`, target: '_blank', rel: 'noopener', dataset: { action: 'public-link' } }, w('public_link')),
    fieldsRows(ctx, block, set),
    originsRow(ctx, block, set),
    dedupeRows(ctx, block, set, keys, labelOf),
    captureRows(ctx, block, set, keys, labelOf),
    textPair(ctx, block, set, 'submit_label'),
    textPair(ctx, block, set, 'thank_you'),
    h('label', { class: 'fw-schema-form__row' },
      h('span', null, w('rate_limit')),
      h('input', {
        type: 'number', min: '1', max: '10000', name: 'public.rate_limit', value: block.rate_limit?.per_minute ?? '',
        placeholder: w('rate_limit_default'),
        onChange: (/** @type {Event} */ e) => {
          const text = /** @type {HTMLInputElement} */ (e.target).value.trim();
          const n = Number(text);
          if (text === '') set('rate_limit', undefined);
          else if (Number.isInteger(n) && n >= 1 && n <= 10000) set('rate_limit', { per_minute: n });
          else /** @type {HTMLInputElement} */ (e.target).setAttribute('aria-invalid', 'true');
        },
      })));
}

/**
 * Which fields a visitor may fill: the default set, or only those ticked (`public.fields`).
 * @param {PanelContext} ctx
 * @param {any} block
 * @param {(name: string, value: any) => void} set
 */
function fieldsRows(ctx, block, set) {
  const { w, lang, model } = ctx;
  const doc = model.doc;
  const listed = Array.isArray(block.fields) && block.fields.length ? block.fields : null;
  const shown = new Set(listed || defaultPublicFields(doc));
  const choices = publicFieldChoices(doc);
  const mode = h('select', {
    name: 'public.fields.mode',
    onChange: (/** @type {Event} */ e) => {
      const only = /** @type {HTMLSelectElement} */ (e.target).value === 'some';
      // "Only these" starts from what the visitor sees now, so nothing changes until unticked.
      const start = defaultPublicFields(doc);
      if (!only) set('fields', undefined);
      else if (start.length) set('fields', start);
      else if (choices.length) set('fields', choices.slice(0, 1));
    },
  },
  h('option', { value: 'all', selected: !listed }, w('public_fields_all')),
  h('option', { value: 'some', selected: Boolean(listed) }, w('public_fields_some')));
  const boxes = listed
    ? h('div', { class: 'fw-schema-form__checks', dataset: { publicFields: '' } },
      choices.map((key) => {
        const field = m.getField(doc, key);
        return h('label', { class: 'fw-schema-form__row--check' },
          h('input', {
            type: 'checkbox', name: `public.fields.${key}`, checked: shown.has(key),
            onChange: (/** @type {Event} */ e) => {
              const on = /** @type {HTMLInputElement} */ (e.target).checked;
              // The definition's field order; an empty list would mean "the default set".
              const next = choices.filter((k) => (k === key ? on : shown.has(k)));
              if (next.length) set('fields', next);
              else /** @type {HTMLInputElement} */ (e.target).checked = true;
            },
          }),
          h('span', null, pick(field?.label, lang) || key));
      }))
    : h('small', { class: 'fw-schema-form__help', dataset: { publicFieldsDefault: '' } },
      w('public_fields_default', { fields: [...shown].map((k) => pick(m.getField(doc, k)?.label, lang) || k).join(w('list_sep')) }));
  return h('div', { class: 'fw-schema-form__row' },
    h('span', null, w('public_fields')), mode, boxes);
}

/**
 * @param {PanelContext} ctx
 * @param {any} block
 * @param {(name: string, value: any) => void} set
 */
function originsRow(ctx, block, set) {
  const { w } = ctx;
  const area = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    name: 'public.allowed_origins', rows: '2', placeholder: 'https://www.example.com',
    onChange: () => {
      const { origins, bad } = parseOrigins(area.value);
      if (bad.length) {
        area.setAttribute('aria-invalid', 'true');
        area.title = w('bad_origins', { lines: bad.join(', ') });
        return;
      }
      set('allowed_origins', origins.length ? origins : undefined);
    },
  }));
  area.value = (block.allowed_origins || []).join('\n');
  return h('label', { class: 'fw-schema-form__row' },
    h('span', null, w('allowed_origins')), area,
    h('small', { class: 'fw-schema-form__help' }, w('allowed_origins_help')));
}

/**
 * @param {PanelContext} ctx
 * @param {any} block
 * @param {(name: string, value: any) => void} set
 * @param {string[]} keys
 * @param {(key: string) => string} labelOf
 */
function dedupeRows(ctx, block, set, keys, labelOf) {
  const { w } = ctx;
  const dedupe = block.dedupe;
  const policy = h('select', {
    name: 'public.dedupe.policy',
    onChange: (/** @type {Event} */ e) => {
      const value = /** @type {HTMLSelectElement} */ (e.target).value;
      if (!value) return set('dedupe', undefined);
      const first = dedupe?.keys?.length ? dedupe.keys : keys.slice(0, 1);
      if (first.length) set('dedupe', { keys: first, policy: value });
      return undefined;
    },
  },
  h('option', { value: '', selected: !dedupe }, w('dedupe_off')),
  POLICIES.map((p) => h('option', { value: p, selected: dedupe?.policy === p }, w(`dedupe_${p}`))));
  const chosen = new Set(dedupe?.keys || []);
  const boxes = dedupe ? h('div', { class: 'fw-schema-form__checks', dataset: { dedupeKeys: '' } },
    keys.map((key) => h('label', { class: 'fw-schema-form__row--check' },
      h('input', {
        type: 'checkbox', name: `public.dedupe.keys.${key}`, checked: chosen.has(key),
        onChange: (/** @type {Event} */ e) => {
          const on = /** @type {HTMLInputElement} */ (e.target).checked;
          const next = keys.filter((k) => (k === key ? on : chosen.has(k)));
          if (next.length) set('dedupe', { ...dedupe, keys: next });
          else /** @type {HTMLInputElement} */ (e.target).checked = true; // one key at least
        },
      }),
      h('span', null, labelOf(key))))) : null;
  return h('div', { class: 'fw-schema-form__row' },
    h('span', null, w('dedupe')), policy,
    dedupe ? h('small', { class: 'fw-schema-form__help' }, w('dedupe_keys')) : null,
    boxes);
}

/**
 * @param {PanelContext} ctx
 * @param {any} block
 * @param {(name: string, value: any) => void} set
 * @param {string[]} keys
 * @param {(key: string) => string} labelOf
 */
function captureRows(ctx, block, set, keys, labelOf) {
  const { w } = ctx;
  /** @type {Record<string, string>} */
  const capture = block.capture || {};
  const commit = (/** @type {Record<string, string>} */ next) => set('capture', Object.keys(next).length ? next : undefined);
  const entries = Object.entries(capture);
  const rows = entries.map(([param, key], index) => h('li', { class: 'fw-designer__capture', dataset: { capture: param } },
    h('input', {
      name: `public.capture.${index}.param`, value: param, 'aria-label': w('capture_param'),
      onChange: (/** @type {Event} */ e) => {
        const input = /** @type {HTMLInputElement} */ (e.target);
        const to = input.value.trim();
        if (!PARAM.test(to) || (to !== param && to in capture)) {
          input.setAttribute('aria-invalid', 'true');
          return;
        }
        commit(Object.fromEntries(entries.map(([p, k]) => (p === param ? [to, k] : [p, k]))));
      },
    }),
    h('span', null, '→'),
    h('select', {
      name: `public.capture.${index}.field`, 'aria-label': w('capture_field'),
      onChange: (/** @type {Event} */ e) => commit({ ...capture, [param]: /** @type {HTMLSelectElement} */ (e.target).value }),
    }, keys.map((k) => h('option', { value: k, selected: k === key }, labelOf(k)))),
    h('button', { type: 'button', class: 'fw-button fw-button--link', title: w('remove'),
      onClick: () => commit(Object.fromEntries(entries.filter(([p]) => p !== param))) }, '×')));
  const common = withCommonCapture(capture, keys);
  let n = entries.length + 1;
  while (`param_${n}` in capture) n += 1;
  return h('div', { class: 'fw-schema-form__row' },
    h('span', null, w('capture')),
    h('small', { class: 'fw-schema-form__help' }, w('capture_help')),
    h('ol', { class: 'fw-designer__captures' }, rows),
    h('div', { class: 'fw-designer__flags' },
      keys.length ? h('button', { type: 'button', class: 'fw-button', dataset: { action: 'add-capture' },
        onClick: () => commit({ ...capture, [`param_${n}`]: keys[0] }) }, `+ ${w('capture_add')}`) : null,
      Object.keys(common).length > entries.length
        ? h('button', { type: 'button', class: 'fw-button', dataset: { action: 'capture-common' }, onClick: () => commit(common) }, w('capture_common'))
        : null));
}

/**
 * A translatable text of the block in both languages.
 * @param {PanelContext} ctx
 * @param {any} block
 * @param {(name: string, value: any) => void} set
 * @param {'submit_label' | 'thank_you'} name
 */
function textPair(ctx, block, set, name) {
  const { w } = ctx;
  return ['zh-CN', 'en'].map((language) => h('label', { class: 'fw-schema-form__row' },
    h('span', null, w(`${name}_${language === 'en' ? 'en' : 'zh'}`)),
    h('input', {
      name: `public.${name}.${language}`, value: block[name]?.[language] || '',
      onChange: (/** @type {Event} */ e) => set(name, m.withText(block[name], language, /** @type {HTMLInputElement} */ (e.target).value.trim())),
    })));
}
