// @ts-check
/**
 * The form designer's view: toolbar, palette, canvas (sections and field cards), the property
 * panel (panel.js) and the preview frame. It draws the model, turns gestures (drag and drop,
 * clicks) into commands and keeps only view state: the selection, problems, the preview width.
 */
import { append, h } from '../core/dom.js';
import { pick, t } from '../core/i18n.js';
import { historyLabel } from '../core/versions.js';
import { DRAG_TYPE, drawCanvas } from './canvas.js';
import * as c from './commands.js';
import * as lay from './layout.js';
import * as m from './model.js';
import { fieldPanel, formPanel } from './panel.js';
import { MESSAGES } from './words.js';

/** @typedef {{key: string, label: Record<string, string>, group: string, icon?: string, config_schema?: any, example_config?: any}} PaletteEntry */
/** @typedef {{code: string, message: string, pointer?: string | null, field?: string | null}} Problem */
/**
 * @typedef {object} ViewContext
 * @property {m.FormModel} model
 * @property {ReturnType<typeof import('../core/history.js').createHistory>} history
 * @property {PaletteEntry[]} palette
 * @property {string} lang
 * @property {string} app
 * @property {string} formKey
 * @property {{save: () => void, publish: () => void, undo: () => void, redo: () => void, toggleHelp: () => void, history: () => void}} actions
 * @property {any[]} functions  the formula functions
 * @property {(body: any) => Promise<{ok: boolean, data: any, problems: {message: string, field?: string}[]}>} evaluateFormula
 */

const GROUPS = ['basic', 'choice', 'people', 'advanced'];

/**
 * @param {HTMLElement} root
 * @param {ViewContext} ctx
 */
export function createView(root, ctx) {
  const w = (/** @type {string} */ key, /** @type {Record<string, unknown>} */ params = {}) =>
    t(MESSAGES, key, params, ctx.lang);
  const state = {
    /** @type {string | null} */ selected: null,
    /** @type {Problem[]} */ problems: [],
    /** @type {m.Doc} */ problemDoc: ctx.model.doc,
    device: 'desktop',
    /** tabs item index → the tab shown */
    activeTabs: /** @type {Map<number, number>} */ (new Map()),
  };
  const entries = new Map(ctx.palette.map((entry) => [entry.key, entry]));
  /** Run a command; a refused edit (a taken key…) is shown, not thrown. */
  const run = (/** @type {any} */ command, /** @type {any} */ args) => {
    try {
      ctx.history.run(command, args);
      return true;
    } catch (error) {
      status.textContent = String(/** @type {Error} */ (error).message || error);
      status.dataset.kind = 'error';
      return false;
    }
  };

  const status = h('span', { class: 'fw-designer__status', role: 'status', dataset: { kind: 'info' } });
  const message = h('div', { class: 'fw-designer__message', role: 'status', hidden: true });
  const undoButton = h('button', { type: 'button', class: 'fw-button', dataset: { action: 'undo' }, title: 'Ctrl+Z', onClick: () => ctx.actions.undo() }, w('undo'));
  const redoButton = h('button', { type: 'button', class: 'fw-button', dataset: { action: 'redo' }, title: 'Ctrl+Shift+Z', onClick: () => ctx.actions.redo() }, w('redo'));
  const toolbar = h('div', { class: 'fw-designer__toolbar' },
    h('strong', { class: 'fw-designer__title' }),
    status,
    h('span', { class: 'fw-designer__spacer' }),
    undoButton,
    redoButton,
    h('button', { type: 'button', class: 'fw-button', dataset: { action: 'save' }, title: 'Ctrl+S', onClick: () => ctx.actions.save() }, w('save')),
    h('button', { type: 'button', class: 'fw-button fw-button--primary', dataset: { action: 'publish' }, onClick: () => ctx.actions.publish() }, w('publish')),
    h('button', { type: 'button', class: 'fw-button', dataset: { action: 'history' }, onClick: () => ctx.actions.history() }, historyLabel(ctx.lang)),
    h('button', { type: 'button', class: 'fw-button', dataset: { action: 'help' }, title: '?', onClick: () => ctx.actions.toggleHelp() }, '?'),
  );
  const paletteBox = h('aside', { class: 'fw-designer__palette', 'aria-label': w('palette') });
  const canvas = h('section', { class: 'fw-designer__canvas', 'aria-label': w('canvas') });
  const panel = h('aside', { class: 'fw-designer__panel', 'aria-label': w('properties') });
  const frame = /** @type {HTMLIFrameElement} */ (h('iframe', {
    class: 'fw-designer__frame',
    title: w('preview'),
    sandbox: 'allow-scripts allow-same-origin',
  }));
  const previewError = h('p', { class: 'fw-designer__preview-error', hidden: true });
  const deviceButtons = ['desktop', 'phone'].map((device) =>
    h('button', {
      type: 'button',
      class: 'fw-button',
      dataset: { device },
      'aria-pressed': String(device === state.device),
      onClick: () => {
        state.device = device;
        for (const b of deviceButtons) b.setAttribute('aria-pressed', String(b.dataset.device === device));
        frame.dataset.device = device;
        const body = frame.contentDocument?.body;
        frame.style.height = device === 'desktop' && body ? `${Math.max(320, body.scrollHeight + 24)}px` : '';
      },
    }, w(device)));
  frame.dataset.device = state.device;
  // On desktop width the frame grows with the rendered form (same origin: our own renderer).
  frame.addEventListener('load', () => {
    const body = frame.contentDocument?.body;
    if (body && state.device === 'desktop') frame.style.height = `${Math.max(320, body.scrollHeight + 24)}px`;
    syncPreviewTabs();
  });
  const preview = h('section', { class: 'fw-designer__preview', 'aria-label': w('preview') },
    h('div', { class: 'fw-designer__preview-head' }, h('h2', null, w('preview')), deviceButtons),
    previewError,
    h('div', { class: 'fw-designer__frame-box' }, frame));

  // A click on the canvas outside any field shows the form's settings.
  canvas.addEventListener('click', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (!target.closest('[data-field-key], button, input, select')) select(null);
  });

  root.replaceChildren(toolbar, message, h('div', { class: 'fw-designer__body' }, paletteBox, canvas, panel), preview);
  drawPalette();

  function drawPalette() {
    const groups = GROUPS.filter((g) => ctx.palette.some((e) => e.group === g));
    for (const g of new Set(ctx.palette.map((e) => e.group))) if (!groups.includes(g)) groups.push(g);
    append(paletteBox, [
      h('h2', null, w('palette')),
      h('p', { class: 'fw-muted' }, w('palette_hint')),
      groups.map((group) => h('div', { class: 'fw-designer__group' },
        h('h3', null, w(`group_${group}`) === `group_${group}` ? group : w(`group_${group}`)),
        h('ul', null, ctx.palette.filter((e) => e.group === group).map((entry) =>
          h('li', null, h('button', {
            type: 'button',
            class: 'fw-designer__tool',
            draggable: 'true',
            dataset: { paletteKey: entry.key },
            title: entry.key,
            onDragstart: (/** @type {DragEvent} */ e) => e.dataTransfer?.setData(DRAG_TYPE, `palette:${entry.key}`),
            onClick: () => addFromPalette(entry.key, null),
          }, pick(entry.label, ctx.lang))))))),
    ]);
  }

  /**
   * Add a field of a palette type at `place` (default: after the selection, else at the end).
   * @param {string} type
   * @param {m.Place | null} place
   */
  function addFromPalette(type, place) {
    const entry = entries.get(type);
    if (!entry) return;
    const field = m.newField(ctx.model.doc, entry);
    let target = place;
    if (!target && state.selected) {
      const at = m.placeOf(ctx.model.doc, state.selected);
      if (at) target = { ...at, index: at.index + 1 };
    }
    if (!target && m.hasSections(ctx.model.doc)) target = defaultPlace(ctx.model.doc);
    state.selected = field.key;
    if (!run(c.addField, { field, place: target })) state.selected = null;
  }

  /**
   * Where a new field goes without a selection: the end of the shown tab, else of the last
   * top-level section.
   * @param {m.Doc} doc
   * @returns {m.Place | null}
   */
  function defaultPlace(doc) {
    const blocks = m.canvasBlocks(doc) || [];
    const tabs = blocks.find((b) => b.kind === 'tabs');
    if (tabs && tabs.kind === 'tabs' && tabs.tabs.length) {
      const active = Math.min(state.activeTabs.get(tabs.section) ?? 0, tabs.tabs.length - 1);
      const group = tabs.tabs[active].groups.at(-1);
      if (group) return { ...group.list, index: group.offset + group.keys.length };
    }
    const last = [...blocks].reverse().find((b) => b.kind === 'section');
    return last && last.kind === 'section' ? { ...last.group.list, index: last.group.keys.length } : null;
  }

  /**
   * What a drop means: a palette type or a field key, and where.
   * @param {DragEvent} e
   * @param {m.Place} place
   */
  function drop(e, place) {
    e.preventDefault();
    e.stopPropagation();
    const data = e.dataTransfer?.getData(DRAG_TYPE) || '';
    const [kind, key] = [data.slice(0, data.indexOf(':')), data.slice(data.indexOf(':') + 1)];
    if (kind === 'palette') addFromPalette(key, place);
    if (kind === 'field') {
      const old = m.placeOf(ctx.model.doc, key);
      if (!old) return;
      const same = lay.sameList(old, place);
      const index = same && old.index < place.index ? place.index - 1 : place.index;
      if (same && index === old.index) return;
      state.selected = key;
      run(c.moveField, { key, place: { ...place, index } });
    }
  }

  function drawTheCanvas() {
    const byField = problemsByField();
    drawCanvas(canvas, {
      doc: ctx.model.doc,
      lang: ctx.lang,
      w,
      run,
      selected: state.selected,
      activeTabs: state.activeTabs,
      showTab,
      problemsByField: byField,
      formProblems: state.problems.filter((p) => m.problemField(state.problemDoc, p) === null),
      entries,
      select,
      drop,
    });
    syncPreviewTabs();
  }

  /** The preview shows the tabs the canvas shows (its page script draws the tab strip). */
  function syncPreviewTabs() {
    const doc = frame.contentDocument;
    if (!doc) return;
    for (const [section, tab] of state.activeTabs) {
      const panel = doc.querySelector(
        `.fw-tabs[data-layout-index="${section}"] > .fw-tabs__panel[data-tab-index="${tab}"]`);
      const button = panel ? doc.getElementById(`${panel.id}-tab`) : null;
      if (button && button.getAttribute('aria-selected') !== 'true') button.click();
    }
  }

  /**
   * Show a tab of the tabs item at `section` (view state, not an edit).
   * @param {number} section
   * @param {number} tab
   */
  function showTab(section, tab) {
    state.activeTabs.set(section, tab);
    const place = state.selected ? m.placeOf(ctx.model.doc, state.selected) : null;
    if (place && place.section === section && place.tab !== undefined && place.tab !== tab) {
      state.selected = null; // the selection is not on the tab shown any more
      render();
      return;
    }
    drawTheCanvas();
  }

  /** The tab holding the selected field is the one shown. */
  function followSelection() {
    const place = state.selected ? m.placeOf(ctx.model.doc, state.selected) : null;
    if (place && place.tab !== undefined) state.activeTabs.set(/** @type {number} */ (place.section), place.tab);
  }

  /** @param {string | null} key */
  function select(key) {
    if (state.selected === key) return;
    state.selected = key;
    render();
  }

  function problemsByField() {
    /** @type {Map<string, Problem[]>} */
    const out = new Map();
    for (const p of state.problems) {
      const key = m.problemField(state.problemDoc, p);
      if (key) out.set(key, [...(out.get(key) || []), p]);
    }
    return out;
  }

  function drawPanel() {
    const focused = /** @type {HTMLElement | null} */ (panel.querySelector(':focus'));
    const focusName = focused?.getAttribute('name');
    const field = state.selected ? m.getField(ctx.model.doc, state.selected) : undefined;
    if (state.selected && !field) state.selected = null;
    const pctx = {
      model: ctx.model, run, lang: ctx.lang, w, app: ctx.app, formKey: ctx.formKey, select,
      functions: ctx.functions, evaluateFormula: ctx.evaluateFormula, redraw: drawPanel,
    };
    panel.replaceChildren(field
      ? fieldPanel(pctx, field, entries.get(field.type), problemsByField().get(field.key) || [])
      : formPanel(pctx));
    if (focusName) {
      const again = /** @type {HTMLElement | null} */ (panel.querySelector(`[name="${CSS.escape(focusName)}"]`));
      again?.focus();
    }
  }

  function render() {
    const title = /** @type {HTMLElement} */ (toolbar.querySelector('.fw-designer__title'));
    title.textContent = pick(ctx.model.doc.title, ctx.lang) || ctx.formKey;
    undoButton.toggleAttribute('disabled', !ctx.history.canUndo());
    redoButton.toggleAttribute('disabled', !ctx.history.canRedo());
    followSelection();
    drawTheCanvas();
    drawPanel();
  }

  return {
    render,
    /** The selected field key, or null. */
    selected: () => state.selected,
    select,
    /**
     * Problems from the server for the definition `doc` that was sent (pointers index into it).
     * @param {Problem[]} problems
     * @param {m.Doc} doc
     */
    setProblems(problems, doc) {
      state.problems = problems;
      state.problemDoc = doc;
      render();
    },
    problems: () => state.problems,
    /** @param {string} text @param {'info' | 'ok' | 'error' | 'busy'} kind */
    setStatus(text, kind) {
      status.textContent = text;
      status.dataset.kind = kind;
    },
    /** @param {(string | Node)[]} lines @param {'ok' | 'error'} kind */
    showMessage(lines, kind) {
      message.replaceChildren(...lines.map((line) => h('div', null, line)));
      message.dataset.kind = kind;
      message.hidden = lines.length === 0;
    },
    /** @param {string | null} html @param {string} [error] */
    setPreview(html, error) {
      if (html !== null) frame.srcdoc = html;
      previewError.hidden = !error;
      previewError.textContent = error || '';
    },
  };
}
