// @ts-check
/**
 * The form designer: `mount(el, {definition, palette, api, …})` → `{save, publish, toJSON, destroy}`.
 * One direction: gesture → command → model → `model.changed` → view, preview and autosave.
 * Saving PUTs the draft (never the published version); publishing POSTs …/publish.
 * When loaded as the page's module it boots from the page's JSON and `/api/palette`.
 */
import { api as defaultApi, readCookie } from '../core/api.js';
import { createBus } from '../core/bus.js';
import { h } from '../core/dom.js';
import { createHistory } from '../core/history.js';
import { locale, pick, t } from '../core/i18n.js';
import { versionsPanel } from '../core/versions.js';
import * as c from './commands.js';
import { FormModel } from './model.js';
import { createView } from './view.js';
import { MESSAGES } from './words.js';

const AUTOSAVE_MS = 2000;
const PREVIEW_MS = 400;

/**
 * @typedef {object} MountOptions
 * @property {any} definition  the draft (or latest published) form definition
 * @property {any[]} palette   field type entries from /api/palette
 * @property {typeof defaultApi} [api]
 * @property {string} app
 * @property {number | null} [version]  the latest published version
 * @property {boolean} [isNew]
 * @property {boolean} [hasDraft]
 * @property {boolean} [autosave]
 * @property {any[]} [functions]  the formula functions (GET /api/formula/functions)
 * @property {string | null} [revision]  the loaded document's revision (sent back as If-Match)
 */

/**
 * @param {HTMLElement} el
 * @param {MountOptions} options
 */
export function mount(el, { definition, palette, api = defaultApi, app, version = null, isNew = false, hasDraft = false, autosave = true, functions = [], revision = null }) {
  const lang = locale();
  const w = (/** @type {string} */ key, /** @type {Record<string, unknown>} */ params = {}) => t(MESSAGES, key, params, lang);
  const model = new FormModel(definition);
  const formKey = model.doc.key;
  const base = `/api/apps/${encodeURIComponent(app)}/forms/${encodeURIComponent(formKey)}`;
  const bus = createBus();
  const history = createHistory(model, { bus });
  let saved = isNew ? null : JSON.stringify(model.doc);
  let published = version;
  // The stored document this copy is based on; a save elsewhere since then is refused (409).
  let basedOn = revision;
  let conflict = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let autosaveTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let previewTimer;
  let previewSeq = 0;
  /** @type {HTMLElement | null} */
  let help = null;

  const isDirty = () => JSON.stringify(model.doc) !== saved;
  const view = createView(el, {
    model, history, palette, lang, app, formKey, functions,
    actions: { save: () => void save(), publish: () => void publish(), undo, redo, toggleHelp, history: openHistory },
    evaluateFormula: (/** @type {any} */ body) => send('POST', `${base}/formula/evaluate?lang=${encodeURIComponent(lang)}`, body),
  });

  function undo() {
    history.undo();
  }

  function redo() {
    history.redo();
  }

  function showState() {
    const problems = view.problems().length;
    if (problems) view.setStatus(w('status_problems', { count: problems }), 'error');
    else if (isDirty()) view.setStatus(saved === null ? w('status_new') : w('status_unsaved'), 'info');
    else view.setStatus(published && !hasDraft ? w('status_published', { version: published }) : w('status_saved'), 'ok');
  }

  /** @type {Promise<boolean>} */
  let saving = Promise.resolve(true);
  /**
   * Save the draft (PUT); true when it was stored. Saves run one after another: a Ctrl+S while
   * an autosave is on its way waits for it (two at once would both name the same revision, and
   * the second would be refused as a conflict with the first).
   */
  function save() {
    saving = saving.then(saveNow, saveNow);
    return saving;
  }

  async function saveNow() {
    clearTimeout(autosaveTimer);
    const doc = model.toJSON();
    const text = JSON.stringify(doc);
    if (text === saved) return true;
    view.setStatus(w('status_saving'), 'busy');
    const out = await send('PUT', base, doc, basedOn ? { 'If-Match': basedOn } : {});
    if (!out.ok) {
      showError(out, doc);
      return false;
    }
    if (out.data?.revision) basedOn = out.data.revision;
    saved = text;
    hasDraft = true;
    view.setProblems([], doc);
    showState();
    return true;
  }

  /** Save, show what changed since the published version, and publish once confirmed. */
  async function publish() {
    if (!(await save())) return;
    if (!hasDraft) {
      view.showMessage([w('published_same', { version: published })], 'ok');
      return;
    }
    const pending = published ? await changeLines(published, 0) : [];
    const heading = published ? w('publish_since', { version: published }) : w('publish_first');
    if (!(await confirmPublish(heading, published && !pending.length ? [w('publish_nothing')] : pending))) return;
    view.setStatus(w('publishing'), 'busy');
    const before = published;
    const response = await send('POST', `${base}/publish`, {});
    if (!response.ok) {
      showError(response, model.toJSON());
      return;
    }
    const out = response.data;
    published = out.version;
    hasDraft = false;
    /** @type {string[]} */
    const lines = [out.created
      ? w('published_as', { version: out.version, summary: out.summary })
      : w('published_same', { version: out.version })];
    if (out.created && before) lines.push(...(await changeLines(before, out.version)));
    view.showMessage(lines, 'ok');
    showState();
  }

  /**
   * Ask before publishing, with what changed; resolves whether to go on.
   * @param {string} heading
   * @param {string[]} lines
   * @returns {Promise<boolean>}
   */
  function confirmPublish(heading, lines) {
    return new Promise((resolve) => {
      /** @param {boolean} answer */
      const close = (answer) => {
        box.remove();
        resolve(answer);
      };
      const box = h('div', { class: 'fw-designer__help', role: 'dialog', 'aria-modal': 'true', 'aria-label': w('publish_check'), dataset: { overlay: 'publish' } },
        h('div', { class: 'fw-card' },
          h('h2', null, w('publish_check')),
          h('p', null, heading),
          lines.length ? h('ul', { class: 'fw-designer__changes' }, lines.map((line) => h('li', { dataset: { change: '' } }, line))) : null,
          h('div', { class: 'fw-designer__actions' },
            h('button', { type: 'button', class: 'fw-button fw-button--primary', dataset: { action: 'confirm-publish' }, onClick: () => close(true) }, w('publish_confirm')),
            h('button', { type: 'button', class: 'fw-button', dataset: { action: 'cancel-publish' }, onClick: () => close(false) }, w('publish_cancel')))));
      el.appendChild(box);
      /** @type {HTMLElement | null} */ (box.querySelector('[data-action="confirm-publish"]'))?.focus();
    });
  }

  /**
   * The fields added, removed and changed between two published versions (`to` 0: the draft).
   * @param {number} from
   * @param {number} to
   */
  async function changeLines(from, to) {
    try {
      const out = await api(`${base}/diff?from=${from}${to ? `&to=${to}` : ''}`);
      const fields = out.diff?.fields || { added: [], removed: [], changed: [] };
      // The label people know, with the key the diff names ("联系电话 (phone)").
      /** @type {Record<string, any>} */
      const labels = {};
      for (const field of model.toJSON().fields || []) labels[field.key] = field.label;
      const named = (/** @type {string[]} */ keys) => keys
        .map((key) => (labels[key] ? `${pick(labels[key]) || key} (${key})` : key))
        .join(', ');
      /** @type {string[]} */
      const lines = [];
      if (fields.added.length) lines.push(w('changes_added', { keys: named(fields.added) }));
      if (fields.removed.length) lines.push(w('changes_removed', { keys: named(fields.removed) }));
      if (fields.changed.length) lines.push(w('changes_changed', { keys: named(fields.changed.map((/** @type {any} */ x) => x.id)) }));
      return lines;
    } catch {
      return [];
    }
  }

  /**
   * Show a failed answer: 422 problems on the fields they concern, anything else in the status.
   * @param {{status: number, problems: any[]}} out
   * @param {any} doc  the definition that was sent (the pointers index into it)
   */
  function showError(out, doc) {
    if (out.status === 409 && out.problems.some((/** @type {any} */ p) => p.code === 'draft_changed')) {
      conflict = true; // autosave stops: every later save would be refused the same way
      el.dataset.saveConflict = 'true';
      view.setStatus(w('draft_changed'), 'error');
      return;
    }
    if (out.status === 422) {
      view.setProblems(out.problems, doc);
      showState();
      return;
    }
    view.setStatus(out.problems.map((p) => p.message).join(' ') || `HTTP ${out.status}`, 'error');
  }

  /** Render the draft with the server's form renderer (validated there, never stored). */
  async function refreshPreview() {
    const seq = ++previewSeq;
    el.dataset.preview = 'stale';
    const doc = model.toJSON();
    const out = await send('POST', `${base}/preview?lang=${encodeURIComponent(lang)}`, doc);
    if (seq !== previewSeq) return;
    if (out.ok) {
      view.setPreview(out.text);
      view.setProblems([], doc);
    } else {
      view.setPreview(null, w('preview_failed', { message: out.problems.map((p) => p.message).join(' ') }));
      if (out.status === 422) view.setProblems(out.problems, doc);
    }
    // Tests wait for this: the preview (or its problems) matches the model now.
    el.dataset.preview = 'fresh';
    showState();
  }

  /** The version history; "restore as draft" is one undoable command, then the draft is saved. */
  function openHistory() {
    el.querySelector('[data-versions]')?.remove();
    el.appendChild(versionsPanel({
      app, kind: 'forms', key: formKey, api, locale: lang,
      current: () => model.toJSON(),
      onRestore: async (/** @type {any} */ doc) => {
        history.run(c.replaceAll, { doc });
        if (!(await save())) throw new Error(view.problems().map((p) => p.message).join(' ') || w('status_problems', { count: view.problems().length }));
      },
    }));
  }

  function toggleHelp() {
    if (help) {
      help.remove();
      help = null;
      return;
    }
    const rows = [['Ctrl+Z', 'sc_undo'], ['Ctrl+Shift+Z / Ctrl+Y', 'sc_redo'], ['Ctrl+S', 'sc_save'], ['Delete', 'sc_delete'], ['?', 'sc_help']];
    help = h('div', { class: 'fw-designer__help', role: 'dialog', 'aria-label': w('sc_title'), dataset: { overlay: 'shortcuts' } },
      h('div', { class: 'fw-card' },
        h('h2', null, w('sc_title')),
        h('table', { class: 'fw-table' }, rows.map(([keys, word]) => h('tr', null, h('th', null, h('kbd', null, keys)), h('td', null, w(word))))),
        h('button', { type: 'button', class: 'fw-button', onClick: toggleHelp }, w('sc_close'))));
    el.appendChild(help);
  }

  /** @param {KeyboardEvent} e */
  function onKey(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target?.isContentEditable;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    if (mod && key === 's') {
      e.preventDefault();
      void save();
    } else if (mod && key === 'z' && !typing) {
      e.preventDefault();
      if (e.shiftKey) redo();
      else undo();
    } else if (mod && key === 'y' && !typing) {
      e.preventDefault();
      redo();
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && !typing && view.selected()) {
      e.preventDefault();
      history.run(c.removeField, { key: view.selected() });
    } else if (e.key === '?' && !typing) {
      e.preventDefault();
      toggleHelp();
    } else if (e.key === 'Escape' && help) {
      toggleHelp();
    } else if (e.key === 'Escape' && !typing) {
      view.select(null);
    }
  }

  /** @param {BeforeUnloadEvent} e */
  function onLeave(e) {
    if (!isDirty()) return;
    e.preventDefault();
    e.returnValue = w('leave_warning');
  }

  const off = bus.on('model.changed', () => {
    el.dataset.preview = 'stale';
    view.render();
    showState();
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, PREVIEW_MS);
    if (autosave && !conflict) {
      clearTimeout(autosaveTimer);
      autosaveTimer = setTimeout(() => void save(), AUTOSAVE_MS);
    }
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('beforeunload', onLeave);
  view.render();
  showState();
  void refreshPreview();

  return {
    save,
    publish,
    /** The definition the page holds now (a copy). */
    toJSON: () => model.toJSON(),
    history,
    isDirty,
    destroy() {
      off();
      clearTimeout(autosaveTimer);
      clearTimeout(previewTimer);
      document.removeEventListener('keydown', onKey);
      window.removeEventListener('beforeunload', onLeave);
      el.replaceChildren();
    },
  };
}

/**
 * Send JSON with the session's CSRF token; the answer's problems keep their JSON pointers
 * (core/api.js keeps only field, code and message).
 * @param {string} method
 * @param {string} path
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 * @returns {Promise<{ok: boolean, status: number, data: any, text: string, problems: {code: string, message: string, pointer?: string, field?: string}[]}>}
 */
export async function send(method, path, body, headers = {}) {
  try {
    const response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        'X-CSRF-Token': readCookie(document.cookie, 'fw_csrf') || '',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
    const problems = !response.ok && Array.isArray(data?.errors)
      ? data.errors
      : response.ok ? [] : [{ code: `http_${response.status}`, message: `HTTP ${response.status}` }];
    return { ok: response.ok, status: response.status, data, text, problems };
  } catch (error) {
    return { ok: false, status: 0, data: null, text: '', problems: [{ code: 'network', message: String(error) }] };
  }
}

async function boot() {
  const el = document.getElementById('fw-form-designer');
  const data = document.getElementById('fw-form-designer-boot');
  if (!el || !data) return;
  const page = JSON.parse(data.textContent || '{}');
  const [palette, functions] = await Promise.all([
    defaultApi('/api/palette'),
    defaultApi('/api/formula/functions').catch(() => ({ items: [] })),
  ]);
  const handle = mount(el, {
    functions: functions.items || [],
    definition: page.definition,
    palette: palette.fields || [],
    app: page.app,
    version: page.version,
    isNew: page.is_new,
    hasDraft: page.has_draft,
    revision: page.revision ?? null,
  });
  // The browser tests read the draft the page holds through the element (no globals).
  /** @type {any} */ (el).fwDesigner = handle;
  el.dataset.ready = 'true';
}

if (typeof document !== 'undefined' && document.getElementById('fw-form-designer')) void boot();
