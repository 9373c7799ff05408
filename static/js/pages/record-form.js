// @ts-check
/**
 * Create / edit a record through the rendered form (runtime/pages/templates/record_form.html):
 * public-form.js runs the conditions, line items and tabs; this script sends the values to the
 * records API with the session's CSRF header — a new record whole, an edit as the fields that
 * changed plus the version it started from. A 422 puts each problem next to its field; a 409
 * (someone saved first) says so and offers to reload; leaving with unsaved changes asks first.
 * The exported functions are pure.
 */
import { ApiError, api } from '../core/api.js';
import { locale as pageLocale, t } from '../core/i18n.js';
import { collectValues, formEntries } from './public-form.js';

const MESSAGES = {
  'zh-CN': {
    fix: '请修正下方标出的 {n} 项。',
    problems: '没有保存：',
    conflict: '没有保存：你打开这条记录之后，别人已经修改并保存了它。重新加载可看到最新内容（你在这里的修改会丢失）。',
    reload: '重新加载最新版本',
    forbidden: '没有保存：你没有权限，或登录已过期（请重新登录）。',
    failed: '没有保存：服务器出错或无法连接，请稍后再试。',
    saving: '正在保存…',
  },
  en: {
    fix: 'Please correct the {n} highlighted field(s) below.',
    problems: 'Not saved:',
    conflict: 'Not saved: someone else changed and saved this record after you opened it. Reload to see the latest version (your changes here will be lost).',
    reload: 'Reload the latest version',
    forbidden: 'Not saved: you may not do this, or your session has expired (log in again).',
    failed: 'Not saved: the server failed or could not be reached. Please try again.',
    saving: 'Saving…',
  },
};

/**
 * Form values as the API takes them: '' → null, a yes/no switch → true/false; the rest as typed
 * (the server parses numbers, dates and people).
 * @param {Record<string, any>} values from `collectValues`
 * @param {Record<string, string>} widgets field key → widget
 * @returns {Record<string, any>}
 */
export function payloadOf(values, widgets) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, widget] of Object.entries(widgets)) {
    if (widget === 'boolean') {
      out[key] = values[key] === 'true' || values[key] === true; // unchecked sends nothing
      continue;
    }
    if (!(key in values)) continue;
    const value = values[key];
    out[key] = value === '' || value === undefined ? null : value;
  }
  return out;
}

/**
 * The entries of `after` that differ from `before` (keys missing from `after` — fields the form
 * does not send, as read-only ones — are left alone).
 * @param {Record<string, any>} before
 * @param {Record<string, any>} after
 * @returns {Record<string, any>}
 */
export function changedValues(before, after) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(value) !== JSON.stringify(before[key] ?? null)) out[key] = value;
  }
  return out;
}

/**
 * The field a problem names (`items.0.qty`, `items[0][qty]` → `items`), if the form has it.
 * @param {string | null | undefined} name
 * @param {Set<string>} keys
 * @returns {string | null}
 */
export function fieldOf(name, keys) {
  if (!name) return null;
  if (keys.has(name)) return name;
  const head = name.split(/[.[/]/, 1)[0];
  return keys.has(head) ? head : null;
}

/**
 * Problems split into those shown next to a field and the rest.
 * @param {{field?: string | null, message: string}[]} problems
 * @param {Set<string>} keys the fields on the page
 * @returns {{byField: Map<string, string[]>, general: string[]}}
 */
export function splitProblems(problems, keys) {
  /** @type {Map<string, string[]>} */
  const byField = new Map();
  /** @type {string[]} */
  const general = [];
  for (const problem of problems) {
    const key = fieldOf(problem.field, keys);
    if (key) byField.set(key, [...(byField.get(key) || []), problem.message]);
    else general.push(problem.message);
  }
  return { byField, general };
}

// ---------------------------------------------------------------------------------------------
// DOM (browser only)

/**
 * @param {HTMLFormElement} form
 * @returns {{widgets: Record<string, string>, multiple: string[], wrappers: Map<string, HTMLElement>}}
 */
function describe(form) {
  /** @type {Record<string, string>} */
  const widgets = {};
  /** @type {string[]} */
  const multiple = [];
  /** @type {Map<string, HTMLElement>} */
  const wrappers = new Map();
  for (const el of Array.from(form.querySelectorAll('.fw-field[data-field-key]'))) {
    const wrapper = /** @type {HTMLElement} */ (el);
    const key = wrapper.dataset.fieldKey || '';
    const enabled = wrapper.querySelector('input:not([disabled]), select:not([disabled]), textarea:not([disabled])');
    wrappers.set(key, wrapper);
    if (!enabled) continue; // read-only: never sent
    widgets[key] = wrapper.dataset.widget || 'text';
    if (wrapper.dataset.multiple === '1') multiple.push(key);
  }
  return { widgets, multiple, wrappers };
}

/**
 * Disable every control of the read-only fields (line-item cells and their row buttons too).
 * @param {HTMLFormElement} form
 * @param {string[]} keys
 */
function lockReadOnly(form, keys) {
  for (const key of keys) {
    const wrapper = form.querySelector(`.fw-field[data-field-key="${CSS.escape(key)}"]`);
    if (!wrapper) continue;
    wrapper.classList.add('fw-field--readonly');
    for (const el of Array.from(wrapper.querySelectorAll('input, select, textarea, button'))) {
      /** @type {HTMLInputElement} */ (el).disabled = true;
    }
  }
}

/** @param {HTMLFormElement} form */
function clearProblems(form) {
  for (const el of Array.from(form.querySelectorAll('.fw-field__error[data-api-error]'))) el.remove();
  for (const el of Array.from(form.querySelectorAll('.fw-field--invalid'))) el.classList.remove('fw-field--invalid');
  for (const el of Array.from(form.querySelectorAll('[aria-invalid="true"]'))) el.removeAttribute('aria-invalid');
}

/**
 * Open the tab panel holding `el` (public-form.js draws the tab strip).
 * @param {Document} doc
 * @param {Element} el
 */
function reveal(doc, el) {
  const panel = el.closest('.fw-tabs__panel');
  if (panel instanceof HTMLElement && panel.hidden) {
    const tab = doc.getElementById(`${panel.id}-tab`);
    if (tab instanceof HTMLElement) tab.click();
  }
}

/** @param {Window} win @param {Document} doc */
function init(win, doc) {
  const form = doc.querySelector('form.fw-form[data-mode="record"]');
  const bootEl = doc.getElementById('fw-record-form-boot');
  const alertBox = doc.querySelector('[data-form-alert]');
  if (!(form instanceof HTMLFormElement) || !bootEl || !(alertBox instanceof HTMLElement)) return;
  /** @type {{mode: 'create' | 'edit', api: string, list: string, version?: number, can_save?: boolean, readonly?: string[]}} */
  const boot = JSON.parse(bootEl.textContent || '{}');
  const lang = pageLocale(doc);
  const say = (/** @type {string} */ key, /** @type {Record<string, unknown>} */ params = {}) => t(MESSAGES, key, params, lang);
  const button = form.querySelector('.fw-form__submit');
  lockReadOnly(form, boot.readonly || []);
  const { widgets, multiple, wrappers } = describe(form);
  const current = () => payloadOf(collectValues(formEntries(form, { withHidden: false }), { multiple }), widgets);
  const initial = current();
  const locked = boot.mode === 'edit' && boot.can_save === false;
  if (locked && button instanceof HTMLButtonElement) {
    button.disabled = true;
    // public-form.js enables its button again on `pageshow` (back/forward cache).
    win.addEventListener('pageshow', () => { button.disabled = true; });
  }
  let busy = false;
  let leaving = false;

  /** @param {(string | Node)[]} parts */
  const showAlert = (...parts) => {
    alertBox.replaceChildren(...parts);
    alertBox.hidden = false;
    alertBox.tabIndex = -1;
  };

  /** @param {{field?: string | null, message: string}[]} problems */
  const showProblems = (problems) => {
    const { byField, general } = splitProblems(problems, new Set(wrappers.keys()));
    let first = null;
    for (const [key, messages] of byField) {
      const wrapper = wrappers.get(key);
      if (!wrapper) continue;
      wrapper.classList.add('fw-field--invalid');
      const note = doc.createElement('p');
      note.className = 'fw-field__error';
      note.dataset.apiError = '1';
      note.textContent = messages.join(' ');
      wrapper.append(note);
      for (const control of Array.from(wrapper.querySelectorAll('input, select, textarea'))) {
        control.setAttribute('aria-invalid', 'true');
      }
      first = first || wrapper;
    }
    const lines = [];
    if (byField.size) lines.push(say('fix', { n: byField.size }));
    const list = doc.createElement('ul');
    for (const message of general) {
      const item = doc.createElement('li');
      item.textContent = message;
      list.append(item);
    }
    const title = doc.createElement('p');
    title.textContent = `${say('problems')} ${lines.join(' ')}`;
    showAlert(title, ...(general.length ? [list] : []));
    if (first) {
      reveal(doc, first);
      const control = first.querySelector('input:not([type="hidden"]), select, textarea');
      if (control instanceof HTMLElement) control.focus();
    } else {
      alertBox.focus();
    }
  };

  // Leaving with unsaved changes asks first (the browser's own dialog).
  win.addEventListener('beforeunload', (event) => {
    if (leaving || !Object.keys(changedValues(initial, current())).length) return;
    event.preventDefault();
    event.returnValue = '';
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    clearProblems(form);
    alertBox.hidden = true;
    if (button instanceof HTMLButtonElement) {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
    }
    try {
      const values = current();
      if (boot.mode === 'create') {
        const made = await api(boot.api, { method: 'POST', body: { data: values } });
        leaving = true;
        win.location.assign(`${boot.list}/${made.id}`);
        return;
      }
      const changed = changedValues(initial, values);
      if (Object.keys(changed).length) {
        await api(boot.api, { method: 'PATCH', body: { data: changed, version: boot.version } });
      }
      leaving = true;
      win.location.assign(`${boot.list}/${boot.api.split('/').pop()}`);
      return;
    } catch (error) {
      if (!(error instanceof ApiError)) {
        showAlert(say('failed'));
      } else if (error.status === 409) {
        const reload = doc.createElement('button');
        reload.type = 'button';
        reload.className = 'fw-button';
        reload.dataset.action = 'reload';
        reload.textContent = say('reload');
        reload.addEventListener('click', () => {
          leaving = true; // the message said the edits go
          win.location.reload();
        });
        const text = doc.createElement('p');
        text.textContent = say('conflict');
        showAlert(text, reload);
        alertBox.dataset.code = error.code;
        alertBox.focus();
      } else if (error.status === 422) {
        showProblems(error.problems);
      } else if (error.status === 401 || error.status === 403) {
        showAlert(say('forbidden'));
      } else {
        showAlert(say('failed'));
      }
    } finally {
      busy = false;
      // public-form.js marks a submitted form; the page stays, so it may be sent again.
      delete form.dataset.submitting;
      if (button instanceof HTMLButtonElement && !leaving) {
        win.setTimeout(() => {
          button.disabled = locked;
          button.removeAttribute('aria-busy');
        }, 0);
      }
    }
  });
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  init(window, document);
}
