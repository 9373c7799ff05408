// @ts-check
/**
 * The form designer's view: toolbar, palette, canvas (sections and field cards), the property
 * panel (panel.js) and the preview frame. It draws the model, turns gestures (drag and drop,
 * clicks) into commands and keeps only view state: the selection, problems, the preview width.
 */
import { append, h } from '../core/dom.js';
import { pick, t } from '../core/i18n.js';
import { historyLabel } from '../core/versions.js';
import * as c from './commands.js';
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
 */

const GROUPS = ['basic', 'choice', 'people', 'advanced'];
const DRAG_TYPE = 'text/plain';

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
    if (!target && m.hasSections(ctx.model.doc)) {
      const sections = m.canvasSections(ctx.model.doc);
      const last = sections[sections.length - 1];
      if (last && last.section !== null) target = { section: last.section, index: last.keys.length };
    }
    state.selected = field.key;
    if (!run(c.addField, { field, place: target })) state.selected = null;
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
      const sameList = (old.section ?? null) === (place.section ?? null);
      const index = sameList && old.index < place.index ? place.index - 1 : place.index;
      if (sameList && index === old.index) return;
      state.selected = key;
      run(c.moveField, { key, place: { ...place, index } });
    }
  }

  /** @param {Element} el */
  const allowDrop = (el) => {
    el.addEventListener('dragover', (/** @type {Event} */ e) => {
      e.preventDefault();
      el.classList.add('fw-drop--over');
    });
    el.addEventListener('dragleave', () => el.classList.remove('fw-drop--over'));
  };

  function drawCanvas() {
    const doc = ctx.model.doc;
    const byField = problemsByField();
    const formProblems = state.problems.filter((p) => m.problemField(state.problemDoc, p) === null);
    canvas.replaceChildren();
    if (formProblems.length) {
      canvas.appendChild(h('ul', { class: 'fw-designer__problems', 'aria-label': w('form_problems') },
        formProblems.map((p) => h('li', { dataset: { problemCode: p.code, pointer: p.pointer || '' } }, p.message))));
    }
    for (const section of m.canvasSections(doc)) {
      const list = h('ol', { class: 'fw-designer__fields', dataset: { columns: String(section.columns) } });
      const placeAt = (/** @type {number} */ index) =>
        section.section === null ? { index } : { section: section.section, index };
      section.keys.forEach((key, index) => {
        const field = m.getField(doc, key);
        if (field) list.appendChild(fieldCard(field, byField.get(key) || [], placeAt(index), placeAt(index + 1)));
      });
      const tail = h('li', {
        class: 'fw-designer__drop',
        onDrop: (/** @type {DragEvent} */ e) => drop(e, placeAt(section.keys.length)),
      }, section.keys.length || section.section !== null ? w('drop_here') : w('empty_canvas'));
      allowDrop(tail);
      list.appendChild(tail);
      canvas.appendChild(section.section === null
        ? h('div', { class: 'fw-designer__section' }, list)
        : sectionBox(section, list));
    }
    const offCanvas = (doc.fields || []).filter((/** @type {any} */ f) => !m.placeOf(doc, f.key));
    if (offCanvas.length) {
      canvas.appendChild(h('div', { class: 'fw-designer__section fw-designer__section--off' },
        h('h3', null, w('hidden')),
        h('ol', { class: 'fw-designer__fields' }, offCanvas.map((/** @type {any} */ f) => fieldCard(f, byField.get(f.key) || [], null, null)))));
    }
    canvas.appendChild(h('button', {
      type: 'button', class: 'fw-button fw-designer__add-section', dataset: { action: 'add-section' },
      onClick: () => run(c.addSection, {}),
    }, `+ ${w('add_section')}`));
  }

  /**
   * @param {{section: number | null, title?: any, columns: number}} section
   * @param {HTMLElement} list
   */
  function sectionBox(section, list) {
    const index = /** @type {number} */ (section.section);
    const title = h('input', {
      class: 'fw-designer__section-title', value: pick(section.title, ctx.lang), placeholder: w('section_title'),
      'aria-label': w('section_title'),
      onChange: (/** @type {Event} */ e) => run(c.setSection, {
        index, name: 'title', value: m.withText(section.title, ctx.lang, /** @type {HTMLInputElement} */ (e.target).value),
      }),
    });
    const columns = h('select', {
      'aria-label': w('columns'), title: w('columns'),
      onChange: (/** @type {Event} */ e) => run(c.setSection, { index, name: 'columns', value: Number(/** @type {HTMLSelectElement} */ (e.target).value) }),
    }, [1, 2, 3, 4].map((n) => h('option', { value: String(n), selected: n === section.columns }, n === 1 ? w('one_column') : w('n_columns', { n }))));
    return h('div', { class: 'fw-designer__section', dataset: { section: String(index) } },
      h('div', { class: 'fw-designer__section-head' }, title, columns,
        h('button', { type: 'button', class: 'fw-button fw-button--link', title: w('remove_section'), onClick: () => run(c.removeSection, { index }) }, '×')),
      list);
  }

  /**
   * @param {any} field
   * @param {Problem[]} problems
   * @param {m.Place | null} before  the place of this card (a drop on its upper half)
   * @param {m.Place | null} after   the place after it (a drop on its lower half)
   */
  function fieldCard(field, problems, before, after) {
    const entry = entries.get(field.type);
    const card = h('li', {
      class: `fw-designer__field${state.selected === field.key ? ' fw-designer__field--selected' : ''}${problems.length ? ' fw-designer__field--problem' : ''}`,
      tabindex: '0',
      draggable: before ? 'true' : null,
      dataset: { fieldKey: field.key, fieldType: field.type },
      onClick: () => select(field.key),
      onKeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter') select(field.key); },
      onDragstart: (/** @type {DragEvent} */ e) => e.dataTransfer?.setData(DRAG_TYPE, `field:${field.key}`),
    },
    h('span', { class: 'fw-designer__field-label' }, pick(field.label, ctx.lang), field.required ? h('b', { class: 'fw-required' }, ' *') : null),
    h('span', { class: 'fw-designer__field-meta' }, entry ? pick(entry.label, ctx.lang) : field.type, ' · ', h('code', null, field.key)),
    problems.map((p) => h('span', { class: 'fw-designer__problem', dataset: { problemCode: p.code }, title: p.message }, p.message)));
    if (before && after) {
      card.addEventListener('dragover', (/** @type {DragEvent} */ e) => {
        e.preventDefault();
        card.classList.toggle('fw-drop--before', isUpperHalf(card, e));
        card.classList.toggle('fw-drop--after', !isUpperHalf(card, e));
      });
      card.addEventListener('dragleave', () => card.classList.remove('fw-drop--before', 'fw-drop--after'));
      card.addEventListener('drop', (/** @type {DragEvent} */ e) => drop(e, isUpperHalf(card, e) ? before : after));
    }
    return card;
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
    const pctx = { model: ctx.model, run, lang: ctx.lang, w, app: ctx.app, formKey: ctx.formKey, select };
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
    drawCanvas();
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

/**
 * @param {HTMLElement} el
 * @param {DragEvent} e
 */
function isUpperHalf(el, e) {
  const rect = el.getBoundingClientRect();
  return e.clientY < rect.top + rect.height / 2;
}
