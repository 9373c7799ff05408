// @ts-check
/**
 * The flow designer: `mount(el, boot)` wires the model, the history, the canvas, the panels,
 * the toolbar and the keyboard. One direction: gesture → command → model → `model.changed` →
 * view. Saving PUTs `model.toJSON()` as the draft (never the published version); publishing
 * shows what changed since the published version first.
 */

import { api as defaultApi, ApiError } from '../core/api.js';
import { createBus } from '../core/bus.js';
import { h } from '../core/dom.js';
import { createHistory } from '../core/history.js';
import { locale, pick, t } from '../core/i18n.js';
import { historyLabel, versionsPanel } from '../core/versions.js';
import * as commands from './commands.js';
import { autoLayout } from './layout.js';
import { FlowModel, portsOf as builtinPorts } from './model.js';
import { createPanel } from './panel.js';
import { canAdd } from './rules.js';
import { copySelection, pasteClip, removeSelection } from './selection.js';
import { createTestRun } from './testrun.js';
import { placeProblems } from './trace.js';
import { createView, ICONS } from './view.js';
import { MESSAGES } from './words.js';

const AUTOSAVE_MS = 2000;
/** How far each paste lands from the copied nodes (canvas units, two grid steps). */
const PASTE_OFFSET = 40;

/**
 * @param {HTMLElement} el
 * @param {{app: string, key: string, definition: any, palette: any, fields?: any[], form?: string | null,
 *   published_version?: number | null, can_edit?: boolean, problems?: any[], api?: typeof defaultApi,
 *   revision?: string | null}} boot
 */
export function mount(el, boot) {
  const lang = locale();
  const say = (/** @type {string} */ key, /** @type {any} */ params) => t(MESSAGES, key, params, lang);
  const api = boot.api || defaultApi;
  const readOnly = boot.can_edit === false;
  const palette = { nodes: [], actions: [], triggers: [], ...(boot.palette || {}) };
  const base = `/api/apps/${boot.app}/flows/${boot.key}`;
  let publishedVersion = boot.published_version ?? null;

  const bus = createBus();
  const model = new FlowModel(boot.definition);
  const history = createHistory(model, { bus });
  /** @type {Record<string, string[]>} */
  const portTable = Object.fromEntries(palette.nodes.map((/** @type {any} */ n) => [n.key, n.ports]));
  const portsOf = (/** @type {string} */ type) => portTable[type] || builtinPorts(type);
  const typeLabel = (/** @type {string} */ type) => pick(palette.nodes.find((/** @type {any} */ n) => n.key === type)?.label, lang) || type;
  let placed = placeProblems([], model.doc);
  let savedText = JSON.stringify(model.toJSON());
  /** @type {Promise<boolean>} */
  let inFlight = Promise.resolve(true);
  // The stored document this copy is based on; a save elsewhere since then is refused (409).
  let basedOn = boot.revision ?? null;
  let conflict = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  // ---- layout ----
  const status = h('span', { class: 'fd-status', 'data-save-state': 'clean', role: 'status' });
  /** @param {string} key @param {() => void} onClick @param {Record<string, any>} [extra] */
  const button = (key, onClick, extra = {}) =>
    h('button', { type: 'button', class: 'fw-button fd-tool', 'data-action': key, title: say(key), onClick, ...extra }, say(key));
  const undoButton = button('undo', () => history.undo());
  const redoButton = button('redo', () => history.redo());
  const toolbar = h('div', { class: 'fd-toolbar', role: 'toolbar' },
    undoButton, redoButton,
    button('zoom_out', () => view.zoom(1 / 1.2)), button('zoom_in', () => view.zoom(1.2)), button('fit', () => view.fit()),
    readOnly ? null : button('layout', () => history.run(commands.layout, { positions: autoLayout(model.nodes, model.edges) })),
    button('test_run', () => showTab('test')),
    readOnly ? null : button('save', () => save()),
    readOnly ? null : button('publish', () => publish(), { class: 'fw-button fw-button--primary fd-tool' }),
    button('shortcuts', () => toggleHelp()),
    h('button', { type: 'button', class: 'fw-button fd-tool', 'data-action': 'history', onClick: () => openHistory() }, historyLabel(lang)),
    status);
  const paletteHost = h('aside', { class: 'fd-palette', 'aria-label': say('palette') });
  const canvasHost = h('div', { class: 'fd-canvas' });
  const propsHost = h('div', { class: 'fd-panel', 'data-panel': 'properties' });
  const testHost = h('div', { class: 'fd-panel', 'data-panel': 'test', hidden: true });
  const tabs = h('div', { class: 'fd-tabs', role: 'tablist' },
    h('button', { type: 'button', role: 'tab', 'data-tab': 'properties', onClick: () => showTab('properties') }, say('properties')),
    h('button', { type: 'button', role: 'tab', 'data-tab': 'test', onClick: () => showTab('test') }, say('test_run')));
  const side = h('aside', { class: 'fd-side' }, tabs, propsHost, testHost);
  const notice = h('div', { class: 'fd-notice', role: 'alert', hidden: true });
  const help = h('div', { class: 'fd-dialog', hidden: true, 'data-help': '' },
    h('div', { class: 'fd-dialog__box', role: 'dialog' },
      h('h2', {}, say('help_title')),
      h('ul', {}, ['key_undo', 'key_redo', 'key_save', 'key_delete', 'key_select', 'key_band', 'key_copy', 'key_help', 'key_pan'].map((k) => h('li', {}, say(k)))),
      h('button', { type: 'button', class: 'fw-button', onClick: () => toggleHelp(false) }, say('close'))));
  const dialog = h('div', { class: 'fd-dialog', hidden: true, 'data-publish-dialog': '' });
  el.replaceChildren(toolbar, h('div', { class: 'fd-body' }, paletteHost, canvasHost, side), notice, help, dialog);
  if (readOnly) notice.replaceChildren(say('read_only'));
  notice.hidden = !readOnly;

  const view = createView(canvasHost, { model, history, bus, portsOf, typeLabel, say, lang, readOnly });
  /** @param {'node' | 'edge' | 'flow'} kind @param {string} [id] */
  const problemsOf = (kind, id) => {
    if (kind === 'flow') {
      // the flow panel lists every problem, those of nodes and edges named by their id
      const named = (/** @type {Record<string, any[]>} */ by) =>
        Object.entries(by).flatMap(([at, list]) => list.map((p) => ({ ...p, message: `${at}: ${p.message}` })));
      return [...placed.flow, ...named(placed.nodes), ...named(placed.edges)];
    }
    return (kind === 'node' ? placed.nodes : placed.edges)[id || ''] || [];
  };
  // Formula leaves of conditions: the function list (loaded once) and a live value on sample data,
  // computed by the server over the flow's form as a yes/no formula.
  /** @type {any[]} */
  let formulaFunctions = [];
  const formula = readOnly ? undefined : {
    get functions() { return formulaFunctions; },
    evaluate: async (/** @type {string} */ expression, /** @type {any} */ sample) => {
      const form = boot.form ?? model.doc.form;
      try {
        const out = await api(`/api/apps/${boot.app}/forms/${form}/formula/evaluate?lang=${encodeURIComponent(lang)}`,
          { method: 'POST', body: { expression, sample, result: 'boolean' } });
        return { ok: true, value: out.value, text: out.text };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    },
  };
  if (formula) {
    Promise.resolve(api('/api/formula/functions')).then((out) => { formulaFunctions = out?.items || []; }).catch(() => {});
  }
  const panel = createPanel(propsHost, { model, history, bus, palette, say, lang, readOnly, problemsOf, fields: boot.fields || [], formula });
  createTestRun(testHost, {
    app: boot.app, key: boot.key, form: boot.form ?? model.doc.form ?? null, fields: boot.fields || [], model, api, say,
    labelOf: (id) => (model.hasNode(id) ? pick(model.node(id).label, lang) || id : id),
    onTrace: (trace) => view.setTrace(trace),
    lang,
    // a test run simulates the stored draft: save the editor's changes first
    prepare: async () => readOnly || !dirty() || save(),
  });

  /** @param {'properties' | 'test'} which */
  function showTab(which) {
    propsHost.hidden = which !== 'properties';
    testHost.hidden = which !== 'test';
    for (const tab of tabs.querySelectorAll('[data-tab]')) tab.setAttribute('aria-selected', String(tab.getAttribute('data-tab') === which));
  }
  showTab('properties');

  // ---- palette: drag a node type onto the canvas (or press it to add in the middle) ----
  const groups = new Map();
  for (const entry of palette.nodes) {
    if (!groups.has(entry.group)) groups.set(entry.group, []);
    groups.get(entry.group).push(entry);
  }
  paletteHost.replaceChildren(h('h2', { class: 'fd-panel__title' }, say('palette')),
    ...[...groups.values()].map((entries) => h('div', { class: 'fd-palette__group' }, entries.map((/** @type {any} */ entry) =>
      h('button', { type: 'button', class: 'fd-palette__item', 'data-palette-key': entry.key, disabled: readOnly,
        onPointerdown: (/** @type {PointerEvent} */ e) => dragFromPalette(e, entry),
        onKeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); addNode(entry, view.center()); } },
      }, h('span', { class: 'fd-palette__icon' }, ICONS[entry.key] || '●'), pick(entry.label, lang))))));

  /** @param {any} entry @param {{x: number, y: number}} at */
  function addNode(entry, at) {
    const verdict = canAdd(model, entry.key);
    if (!verdict.ok) return flash(say(`reason_${verdict.reason}`));
    const undo = history.run(commands.addNode, { type: entry.key, x: at.x, y: at.y, label: entry.label });
    view.select({ kind: 'node', id: undo.remove });
  }

  /** @param {PointerEvent} e @param {any} entry */
  function dragFromPalette(e, entry) {
    if (readOnly || e.button !== 0) return;
    e.preventDefault();
    const start = { x: e.clientX, y: e.clientY };
    const ghost = h('div', { class: 'fd-drag-ghost' }, `${ICONS[entry.key] || ''} ${pick(entry.label, lang)}`);
    let moved = false;
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      if (!moved && Math.abs(ev.clientX - start.x) + Math.abs(ev.clientY - start.y) < 4) return;
      if (!moved) document.body.appendChild(ghost);
      moved = true;
      ghost.style.left = `${ev.clientX + 8}px`;
      ghost.style.top = `${ev.clientY + 8}px`;
    };
    /** @param {PointerEvent} ev */
    const up = (ev) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      ghost.remove();
      if (!moved) return addNode(entry, view.center());
      const at = view.dropPoint(ev.clientX, ev.clientY);
      if (at) addNode(entry, at);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  // ---- status, problems, saving, publishing ----
  /** @param {string} text @param {boolean} [bad] */
  function flash(text, bad = true) {
    notice.textContent = text;
    notice.classList.toggle('fd-notice--ok', !bad);
    notice.hidden = false;
    setTimeout(() => { if (notice.textContent === text) notice.hidden = true; }, 5000);
  }

  const dirty = () => JSON.stringify(model.toJSON()) !== savedText;
  /** @param {string} state @param {string} text */
  function setStatus(state, text) {
    status.dataset.saveState = state;
    status.textContent = text;
  }
  function refreshButtons() {
    /** @type {HTMLButtonElement} */ (undoButton).disabled = !history.canUndo();
    /** @type {HTMLButtonElement} */ (redoButton).disabled = !history.canRedo();
  }

  /** @param {any[]} problems @param {any} doc */
  function showProblems(problems, doc) {
    placed = placeProblems(problems, doc);
    view.setProblems(placed);
    panel.render();
  }

  /** How many problems are shown now (the flow's, its nodes' and its edges'). */
  const problemCount = () => placed.flow.length
    + Object.values(placed.nodes).reduce((n, list) => n + list.length, 0)
    + Object.values(placed.edges).reduce((n, list) => n + list.length, 0);

  /**
   * Save the draft; true when the server stored it. A draft with problems is stored too (the
   * server answers them with it, decision 0011) and they are drawn; only a document whose shape
   * is wrong is refused (422), and then its problems are drawn instead.
   * @param {{auto?: boolean}} [options]
   */
  function save({ auto = false } = {}) {
    // One after another: a save asked for while one is on its way waits for it (two at once
    // would both name the same revision, and the second would be refused as a conflict).
    inFlight = inFlight.then(() => saveNow({ auto }), () => saveNow({ auto }));
    return inFlight;
  }

  /** @param {{auto?: boolean}} options */
  async function saveNow({ auto = false }) {
    clearTimeout(timer);
    if (readOnly) return false;
    const doc = model.toJSON();
    const text = JSON.stringify(doc);
    if (text === savedText && auto) return true;
    setStatus('saving', say('saving'));
    try {
      const answer = await api(base, { method: 'PUT', body: doc, headers: basedOn ? { 'If-Match': basedOn } : {} });
      if (answer?.revision) basedOn = answer.revision;
      savedText = text;
      showProblems(Array.isArray(answer?.problems) ? answer.problems : [], doc);
      if (dirty()) setStatus('dirty', say('unsaved'));
      else if (problemCount()) setStatus('problems', say('saved_problems', { count: problemCount() }));
      else setStatus('saved', say('saved'));
      return true;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 409 && error.problems.some((/** @type {any} */ p) => p.code === 'draft_changed')) {
        conflict = true; // autosave stops: every later save would be refused the same way
        setStatus('conflict', say('draft_changed'));
        return false;
      }
      showProblems(error.problems, doc);
      setStatus('invalid', say('save_failed', { count: error.problems.length }));
      return false;
    }
  }

  /** @param {any} diff */
  function summary(diff) {
    const lines = [];
    for (const list of ['nodes', 'edges']) {
      const d = diff?.[list];
      if (!d) continue;
      for (const what of ['added', 'removed']) {
        if (d[what].length) lines.push(h('li', { 'data-change': `${list}.${what}` }, `${say(list === 'nodes' ? 'node' : 'edge')} ${say(what)}: ${d[what].join(', ')}`));
      }
      if (d.changed.length) lines.push(h('li', { 'data-change': `${list}.changed` }, `${say(list === 'nodes' ? 'node' : 'edge')} ${say('changed')}: ${d.changed.map((/** @type {any} */ c) => c.id).join(', ')}`));
    }
    for (const change of diff?.other || []) lines.push(h('li', { 'data-change': 'other' }, `${say('flow')} ${say('changed')}: ${change.path}`));
    return lines;
  }

  async function publish() {
    if (dirty() && !(await save())) return flash(say('publish_failed', { count: problemCount() }));
    // A draft saved with problems is not offered for publishing (the server would refuse it too).
    if (problemCount()) return flash(say('publish_failed', { count: problemCount() }));
    let lines = [h('li', {}, say('first_version'))];
    if (publishedVersion) {
      try {
        const answer = await api(`${base}/diff?from=${publishedVersion}`);
        lines = summary(answer.diff);
        if (!lines.length) lines = [h('li', {}, say('no_changes'))];
      } catch (error) {
        lines = [h('li', {}, String(error instanceof ApiError ? error.message : error))];
      }
    }
    dialog.replaceChildren(h('div', { class: 'fd-dialog__box', role: 'dialog', 'aria-modal': 'true' },
      h('h2', {}, say('changes')), h('ul', { class: 'fd-changes' }, lines),
      h('div', { class: 'fd-row' },
        h('button', { type: 'button', class: 'fw-button fw-button--primary', 'data-action': 'confirm-publish', onClick: confirmPublish }, say('confirm_publish')),
        h('button', { type: 'button', class: 'fw-button', onClick: () => { dialog.hidden = true; } }, say('cancel')))));
    dialog.hidden = false;
  }

  async function confirmPublish() {
    dialog.hidden = true;
    try {
      const row = await api(`${base}/publish`, { method: 'POST', body: {} });
      publishedVersion = row.version;
      showProblems([], model.toJSON());
      setStatus('published', say('published', { version: row.version }));
      flash(say('published', { version: row.version }), false);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'nothing_to_publish') return flash(say('nothing_to_publish'));
      showProblems(error.problems, model.toJSON());
      flash(say('publish_failed', { count: error.problems.length }));
    }
  }

  // ---- changes, keyboard, leaving ----
  bus.on('model.changed', () => {
    refreshButtons();
    if (readOnly || conflict) return; // after a conflict the refusal stays on screen
    if (dirty()) setStatus('dirty', say('unsaved'));
    else setStatus('clean', '');
    clearTimeout(timer);
    timer = setTimeout(() => save({ auto: true }), AUTOSAVE_MS);
  });
  bus.on('notice', (/** @type {string} */ text) => flash(text));

  /** The version history; "restore as draft" is one undoable command, then the draft is saved. */
  function openHistory() {
    el.querySelector('[data-versions]')?.remove();
    el.appendChild(versionsPanel({
      app: boot.app, kind: 'flows', key: boot.key, api, locale: lang,
      current: () => model.toJSON(),
      onRestore: readOnly ? null : async (/** @type {any} */ doc) => {
        view.select(null);
        history.run(commands.replaceAll, { doc });
        view.fit();
        if (!(await save())) throw new Error(say('save_failed', { count: problemCount() }));
      },
    }));
  }

  /** @param {boolean} [on] */
  function toggleHelp(on) {
    help.hidden = on === undefined ? !help.hidden : !on;
  }

  /** @param {KeyboardEvent} e */
  function onKey(e) {
    const target = /** @type {HTMLElement} */ (e.target);
    const typing = target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable);
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 's') {
      e.preventDefault();
      save();
    } else if (typing) {
      return;
    } else if (mod && e.key.toLowerCase() === 'z') {
      e.preventDefault();
      if (e.shiftKey) history.redo();
      else history.undo();
    } else if (mod && e.key.toLowerCase() === 'y') {
      e.preventDefault();
      history.redo();
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && !readOnly) {
      // the whole selection (nodes with their edges, and edges) as one undoable command
      const planned = removeSelection(model, view.selected());
      if (!planned) return;
      e.preventDefault();
      history.run(planned.command, planned.args);
    } else if (mod && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      view.select({ nodes: model.nodes.map((n) => n.id), edges: model.edges.map((x) => x.id) });
    } else if (mod && e.key.toLowerCase() === 'c') {
      const nodes = view.selected().nodes;
      if (!nodes.length) return;
      e.preventDefault();
      clipboard = copySelection(model, nodes);
      pastes = 0;
      if (clipboard.nodes.length < nodes.length) flash(say('start_not_copied'));
    } else if (mod && e.key.toLowerCase() === 'v' && !readOnly) {
      if (!clipboard?.nodes.length) return;
      e.preventDefault();
      pastes += 1;
      const planned = pasteClip(model, clipboard, { x: PASTE_OFFSET * pastes, y: PASTE_OFFSET * pastes });
      if (!planned) return;
      history.run(planned.command, planned.args);
      view.select({ nodes: planned.nodes, edges: planned.edges });
    } else if (e.key === '?') {
      toggleHelp();
    } else if (e.key === 'Escape') {
      toggleHelp(false);
      dialog.hidden = true;
      view.select(null);
    }
  }
  /** @param {BeforeUnloadEvent} e */
  function onLeave(e) {
    if (readOnly || !dirty()) return;
    e.preventDefault();
    e.returnValue = say('leave_warning');
  }
  /** @type {import('./selection.js').Clip | null} what Ctrl+C copied (this page only) */
  let clipboard = null;
  let pastes = 0;
  document.addEventListener('keydown', onKey);
  window.addEventListener('beforeunload', onLeave);

  refreshButtons();
  setStatus('clean', '');
  if (Array.isArray(boot.problems) && boot.problems.length) {
    // the stored draft's problems, drawn from the start
    showProblems(boot.problems, model.toJSON());
    setStatus('problems', say('saved_problems', { count: problemCount() }));
  }
  requestAnimationFrame(() => view.fit());
  const handle = {
    model,
    history,
    save,
    publish,
    dirty,
    destroy() {
      clearTimeout(timer);
      document.removeEventListener('keydown', onKey);
      window.removeEventListener('beforeunload', onLeave);
      el.replaceChildren();
    },
  };
  el.dataset.ready = 'true';
  return handle;
}
