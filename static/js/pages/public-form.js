// @ts-check
/**
 * Public form page: conditional visibility / required state, line-item rows, double-submit guard
 * and, inside the embed iframe, height reports to the host page. The server validates everything;
 * this is only a convenience. The exported functions are pure (no DOM) and run under Node.
 */
import { evaluateCondition } from '../core/conditions.js';

/** Form inputs that are not record fields (honeypot, idempotency key). */
export const RESERVED_NAMES = new Set(['website', '_idempotency_key']);

const NUMBER_WIDGETS = new Set(['number', 'money', 'percent', 'rating']);
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * @typedef {{key: string, visibleWhen?: unknown, requiredWhen?: unknown, readonlyWhen?: unknown,
 *   required?: boolean}} FieldSpec
 * @typedef {{visible: boolean, required: boolean, readonly: boolean}} FieldState
 * @typedef {(tree: any, values: Record<string, unknown>) => unknown} Evaluate
 */

/**
 * Split an input name into a path: `items[0][product]` → ['items', 0, 'product'],
 * `tags[]` → ['tags', ''] ('' = append), `city` → ['city']. Malformed names stay whole.
 * @param {string} name
 * @returns {(string | number)[]}
 */
export function parseFieldName(name) {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (!match) return [name];
  /** @type {(string | number)[]} */
  const path = [match[1]];
  for (const [, part] of match[2].matchAll(/\[([^[\]]*)\]/g)) {
    path.push(/^\d+$/.test(part) ? Number(part) : part);
  }
  return path;
}

/**
 * Build a plain object from form entries (e.g. `[...new FormData(form)]`).
 * A name seen twice, a name in `multiple` and a `name[]` become arrays; `items[0][product]` builds
 * an array of row objects (gaps left by removed rows are dropped). Reserved names and files are
 * skipped.
 * @param {Iterable<[string, unknown]>} entries
 * @param {{multiple?: Iterable<string>}} [options]
 * @returns {Record<string, any>}
 */
export function collectValues(entries, { multiple = [] } = {}) {
  const multi = new Set(multiple);
  /** @type {Record<string, any>} */
  const out = {};
  for (const [name, value] of entries) {
    if (typeof value !== 'string' || RESERVED_NAMES.has(name)) continue;
    const path = parseFieldName(name);
    const head = String(path[0]);
    if (path.length === 1) {
      if (multi.has(head)) {
        out[head] = [...(Array.isArray(out[head]) ? out[head] : []), value];
      } else if (Object.hasOwn(out, head)) {
        out[head] = [...(Array.isArray(out[head]) ? out[head] : [out[head]]), value];
      } else {
        out[head] = value;
      }
      continue;
    }
    setPath(out, path, value);
  }
  for (const key of multi) {
    if (!Object.hasOwn(out, key)) out[key] = [];
  }
  return compactArrays(out);
}

/**
 * @param {Record<string, any>} target
 * @param {(string | number)[]} path
 * @param {string} value
 */
function setPath(target, path, value) {
  /** @type {any} */
  let node = target;
  for (let i = 0; i < path.length - 1; i += 1) {
    const part = path[i] === '' && Array.isArray(node) ? node.length : path[i];
    const nextIsIndex = typeof path[i + 1] === 'number' || path[i + 1] === '';
    if (node[part] === undefined || node[part] === null || typeof node[part] !== 'object') {
      node[part] = nextIsIndex ? [] : {};
    }
    node = node[part];
  }
  const last = path[path.length - 1];
  if (last === '' && Array.isArray(node)) {
    node.push(value);
  } else {
    node[last] = value;
  }
}

/**
 * Drop holes from arrays (rows removed in the browser may leave `items[0]`, `items[2]`).
 * @param {any} value
 * @returns {any}
 */
function compactArrays(value) {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compactArrays);
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) value[key] = compactArrays(value[key]);
  }
  return value;
}

/**
 * Values as conditions expect them: '' → null, numeric widgets → numbers, switches → booleans.
 * @param {Record<string, any>} values
 * @param {Record<string, string>} widgets field key → `data-widget` of its wrapper
 * @returns {Record<string, any>}
 */
export function normalizeValues(values, widgets) {
  /** @type {Record<string, any>} */
  const out = { ...values };
  for (const [key, widget] of Object.entries(widgets)) {
    const value = out[key];
    if (widget === 'boolean') {
      out[key] = value === 'true' || value === true;
    } else if (value === undefined || value === '') {
      out[key] = null;
    } else if (NUMBER_WIDGETS.has(widget) && typeof value === 'string') {
      const plain = value.replace(/[,\s]/g, '');
      out[key] = NUMBER_TEXT.test(plain) ? Number(plain) : value;
    }
  }
  return out;
}

/**
 * Parse a `data-*-when` attribute; a missing or broken one means "no condition".
 * @param {string | undefined | null} text
 * @returns {unknown}
 */
export function parseCondition(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * @param {Evaluate} evaluate
 * @param {unknown} tree
 * @param {Record<string, unknown>} values
 * @param {boolean} fallback what a failing condition means (fail open: the server decides)
 */
function safeEvaluate(evaluate, tree, values, fallback) {
  try {
    return Boolean(evaluate(tree, values));
  } catch {
    return fallback;
  }
}

/**
 * Visible / required / read-only state of every field. A hidden field reads as null for the
 * others, so hiding cascades; repeats until no visibility changes.
 * @param {FieldSpec[]} fields
 * @param {Record<string, unknown>} values
 * @param {Evaluate} evaluate
 * @returns {Record<string, FieldState>}
 */
export function computeStates(fields, values, evaluate) {
  /** @type {Record<string, FieldState>} */
  let states = {};
  let current = { ...values };
  let hiddenBefore = '';
  for (let pass = 0; pass <= fields.length; pass += 1) {
    states = {};
    for (const field of fields) {
      const visible = field.visibleWhen
        ? safeEvaluate(evaluate, field.visibleWhen, current, true)
        : true;
      const conditional = field.requiredWhen
        ? safeEvaluate(evaluate, field.requiredWhen, current, false)
        : false;
      const readonly = field.readonlyWhen
        ? safeEvaluate(evaluate, field.readonlyWhen, current, false)
        : false;
      states[field.key] = { visible, required: visible && (Boolean(field.required) || conditional), readonly };
    }
    const hidden = fields.filter((f) => !states[f.key].visible).map((f) => f.key);
    if (hidden.join('\n') === hiddenBefore) break;
    hiddenBefore = hidden.join('\n');
    current = { ...values };
    for (const key of hidden) current[key] = null;
  }
  return states;
}

/**
 * Rename a line-item input for row `index`: `items[3][product]` / `items[__index__][product]` →
 * `items[index][product]`.
 * @param {string} name
 * @param {string} key the line-items field key
 * @param {number} index
 */
export function renumberName(name, key, index) {
  const prefix = new RegExp(`^${escapeRegExp(key)}\\[(?:\\d+|__index__)\\]`);
  return name.replace(prefix, `${key}[${index}]`);
}

/**
 * Rename a line-item element id: `fw-f-items-3-product` → `fw-f-items-<index>-product`.
 * @param {string} id
 * @param {string} baseId the id of the `.fw-items` box (`fw-f-<key>`)
 * @param {number} index
 */
export function renumberId(id, baseId, index) {
  const prefix = new RegExp(`^${escapeRegExp(baseId)}-(?:\\d+|__index__)-`);
  return id.replace(prefix, `${baseId}-${index}-`);
}

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The tab a key press in a tab strip moves to: arrows step (wrapping), Home / End jump; hidden
 * tabs are skipped. Null for any other key, or when no tab is shown.
 * @param {string} key `KeyboardEvent.key`
 * @param {number} index the focused tab
 * @param {boolean[]} shown which tabs are shown
 * @returns {number | null}
 */
export function tabTarget(key, index, shown) {
  const open = shown.flatMap((on, i) => (on ? [i] : []));
  if (!open.length) return null;
  if (key === 'Home') return open[0];
  if (key === 'End') return open[open.length - 1];
  const step = key === 'ArrowRight' || key === 'ArrowDown' ? 1
    : key === 'ArrowLeft' || key === 'ArrowUp' ? -1 : 0;
  if (!step) return null;
  const count = shown.length;
  for (let i = 1; i <= count; i += 1) {
    const next = (((index + step * i) % count) + count) % count;
    if (shown[next]) return next;
  }
  return null;
}

/**
 * The tab to show: the current one while it is shown, else the first with a problem, else the
 * first shown; -1 when none is shown.
 * @param {{invalid: boolean, shown: boolean}[]} tabs
 * @param {number} [current]
 * @returns {number}
 */
export function chooseTab(tabs, current = -1) {
  if (current >= 0 && tabs[current]?.shown) return current;
  const invalid = tabs.findIndex((t) => t.invalid && t.shown);
  return invalid >= 0 ? invalid : tabs.findIndex((t) => t.shown);
}

/**
 * Whether a collected value counts as not given, as the server sees it: nothing, blank text, an
 * empty list, or line-item rows that are all blank.
 * @param {unknown} value
 * @returns {boolean}
 */
export function isBlank(value) {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.every(isBlank);
  if (typeof value === 'object') return Object.values(/** @type {object} */ (value)).every(isBlank);
  return false;
}

// ---------------------------------------------------------------------------------------------
// DOM (browser only)

/**
 * Name/value pairs of the form's enabled controls, and (`withHidden`, the default) of those
 * disabled only because a condition hides them; files are never among them.
 * @param {HTMLFormElement} form
 * @param {{withHidden?: boolean}} [options]
 * @returns {[string, string][]}
 */
export function formEntries(form, { withHidden = true } = {}) {
  /** @type {[string, string][]} */
  const out = [];
  for (const el of Array.from(form.elements)) {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement
      || el instanceof HTMLTextAreaElement) || !el.name) continue;
    if (el.disabled && !(withHidden && el.dataset.fwHiddenDisabled === '1')) continue;
    if (el instanceof HTMLSelectElement) {
      for (const option of Array.from(el.selectedOptions)) out.push([el.name, option.value]);
    } else if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) {
      if (el.checked) out.push([el.name, el.value]);
    } else if (!(el instanceof HTMLInputElement && el.type === 'file')) {
      out.push([el.name, el.value]);
    }
  }
  return out;
}

/**
 * @param {HTMLElement} wrapper a `.fw-field`
 * @param {FieldState} state
 * @param {{hasRequiredWhen: boolean, hasReadonlyWhen: boolean}} spec
 */
function applyState(wrapper, state, spec) {
  wrapper.hidden = !state.visible;
  const controls = wrapper.querySelectorAll('input, select, textarea, button');
  for (const control of Array.from(controls)) {
    const el = /** @type {HTMLInputElement} */ (control);
    if (!state.visible && !el.disabled) {
      // Disabled controls are not submitted: a hidden field sends no value.
      el.disabled = true;
      el.dataset.fwHiddenDisabled = '1';
    } else if (state.visible && el.dataset.fwHiddenDisabled === '1') {
      el.disabled = false;
      delete el.dataset.fwHiddenDisabled;
    }
  }
  if (spec.hasRequiredWhen) {
    wrapper.classList.toggle('fw-field--required', state.required);
    const marker = wrapper.querySelector('.fw-field__label .fw-field__required');
    if (marker instanceof HTMLElement) marker.hidden = !state.required;
    const group = wrapper.querySelector('.fw-choices');
    if (group) {
      group.setAttribute('aria-required', String(state.required));
      for (const radio of Array.from(group.querySelectorAll('input[type="radio"]'))) {
        /** @type {HTMLInputElement} */ (radio).required = state.required;
      }
    } else {
      const key = wrapper.dataset.fieldKey || '';
      for (const control of Array.from(wrapper.querySelectorAll('input, select, textarea'))) {
        const el = /** @type {HTMLInputElement} */ (control);
        if (el.name === key) el.required = state.required;
      }
    }
  }
  if (spec.hasReadonlyWhen) {
    for (const control of Array.from(wrapper.querySelectorAll('input, textarea'))) {
      /** @type {HTMLInputElement} */ (control).readOnly = state.readonly;
    }
  }
}

/** @param {HTMLFormElement} form */
function setupConditions(form) {
  const wrappers = /** @type {HTMLElement[]} */ (
    Array.from(form.querySelectorAll('.fw-field[data-field-key]'))
  );
  const specs = wrappers.map((el) => ({
    el,
    key: el.dataset.fieldKey || '',
    visibleWhen: parseCondition(el.dataset.visibleWhen),
    requiredWhen: parseCondition(el.dataset.requiredWhen),
    readonlyWhen: parseCondition(el.dataset.readonlyWhen),
    required: el.dataset.required === '1',
  }));
  if (!specs.some((s) => s.visibleWhen || s.requiredWhen || s.readonlyWhen)) return () => {};
  /** @type {Record<string, string>} */
  const widgets = Object.fromEntries(specs.map((s) => [s.key, s.el.dataset.widget || 'text']));
  const multiple = specs.filter((s) => s.el.dataset.multiple === '1').map((s) => s.key);
  const update = () => {
    const values = normalizeValues(collectValues(formEntries(form), { multiple }), widgets);
    const states = computeStates(specs, values, evaluateCondition);
    for (const spec of specs) {
      applyState(spec.el, states[spec.key], {
        hasRequiredWhen: Boolean(spec.requiredWhen),
        hasReadonlyWhen: Boolean(spec.readonlyWhen),
      });
    }
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();
  return update;
}

/**
 * @param {HTMLElement} box a `.fw-items`
 */
function renumberRows(box) {
  const key = box.dataset.itemsKey || '';
  const rows = Array.from(box.querySelectorAll('.fw-items__body .fw-items__row'));
  rows.forEach((row, index) => {
    for (const el of Array.from(row.querySelectorAll('[name], [id]'))) {
      const name = el.getAttribute('name');
      if (name) el.setAttribute('name', renumberName(name, key, index));
      if (el.id) el.id = renumberId(el.id, box.id, index);
    }
  });
}

/** @param {HTMLElement} box */
function addRow(box) {
  const template = box.querySelector('template.fw-items__template');
  const body = box.querySelector('.fw-items__body');
  if (!(template instanceof HTMLTemplateElement) || !body) return;
  const index = body.querySelectorAll('.fw-items__row').length;
  const fragment = /** @type {DocumentFragment} */ (template.content.cloneNode(true));
  for (const el of Array.from(fragment.querySelectorAll('[name], [id]'))) {
    const name = el.getAttribute('name');
    if (name) el.setAttribute('name', name.replace('__index__', String(index)));
    if (el.id) el.id = el.id.replace('__index__', String(index));
  }
  const first = fragment.querySelector('input, select');
  body.appendChild(fragment);
  if (first instanceof HTMLElement) first.focus();
}

/**
 * @param {HTMLElement} box
 * @param {Element} row
 */
function removeRow(box, row) {
  const rows = box.querySelectorAll('.fw-items__body .fw-items__row');
  const minimum = Math.max(Number(box.dataset.minRows || '0'), 0);
  if (rows.length <= Math.max(minimum, 1)) {
    // Keep the last required row; clear it instead.
    for (const el of Array.from(row.querySelectorAll('input, select'))) {
      /** @type {HTMLInputElement} */ (el).value = '';
    }
    return;
  }
  row.remove();
  renumberRows(box);
}

/** @param {HTMLFormElement} form */
function setupLineItems(form) {
  form.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-action]') : null;
    const box = target ? target.closest('.fw-items') : null;
    if (!target || !(box instanceof HTMLElement)) return;
    const action = target.getAttribute('data-action');
    if (action === 'add-row') addRow(box);
    if (action === 'remove-row') {
      const row = target.closest('.fw-items__row');
      if (row) removeRow(box, row);
    }
    form.dispatchEvent(new Event('change'));
  });
}

/**
 * Turn each `.fw-tabs` block (panels stacked under headings) into a tab strip: one panel shown,
 * the first with a problem after a failed submit; arrows, Home and End move between tabs. A tab
 * whose fields are all hidden by conditions is hidden too.
 * @param {Document} doc
 * @param {HTMLFormElement} form
 * @returns {{reveal: (el: Element) => void, mark: (el: Element) => void}}
 */
function setupTabs(doc, form) {
  /** @type {{panels: HTMLElement[], select: (index: number, focus?: boolean) => void, buttons: HTMLButtonElement[], label: string}[]} */
  const groups = [];
  for (const box of Array.from(form.querySelectorAll('.fw-tabs[data-tabs]'))) {
    if (!(box instanceof HTMLElement)) continue;
    const panels = /** @type {HTMLElement[]} */ (
      Array.from(box.children).filter((el) => el.classList.contains('fw-tabs__panel'))
    );
    if (!panels.length) continue;
    const list = doc.createElement('div');
    list.className = 'fw-tabs__list';
    list.setAttribute('role', 'tablist');
    const buttons = panels.map((panel) => {
      const button = doc.createElement('button');
      button.type = 'button';
      button.className = 'fw-tabs__tab';
      button.id = `${panel.id}-tab`;
      button.setAttribute('role', 'tab');
      button.setAttribute('aria-controls', panel.id);
      const label = doc.createElement('span');
      label.className = 'fw-tabs__label';
      label.textContent = panel.querySelector('.fw-block__title')?.textContent?.trim() || '';
      button.append(label);
      if (panel.dataset.invalid === '1') markTab(doc, button, box.dataset.invalidLabel || '');
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', button.id);
      panel.tabIndex = 0; // the panel starts with text, not a control (WAI-ARIA tabs pattern)
      list.append(button);
      return button;
    });
    let current = -1;
    /** @type {(index: number, focus?: boolean) => void} */
    const select = (index, focus = false) => {
      if (index < 0) return;
      current = index;
      panels.forEach((panel, i) => {
        const on = i === index;
        panel.hidden = !on;
        buttons[i].setAttribute('aria-selected', String(on));
        buttons[i].tabIndex = on ? 0 : -1;
      });
      if (focus) buttons[index].focus();
    };
    const shown = () => buttons.map((b) => !b.hidden);
    list.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('.fw-tabs__tab') : null;
      const index = button ? buttons.indexOf(/** @type {HTMLButtonElement} */ (button)) : -1;
      if (index >= 0) select(index);
    });
    list.addEventListener('keydown', (event) => {
      const index = buttons.indexOf(/** @type {HTMLButtonElement} */ (event.target));
      const next = index < 0 ? null : tabTarget(event.key, index, shown());
      if (next === null) return;
      event.preventDefault();
      select(next, true);
    });
    box.insertBefore(list, panels[0]);
    box.classList.add('fw-tabs--enhanced');
    const refresh = () => {
      panels.forEach((panel, i) => {
        const fields = Array.from(panel.querySelectorAll('.fw-field'));
        buttons[i].hidden = fields.length > 0 && fields.every((f) => /** @type {HTMLElement} */ (f).hidden);
      });
      const tabs = panels.map((panel, i) => ({
        invalid: panel.dataset.invalid === '1', shown: !buttons[i].hidden,
      }));
      const next = chooseTab(tabs, current);
      if (next !== current) select(next);
    };
    refresh();
    // After the condition listeners (registered earlier), so hidden fields are known.
    form.addEventListener('input', refresh);
    form.addEventListener('change', refresh);
    groups.push({ panels, select, buttons, label: box.dataset.invalidLabel || '' });
  }
  /** @param {Element} el @param {(group: typeof groups[number], index: number) => void} act */
  const withTabOf = (el, act) => {
    for (const group of groups) {
      const index = group.panels.findIndex((panel) => panel.contains(el));
      if (index >= 0) act(group, index);
    }
  };
  return {
    reveal: (el) => withTabOf(el, (group, index) => group.select(index)),
    mark: (el) => withTabOf(el, (group, index) => markTab(doc, group.buttons[index], group.label)),
  };
}

/**
 * Flag a tab as holding a problem (once): a red mark, and words for screen readers.
 * @param {Document} doc
 * @param {HTMLElement} button
 * @param {string} label
 */
function markTab(doc, button, label) {
  if (button.classList.contains('fw-tabs__tab--invalid')) return;
  button.classList.add('fw-tabs__tab--invalid');
  const mark = doc.createElement('span');
  mark.className = 'fw-tabs__mark';
  mark.setAttribute('aria-hidden', 'true');
  mark.textContent = '!';
  const note = doc.createElement('span');
  note.className = 'fw-visually-hidden';
  note.textContent = label;
  button.append(mark, note);
}

/**
 * The page's own required check on submit: a shown, required field left blank gets its message
 * (`data-required-message`: the field's own text or the standard one) and the submit waits; the
 * first such field's tab opens and it takes the focus. The server checks again regardless.
 * @param {Document} doc
 * @param {HTMLFormElement} form
 * @param {{reveal: (el: Element) => void, mark: (el: Element) => void}} tabs
 */
function setupRequiredCheck(doc, form, tabs) {
  form.addEventListener('submit', (event) => {
    const values = collectValues(formEntries(form), {
      multiple: Array.from(form.querySelectorAll('.fw-field[data-multiple="1"]'))
        .map((el) => /** @type {HTMLElement} */ (el).dataset.fieldKey || ''),
    });
    /** @type {HTMLElement[]} */
    const blank = [];
    for (const el of Array.from(form.querySelectorAll('.fw-field[data-required-message]'))) {
      const wrapper = /** @type {HTMLElement} */ (el);
      const key = wrapper.dataset.fieldKey || '';
      if (wrapper.hidden || !wrapper.classList.contains('fw-field--required')) continue;
      if (wrapper.querySelector('[disabled]:not([data-fw-hidden-disabled])')) continue; // read-only
      if (isBlank(values[key])) blank.push(wrapper);
    }
    // Earlier client-side messages go: the fields still blank get theirs again, and a request
    // about to go out must not leave them beside the server's own (a field that a condition
    // no longer requires, or one the server judges otherwise).
    for (const note of Array.from(form.querySelectorAll('.fw-field__error[data-client="1"]'))) {
      const wrapper = note.closest('.fw-field');
      note.remove();
      if (!wrapper) continue;
      wrapper.classList.remove('fw-field--invalid');
      for (const control of Array.from(wrapper.querySelectorAll('[aria-invalid="true"]'))) {
        control.removeAttribute('aria-invalid');
      }
    }
    if (!blank.length) return;
    event.preventDefault();
    event.stopImmediatePropagation(); // no double-submit guard: nothing was sent
    for (const wrapper of blank) showRequired(doc, wrapper, tabs);
    tabs.reveal(blank[0]);
    const control = blank[0].querySelector('input:not([type="hidden"]), select, textarea');
    if (control instanceof HTMLElement) control.focus();
  });
  // A client-side message goes once the field is edited (the server's stay until the next submit).
  form.addEventListener('input', (event) => {
    const wrapper = event.target instanceof Element ? event.target.closest('.fw-field') : null;
    const note = wrapper?.querySelector('.fw-field__error[data-client="1"]');
    if (!wrapper || !note) return;
    note.remove();
    wrapper.classList.remove('fw-field--invalid');
    for (const control of Array.from(wrapper.querySelectorAll('[aria-invalid="true"]'))) {
      control.removeAttribute('aria-invalid');
    }
  });
}

/**
 * @param {Document} doc
 * @param {HTMLElement} wrapper
 * @param {{mark: (el: Element) => void}} tabs
 */
function showRequired(doc, wrapper, tabs) {
  const id = `fw-f-${wrapper.dataset.fieldKey}-error`;
  let note = wrapper.querySelector('.fw-field__error');
  if (!note) {
    note = doc.createElement('p');
    note.className = 'fw-field__error';
    note.id = id;
    note.setAttribute('role', 'alert');
    wrapper.append(note);
  }
  note.setAttribute('data-client', '1');
  note.textContent = wrapper.dataset.requiredMessage || '';
  wrapper.classList.add('fw-field--invalid');
  for (const control of Array.from(wrapper.querySelectorAll('input, select, textarea, .fw-choices, .fw-items'))) {
    if (control instanceof HTMLInputElement && control.type === 'hidden') continue;
    control.setAttribute('aria-invalid', 'true');
    const described = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    if (!described.includes(note.id)) control.setAttribute('aria-describedby', [...described, note.id].join(' '));
  }
  tabs.mark(wrapper);
}

/**
 * Report the document height to the host page (embed mode).
 * @param {Window} win
 * @param {Document} doc
 * @returns {(force?: boolean) => void}
 */
function setupResize(win, doc) {
  let last = -1;
  /** @param {boolean} [force] */
  const post = (force = false) => {
    const height = Math.ceil(doc.documentElement.getBoundingClientRect().height);
    if (height === last && !force) return;
    last = height;
    win.parent.postMessage({ type: 'formwork:resize', height }, '*');
  };
  post();
  win.addEventListener('load', () => post());
  win.addEventListener('resize', () => post());
  if (typeof ResizeObserver !== 'undefined') {
    new ResizeObserver(() => post()).observe(doc.documentElement);
  }
  return post;
}

/**
 * @param {HTMLFormElement} form
 * @param {((force?: boolean) => void) | null} report
 */
function setupSubmit(form, report) {
  const button = form.querySelector('.fw-form__submit');
  form.addEventListener('submit', (event) => {
    if (form.dataset.submitting === '1') {
      event.preventDefault(); // a double click: the first request is on its way
      return;
    }
    form.dataset.submitting = '1';
    if (button instanceof HTMLButtonElement) {
      // After this event, so the browser still submits normally.
      setTimeout(() => {
        button.disabled = true;
        button.setAttribute('aria-busy', 'true');
      }, 0);
    }
    if (report) report(true);
  });
  // Back/forward cache: the user came back to the page, let them submit again.
  window.addEventListener('pageshow', () => {
    delete form.dataset.submitting;
    if (button instanceof HTMLButtonElement) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
}

/**
 * @param {HTMLFormElement} form
 * @param {{reveal: (el: Element) => void}} tabs
 */
function focusFirstProblem(form, tabs) {
  const invalid = form.querySelector('.fw-field--invalid input:not([type="hidden"]), '
    + '.fw-field--invalid select, .fw-field--invalid textarea');
  if (invalid) tabs.reveal(invalid);
  const target = invalid || form.querySelector('.fw-form__errors');
  if (target instanceof HTMLElement) target.focus();
}

/**
 * @param {Window} win
 * @param {Document} doc
 */
function init(win, doc) {
  const embedded = doc.body.dataset.embed === '1' && win.parent !== win;
  const report = embedded ? setupResize(win, doc) : null;
  const form = doc.querySelector('form.fw-form');
  if (!(form instanceof HTMLFormElement)) return;
  setupConditions(form);
  const tabs = setupTabs(doc, form);
  setupLineItems(form);
  setupRequiredCheck(doc, form, tabs); // before the double-submit guard: a refused submit is no submit
  setupSubmit(form, report);
  // Focusing inside an iframe would scroll the host page; the alert roles announce it there.
  if (!embedded) focusFirstProblem(form, tabs);
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', () => init(window, document));
  } else {
    init(window, document);
  }
}
