// @ts-check
/**
 * The approval node's editors: approver specs (users, role, department head, user field,
 * submitter, chosen by the previous approver), the mode, the deadline with its reminders and
 * timeout policy, and the field-permission table. The `with…` helpers are pure: each takes a
 * node config and gives a new one (the old one is never changed), so the panel hands the result
 * to the `node.config` command and every change is undoable. The editors below them only build
 * DOM and call `onChange(nextConfig)`.
 */

import { h } from '../core/dom.js';
import { pick } from '../core/i18n.js';

export const KINDS = ['users', 'role', 'department_head', 'field', 'submitter', 'chosen_by_previous'];
export const MODES = ['single', 'any', 'all', 'ratio', 'sequential'];
export const PERMISSIONS = ['editable', 'read_only', 'hidden'];
export const TIMEOUTS = ['auto_approve', 'auto_reject', 'escalate', 'abort'];
export const UNITS = ['M', 'H', 'D', 'W'];

/**
 * @typedef {{username: string, name?: string}} DirUser
 * @typedef {{key: string, name?: string}} DirRole
 * @typedef {{key: string, type: string, label?: any}} Field
 * @typedef {{users: DirUser[], roles: DirRole[], fields: Field[]}} Context
 */

/** @param {Record<string, any>} object @param {string} key @param {any} value a null/undefined value removes the key */
function put(object, key, value) {
  const next = { ...object };
  if (value === null || value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

/** User fields of the form (approvers by field). @param {Field[]} fields */
export const userFields = (fields) => fields.filter((f) => f.type === 'user');

/** Date fields of the form (deadlines from a record date). @param {Field[]} fields */
export const dateFields = (fields) => fields.filter((f) => f.type === 'date' || f.type === 'datetime');

/**
 * A working spec of a kind: the first user, role or user field where one is needed.
 * @param {string} kind @param {Context} context
 */
export function newSpec(kind, context) {
  if (kind === 'users') return { type: 'users', users: context.users.slice(0, 1).map((u) => u.username) };
  if (kind === 'role') return { type: 'role', role: context.roles[0]?.key ?? '' };
  if (kind === 'department_head') return { type: 'department_head', levels: 1 };
  if (kind === 'field') return { type: 'field', field: userFields(context.fields)[0]?.key ?? '' };
  return { type: kind };
}

/**
 * A department-head spec for the head of another person: `field` names a user field of the
 * form (the manager of the user in it — an owner's manager), null means the submitter's head.
 * Levels / "up to the top" stay as they are.
 * @param {any} spec @param {string | null} fieldKey
 */
export function withHeadOf(spec, fieldKey) {
  return put(spec || { type: 'department_head', levels: 1 }, 'field', fieldKey || null);
}

/**
 * A department-head spec switched between "every head up to the top" and one level (1), keeping
 * whose head it is.
 * @param {any} spec @param {boolean} toTop
 */
export function withToTop(spec, toTop) {
  const base = toTop ? { type: 'department_head', to_top: true } : { type: 'department_head', levels: 1 };
  return typeof spec?.field === 'string' ? { ...base, field: spec.field } : base;
}

/** @param {any} config @param {string} key `approvers` or `recipients` */
const specsOf = (config, key) => (Array.isArray(config?.[key]) ? config[key] : []);

/** Replace spec `index` (or append when index is the list's length). @param {any} config @param {string} key @param {number} index @param {any} spec */
export function withSpec(config, key, index, spec) {
  const list = [...specsOf(config, key)];
  list[index] = spec;
  return put(config || {}, key, list);
}

/** @param {any} config @param {string} key @param {number} index */
export function withoutSpec(config, key, index) {
  const list = specsOf(config, key).filter((/** @type {any} */ _s, /** @type {number} */ i) => i !== index);
  return put(config || {}, key, list);
}

/**
 * The mode; `ratio` is kept only while the mode is ratio (0.5 when it had none).
 * @param {any} config @param {string} mode @param {number | null} [ratio]
 */
export function withMode(config, mode, ratio = null) {
  let next = put(config || {}, 'mode', mode);
  if (mode === 'ratio') next = put(next, 'ratio', ratio ?? (typeof config?.ratio === 'number' ? config.ratio : 0.5));
  else next = put(next, 'ratio', null);
  return next;
}

/** One field's permission; null removes it (the engine's default applies). @param {any} config @param {string} field @param {string | null} permission */
export function withPermission(config, field, permission) {
  const current = config?.field_permissions && typeof config.field_permissions === 'object' ? config.field_permissions : {};
  const table = put(current, field, permission);
  return put(config || {}, 'field_permissions', Object.keys(table).length ? table : null);
}

/**
 * `{amount, unit}` of a simple ISO duration (PT30M, PT4H, P1D, P2W); null for anything else.
 * @param {any} text
 */
export function parseDuration(text) {
  const found = /^P(?:(\d+)W|(\d+)D|T(\d+)H|T(\d+)M)$/.exec(String(text ?? ''));
  if (!found) return null;
  const [, w, d, hours, m] = found;
  if (w !== undefined) return { amount: Number(w), unit: 'W' };
  if (d !== undefined) return { amount: Number(d), unit: 'D' };
  if (hours !== undefined) return { amount: Number(hours), unit: 'H' };
  return { amount: Number(m), unit: 'M' };
}

/** @param {number} amount @param {string} unit one of UNITS */
export function formatDuration(amount, unit) {
  const n = Math.max(0, Math.trunc(Number(amount) || 0));
  if (unit === 'W') return `P${n}W`;
  if (unit === 'D') return `P${n}D`;
  return `PT${n}${unit === 'M' ? 'M' : 'H'}`;
}

/**
 * The deadline: null (none), `{after}` from the task's arrival, or `{field, offset?}` from a
 * record date. Without a deadline the reminders and the timeout policy go too.
 * @param {any} config @param {{after?: string, field?: string, offset?: string | null} | null} deadline
 */
export function withDeadline(config, deadline) {
  if (!deadline) return put(put(put(config || {}, 'deadline', null), 'remind', null), 'on_timeout', null);
  /** @type {Record<string, any>} */
  const clean = deadline.field ? { field: deadline.field } : { after: deadline.after || 'P1D' };
  if (deadline.field && deadline.offset && deadline.offset !== 'PT0H' && deadline.offset !== 'P0D') clean.offset = deadline.offset;
  return put(config || {}, 'deadline', clean);
}

/** Reminders every `every`, `times` times; null: none. @param {any} config @param {{every: string, times?: number} | null} remind */
export function withRemind(config, remind) {
  if (!remind) return put(config || {}, 'remind', null);
  const times = Math.min(100, Math.max(1, Math.trunc(Number(remind.times) || 1)));
  return put(config || {}, 'remind', { every: remind.every, times });
}

/** @param {any} config @param {string | null} policy */
export const withTimeout = (config, policy) => put(config || {}, 'on_timeout', policy);

// ---------------------------------------------------------------- editors (DOM)

/**
 * @typedef {{say: (k: string, p?: any) => string, lang: string, readOnly: boolean}} Ui
 */

/** @param {Ui} ui @param {string} word @param {HTMLElement} control @param {Record<string, any>} [attrs] */
const field = (ui, word, control, attrs = {}) => h('label', { class: 'fd-field', ...attrs }, h('span', {}, ui.say(word)), control);

/**
 * @param {Ui} ui @param {string[]} values @param {string} current @param {(v: string) => void} onPick
 * @param {Record<string, any>} attrs @param {(v: string) => string} label
 */
function select(ui, values, current, onPick, attrs, label) {
  return h('select', {
    disabled: ui.readOnly, ...attrs,
    onChange: (/** @type {Event} */ e) => onPick(/** @type {HTMLSelectElement} */ (e.target).value),
  }, values.map((v) => h('option', { value: v, selected: v === current }, label(v))));
}

/** A duration as a number and a unit (an unusual ISO text is shown and kept as typed). @param {Ui} ui @param {string} value @param {(v: string) => void} onPick @param {string} name */
function durationInput(ui, value, onPick, name) {
  const parsed = parseDuration(value);
  if (!parsed && value) {
    return h('input', { type: 'text', value, disabled: ui.readOnly, 'data-duration': name,
      onChange: (/** @type {Event} */ e) => onPick(/** @type {HTMLInputElement} */ (e.target).value.trim()) });
  }
  const state = parsed || { amount: 1, unit: 'D' };
  const amount = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: 0, step: 1, value: state.amount, disabled: ui.readOnly,
    class: 'fd-duration__amount', 'data-duration-amount': name,
    onChange: () => onPick(formatDuration(Number(amount.value), state.unit)) }));
  const unit = select(ui, UNITS, state.unit, (u) => {
    state.unit = u;
    onPick(formatDuration(Number(amount.value), u));
  }, { 'data-duration-unit': name }, (u) => ui.say(`unit_${u}`));
  return h('span', { class: 'fd-duration' }, amount, unit);
}

/**
 * The approver list (or cc recipients): one row per spec with its kind and what it needs.
 * @param {any} config @param {string} key @param {Context} context @param {Ui} ui @param {(next: any) => void} onChange
 */
export function approverEditor(config, key, context, ui, onChange) {
  const specs = specsOf(config, key);
  const people = userFields(context.fields);
  /** @param {any} spec @param {number} index */
  const row = (spec, index) => {
    /** @param {any} next */
    const set = (next) => onChange(withSpec(config, key, index, next));
    const parts = [
      select(ui, KINDS, spec.type, (kind) => set(newSpec(kind, context)), { 'data-approver-kind': index }, (k) => ui.say(`approver_${k}`)),
    ];
    if (spec.type === 'users') {
      const chosen = new Set(Array.isArray(spec.users) ? spec.users : []);
      parts.push(h('select', {
        multiple: true, size: Math.min(6, Math.max(2, context.users.length)), disabled: ui.readOnly, 'data-approver-users': index,
        onChange: (/** @type {Event} */ e) => {
          const picked = [.../** @type {HTMLSelectElement} */ (e.target).selectedOptions].map((o) => o.value);
          set({ ...spec, users: picked });
        },
      }, context.users.map((u) => h('option', { value: u.username, selected: chosen.has(u.username) }, u.name ? `${u.name} (${u.username})` : u.username)),
      [...chosen].filter((name) => !context.users.some((u) => u.username === name)).map((name) => h('option', { value: name, selected: true }, name))));
    } else if (spec.type === 'role') {
      const keys = context.roles.map((r) => r.key);
      if (spec.role && !keys.includes(spec.role)) keys.push(spec.role);
      parts.push(select(ui, keys, spec.role, (role) => set({ ...spec, role }), { 'data-approver-role': index },
        (k) => { const r = context.roles.find((x) => x.key === k); return r?.name && r.name !== k ? `${r.name} (${k})` : k; }));
    } else if (spec.type === 'department_head') {
      const toTop = spec.to_top === true;
      // whose head: the submitter's, or the manager of the user in a user field of the form
      const whose = ['', ...people.map((f) => f.key)];
      if (spec.field && !whose.includes(spec.field)) whose.push(spec.field);
      parts.push(
        field(ui, 'head_of', select(ui, whose, spec.field || '', (name) => set(withHeadOf(spec, name || null)), { 'data-approver-head-of': index },
          (k) => {
            if (!k) return ui.say('head_of_submitter');
            const f = people.find((x) => x.key === k);
            return ui.say('head_of_field', { field: f ? pick(f.label, ui.lang) || k : k });
          })),
        h('label', { class: 'fd-check' }, h('input', { type: 'checkbox', checked: toTop, disabled: ui.readOnly, 'data-approver-to-top': index,
          onChange: (/** @type {Event} */ e) => set(withToTop(spec, /** @type {HTMLInputElement} */ (e.target).checked)) }), ui.say('to_top')),
        toTop ? null : field(ui, 'levels', h('input', { type: 'number', min: 1, max: 20, step: 1, value: spec.levels ?? 1, disabled: ui.readOnly,
          'data-approver-levels': index,
          onChange: (/** @type {Event} */ e) => set({ ...spec, levels: Math.min(20, Math.max(1, Math.trunc(Number(/** @type {HTMLInputElement} */ (e.target).value) || 1))) }) })),
      );
    } else if (spec.type === 'field') {
      const keys = people.map((f) => f.key);
      if (spec.field && !keys.includes(spec.field)) keys.push(spec.field);
      parts.push(keys.length
        ? select(ui, keys, spec.field, (name) => set({ ...spec, field: name }), { 'data-approver-field': index },
          (k) => { const f = people.find((x) => x.key === k); return f ? `${pick(f.label, ui.lang) || k} (${k})` : k; })
        : h('p', { class: 'fd-error' }, ui.say('no_user_fields')));
    }
    if (!ui.readOnly) {
      parts.push(h('button', { type: 'button', class: 'fw-button fd-approver__remove', 'data-approver-remove': index, title: ui.say('delete'),
        onClick: () => onChange(withoutSpec(config, key, index)) }, '×'));
    }
    return h('li', { class: 'fd-approver', 'data-approver': index }, parts);
  };
  return h('div', { class: 'fd-approvers', 'data-approvers': key },
    h('ul', { class: 'fd-approvers__list' }, specs.map(row)),
    specs.length ? null : h('p', { class: 'fd-muted' }, ui.say('no_approvers')),
    ui.readOnly ? null : h('button', { type: 'button', class: 'fw-button', 'data-action': 'add-approver',
      onClick: () => onChange(withSpec(config, key, specs.length, newSpec('role', context))) }, ui.say('add_approver')));
}

/** The mode, and the share when it is a vote. @param {any} config @param {Ui} ui @param {(next: any) => void} onChange */
export function modeEditor(config, ui, onChange) {
  const mode = config?.mode || 'single';
  return h('div', { class: 'fd-mode' },
    field(ui, 'mode', select(ui, MODES, mode, (m) => onChange(withMode(config, m)), { 'data-approval-mode': '' }, (m) => ui.say(`mode_${m}`))),
    mode === 'ratio'
      ? field(ui, 'ratio', h('input', { type: 'number', min: 0.01, max: 1, step: 0.01, value: config.ratio ?? 0.5, disabled: ui.readOnly, 'data-approval-ratio': '',
        onChange: (/** @type {Event} */ e) => {
          const value = Number(/** @type {HTMLInputElement} */ (e.target).value);
          if (value > 0 && value <= 1) onChange(withMode(config, 'ratio', value));
        } }))
      : null);
}

/** Deadline, reminders and what happens on timeout. @param {any} config @param {Field[]} fields @param {Ui} ui @param {(next: any) => void} onChange */
export function deadlineEditor(config, fields, ui, onChange) {
  const deadline = config?.deadline || null;
  const dates = dateFields(fields);
  const from = !deadline ? 'none' : deadline.field ? 'field' : 'arrival';
  const froms = dates.length || from === 'field' ? ['none', 'arrival', 'field'] : ['none', 'arrival'];
  const parts = [
    field(ui, 'deadline', select(ui, froms, from, (next) => {
      if (next === 'none') onChange(withDeadline(config, null));
      else if (next === 'field') onChange(withTimeout(withDeadline(config, { field: dates[0]?.key }), config?.on_timeout || 'escalate'));
      else onChange(withTimeout(withDeadline(config, { after: 'P1D' }), config?.on_timeout || 'escalate'));
    }, { 'data-deadline-from': '' }, (k) => ui.say(`deadline_${k}`))),
  ];
  if (!deadline) return h('div', { class: 'fd-deadline' }, parts);
  if (from === 'arrival') {
    parts.push(field(ui, 'deadline_after', durationInput(ui, deadline.after, (after) => onChange(withDeadline(config, { after })), 'after')));
  } else {
    const keys = dates.map((f) => f.key);
    if (!keys.includes(deadline.field)) keys.push(deadline.field);
    parts.push(
      field(ui, 'deadline_field', select(ui, keys, deadline.field, (name) => onChange(withDeadline(config, { field: name, offset: deadline.offset })),
        { 'data-deadline-field': '' }, (k) => { const f = dates.find((x) => x.key === k); return f ? `${pick(f.label, ui.lang) || k} (${k})` : k; })),
      field(ui, 'deadline_offset', durationInput(ui, deadline.offset || 'P0D',
        (offset) => onChange(withDeadline(config, { field: deadline.field, offset })), 'offset')),
    );
  }
  const remind = config.remind || null;
  parts.push(h('label', { class: 'fd-check' }, h('input', { type: 'checkbox', checked: Boolean(remind), disabled: ui.readOnly, 'data-remind': '',
    onChange: (/** @type {Event} */ e) => onChange(withRemind(config, /** @type {HTMLInputElement} */ (e.target).checked ? { every: 'PT8H', times: 1 } : null)) }),
  ui.say('remind')));
  if (remind) {
    parts.push(
      field(ui, 'remind_every', durationInput(ui, remind.every, (every) => onChange(withRemind(config, { ...remind, every })), 'remind')),
      field(ui, 'remind_times', h('input', { type: 'number', min: 1, max: 100, step: 1, value: remind.times ?? 1, disabled: ui.readOnly, 'data-remind-times': '',
        onChange: (/** @type {Event} */ e) => onChange(withRemind(config, { ...remind, times: Number(/** @type {HTMLInputElement} */ (e.target).value) })) })),
    );
  }
  parts.push(field(ui, 'on_timeout', select(ui, TIMEOUTS, config.on_timeout || 'escalate', (policy) => onChange(withTimeout(config, policy)),
    { 'data-on-timeout': '' }, (k) => ui.say(`timeout_${k}`))));
  return h('div', { class: 'fd-deadline' }, parts);
}

/** Every form field as a row: default / editable / read-only / hidden. @param {any} config @param {Field[]} fields @param {Ui} ui @param {(next: any) => void} onChange */
export function permissionTable(config, fields, ui, onChange) {
  const table = config?.field_permissions || {};
  const choices = ['', ...PERMISSIONS];
  return h('table', { class: 'fd-permissions' },
    h('thead', {}, h('tr', {}, h('th', {}, ui.say('field')), choices.map((c) => h('th', {}, ui.say(c ? `perm_${c}` : 'perm_default'))))),
    h('tbody', {}, fields.map((f) => h('tr', { 'data-permission-field': f.key },
      h('td', {}, pick(f.label, ui.lang) || f.key, h('span', { class: 'fd-muted' }, ` ${f.key}`)),
      choices.map((c) => h('td', {}, h('input', {
        type: 'radio', name: `perm-${f.key}`, value: c, checked: (table[f.key] || '') === c, disabled: ui.readOnly,
        'data-permission': c || 'default', 'aria-label': `${f.key} ${ui.say(c ? `perm_${c}` : 'perm_default')}`,
        onChange: () => onChange(withPermission(config, f.key, c || null)),
      })))))));
}

/**
 * The page's users, roles and form fields, from the boot block the server embedded
 * (`#fd-boot`: `directory.users`, `directory.roles`, `fields`); empty lists without one.
 * @returns {Context}
 */
export function bootContext() {
  const el = typeof document === 'undefined' ? null : document.getElementById('fd-boot');
  let boot = {};
  try {
    boot = el ? JSON.parse(el.textContent || '{}') : {};
  } catch {
    boot = {};
  }
  const b = /** @type {any} */ (boot);
  return {
    users: Array.isArray(b.directory?.users) ? b.directory.users : [],
    roles: Array.isArray(b.directory?.roles) ? b.directory.roles : [],
    fields: Array.isArray(b.fields) ? b.fields : [],
  };
}
