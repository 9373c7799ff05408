// @ts-check
/**
 * The form designer's canvas: top-level sections, tabs (a strip, the active tab's title and
 * tools, its loose fields and sections) and field cards, with the drop targets of drag and drop.
 * It draws from the model and turns clicks into commands through `ctx.run`; the view owns the
 * state it reads (selection, active tabs, problems).
 */
import { h } from '../core/dom.js';
import { pick, t } from '../core/i18n.js';
import * as c from './commands.js';
import * as lay from './layout.js';
import * as m from './model.js';
import { MESSAGES } from './words.js';

/** @typedef {import('./layout.js').Group} Group */
/** @typedef {import('./layout.js').Place} Place */
/** @typedef {{code: string, message: string, pointer?: string | null}} Problem */

/**
 * @typedef {object} CanvasContext
 * @property {m.Doc} doc
 * @property {string} lang
 * @property {(key: string, params?: Record<string, unknown>) => string} w
 * @property {(command: any, args: any) => boolean} run
 * @property {string | null} selected
 * @property {Map<number, number>} activeTabs  tabs item index → active tab
 * @property {(section: number, tab: number) => void} showTab
 * @property {Map<string, Problem[]>} problemsByField
 * @property {Problem[]} formProblems
 * @property {Map<string, any>} entries  palette entries by type
 * @property {(key: string | null) => void} select
 * @property {(e: DragEvent, place: Place) => void} drop
 */

export const DRAG_TYPE = 'text/plain';

/**
 * A tab title in both languages (`tab_n` / `first_tab` words).
 * @param {string} word
 * @param {Record<string, unknown>} [params]
 */
export function bothLanguages(word, params = {}) {
  return { 'zh-CN': t(MESSAGES, word, params, 'zh-CN'), en: t(MESSAGES, word, params, 'en') };
}

/**
 * Where a field dropped on a tab's button goes: the end of the tab's last section when the tab
 * ends with one, else the end of its loose keys.
 * @param {m.Doc} doc
 * @param {number} section
 * @param {number} tab
 * @returns {Place}
 */
export function tabEnd(doc, section, tab) {
  const items = doc.layout[section].tabs[tab].items || [];
  const last = items[items.length - 1];
  if (lay.isSection(last)) return { section, tab, sub: items.length - 1, index: (last.items || []).length };
  return { section, tab, index: items.length };
}

/**
 * @param {HTMLElement} canvas
 * @param {CanvasContext} ctx
 */
export function drawCanvas(canvas, ctx) {
  const { doc, w } = ctx;
  canvas.replaceChildren();
  if (ctx.formProblems.length) {
    canvas.appendChild(h('ul', { class: 'fw-designer__problems', 'aria-label': w('form_problems') },
      ctx.formProblems.map((p) => h('li', { dataset: { problemCode: p.code, pointer: p.pointer || '' } }, p.message))));
  }
  const blocks = m.canvasBlocks(doc);
  if (!blocks) {
    const keys = (doc.fields || []).map((/** @type {any} */ f) => f.key);
    canvas.appendChild(h('div', { class: 'fw-designer__section' },
      fieldList(ctx, { kind: 'loose', list: /** @type {any} */ (null), offset: 0, keys, columns: 1 }, w('empty_canvas'))));
  } else {
    const hasTabs = blocks.some((b) => b.kind === 'tabs');
    for (const block of blocks) {
      canvas.appendChild(block.kind === 'section' ? sectionBox(ctx, block.group, hasTabs) : tabsBox(ctx, block));
    }
  }
  const offCanvas = (doc.fields || []).filter((/** @type {any} */ f) => !m.placeOf(doc, f.key));
  if (offCanvas.length) {
    canvas.appendChild(h('div', { class: 'fw-designer__section fw-designer__section--off' },
      h('h3', null, w('hidden')),
      h('ol', { class: 'fw-designer__fields' }, offCanvas.map((/** @type {any} */ f) => fieldCard(ctx, f, null, null)))));
  }
  const hasTabs = (doc.layout || []).some(lay.isTabs);
  canvas.appendChild(h('div', { class: 'fw-designer__canvas-tools' },
    hasTabs ? null : h('button', {
      type: 'button', class: 'fw-button fw-designer__add-section', dataset: { action: 'add-section' },
      onClick: () => ctx.run(c.addSection, {}),
    }, `+ ${w('add_section')}`),
    hasTabs ? null : h('button', {
      type: 'button', class: 'fw-button', dataset: { action: 'add-tab' },
      onClick: () => {
        if (ctx.run(c.addTab, { title: bothLanguages('tab_n', { n: 2 }), firstTitle: bothLanguages('first_tab') })) {
          ctx.showTab(0, 1);
        }
      },
    }, `+ ${w('add_tabs')}`)));
}

/**
 * The list of a group's field cards plus a drop zone at its end.
 * @param {CanvasContext} ctx
 * @param {Group} group  `list` null: the form without layout
 * @param {string} [emptyText]
 */
function fieldList(ctx, group, emptyText) {
  const list = h('ol', { class: 'fw-designer__fields', dataset: { columns: String(group.columns) } });
  const placeAt = (/** @type {number} */ index) =>
    (group.list ? { ...group.list, index: group.offset + index } : { index });
  group.keys.forEach((key, index) => {
    const field = m.getField(ctx.doc, key);
    if (field) list.appendChild(fieldCard(ctx, field, placeAt(index), placeAt(index + 1)));
  });
  const tail = h('li', {
    class: 'fw-designer__drop',
    onDrop: (/** @type {DragEvent} */ e) => ctx.drop(e, placeAt(group.keys.length)),
  }, group.keys.length || !emptyText ? ctx.w('drop_here') : emptyText);
  allowDrop(tail);
  list.appendChild(tail);
  return list;
}

/**
 * A section with its head (title, columns, move to a tab, remove) and its fields.
 * @param {CanvasContext} ctx
 * @param {Group} group
 * @param {boolean} hasTabs
 */
function sectionBox(ctx, group, hasTabs) {
  const { w, lang, run, doc } = ctx;
  const inTab = group.list.tab !== undefined;
  const ref = inTab
    ? { list: { section: group.list.section, tab: group.list.tab }, index: /** @type {number} */ (group.list.sub) }
    : { index: group.list.section };
  const title = h('input', {
    class: 'fw-designer__section-title', value: pick(group.title, lang), placeholder: w('section_title'),
    'aria-label': w('section_title'),
    onChange: (/** @type {Event} */ e) => run(c.setSection, {
      ...ref, name: 'title', value: m.withText(group.title, lang, /** @type {HTMLInputElement} */ (e.target).value),
    }),
  });
  const columns = h('select', {
    'aria-label': w('columns'), title: w('columns'),
    onChange: (/** @type {Event} */ e) => run(c.setSection, { ...ref, name: 'columns', value: Number(/** @type {HTMLSelectElement} */ (e.target).value) }),
  }, [1, 2, 3, 4].map((n) => h('option', { value: String(n), selected: n === group.columns }, n === 1 ? w('one_column') : w('n_columns', { n }))));
  const tabsAt = (doc.layout || []).findIndex(lay.isTabs);
  const moveTo = hasTabs && tabsAt >= 0 ? h('select', {
    'aria-label': w('move_to_tab'), title: w('move_to_tab'), dataset: { action: 'section-to-tab' },
    onChange: (/** @type {Event} */ e) => {
      const tab = Number(/** @type {HTMLSelectElement} */ (e.target).value);
      const from = inTab ? group.list : { section: group.list.section };
      if (run(c.moveSection, { from, to: { section: tabsAt, tab } })) {
        ctx.showTab(tabsAt > group.list.section && !inTab ? tabsAt - 1 : tabsAt, tab);
      }
    },
  },
  h('option', { value: '', selected: true, disabled: true }, `${w('move_to_tab')}…`),
  doc.layout[tabsAt].tabs.map((/** @type {any} */ tab, /** @type {number} */ index) =>
    (inTab && index === group.list.tab ? null : h('option', { value: String(index) }, pick(tab.title, lang) || w('tab_n', { n: index + 1 })))))
    : null;
  return h('div', { class: 'fw-designer__section', dataset: { section: inTab ? `${group.list.section}/${group.list.tab}/${group.list.sub}` : String(group.list.section) } },
    h('div', { class: 'fw-designer__section-head' }, title, columns, moveTo,
      h('button', { type: 'button', class: 'fw-button fw-button--link', title: w('remove_section'), onClick: () => run(c.removeSection, ref) }, '×')),
    fieldList(ctx, group));
}

/**
 * A tabs item: the strip of tabs (each a drop target moving a field to that tab), the active
 * tab's title and tools, then its content.
 * @param {CanvasContext} ctx
 * @param {{section: number, tabs: {tab: number, key?: string, title: any, groups: Group[]}[]}} block
 */
function tabsBox(ctx, block) {
  const { w, lang, run, doc } = ctx;
  const { section, tabs } = block;
  const active = Math.min(ctx.activeTabs.get(section) ?? 0, tabs.length - 1);
  const current = tabs[active];
  const titleOf = (/** @type {{tab: number, title: any}} */ tab) => pick(tab.title, lang) || w('tab_n', { n: tab.tab + 1 });
  const strip = h('div', { class: 'fw-designer__tabstrip', role: 'tablist', 'aria-label': w('tabs') },
    tabs.map((tab) => {
      const button = h('button', {
        type: 'button', role: 'tab', class: 'fw-designer__tab',
        'aria-selected': String(tab.tab === active),
        draggable: 'true', title: w('tab_drag'),
        dataset: { tabIndex: String(tab.tab), tabKey: tab.key || '' },
        onClick: () => ctx.showTab(section, tab.tab),
        onDragstart: (/** @type {DragEvent} */ e) => e.dataTransfer?.setData(DRAG_TYPE, `tab:${section}/${tab.tab}`),
        onDrop: (/** @type {DragEvent} */ e) => {
          const from = draggedTab(e, section);
          if (from === null) {
            ctx.drop(e, tabEnd(doc, section, tab.tab)); // a field or palette item: into this tab
            return;
          }
          e.preventDefault();
          e.stopPropagation();
          // The dragged tab takes the place of the one it is dropped on.
          if (from !== tab.tab && run(c.moveTab, { section, tab: from, to: tab.tab })) ctx.showTab(section, tab.tab);
        },
      }, titleOf(tab));
      allowDrop(button);
      return button;
    }),
    h('button', {
      type: 'button', class: 'fw-button fw-button--link fw-designer__tab-add', dataset: { action: 'add-tab' },
      title: w('add_tab'),
      onClick: () => {
        if (run(c.addTab, { title: bothLanguages('tab_n', { n: tabs.length + 1 }) })) ctx.showTab(section, tabs.length);
      },
    }, `+ ${w('add_tab')}`));
  const head = h('div', { class: 'fw-designer__tab-head' },
    h('input', {
      class: 'fw-designer__section-title', value: pick(current.title, lang), placeholder: w('tab_title'),
      'aria-label': w('tab_title'), dataset: { tabTitle: String(active) },
      onChange: (/** @type {Event} */ e) => {
        const value = m.withText(current.title, lang, /** @type {HTMLInputElement} */ (e.target).value.trim());
        if (value) run(c.setTab, { section, tab: active, name: 'title', value });
      },
    }),
    h('button', {
      type: 'button', class: 'fw-button', title: w('tab_left'), dataset: { action: 'tab-left' }, disabled: active === 0,
      onClick: () => { if (run(c.moveTab, { section, tab: active, to: active - 1 })) ctx.showTab(section, active - 1); },
    }, '←'),
    h('button', {
      type: 'button', class: 'fw-button', title: w('tab_right'), dataset: { action: 'tab-right' }, disabled: active === tabs.length - 1,
      onClick: () => { if (run(c.moveTab, { section, tab: active, to: active + 1 })) ctx.showTab(section, active + 1); },
    }, '→'),
    h('button', {
      type: 'button', class: 'fw-button', dataset: { action: 'tab-add-section' },
      onClick: () => run(c.addSection, { list: { section, tab: active } }),
    }, `+ ${w('add_section')}`),
    h('button', {
      type: 'button', class: 'fw-button fw-button--link', title: w('remove_tab'), dataset: { action: 'remove-tab' },
      onClick: () => { if (run(c.removeTab, { section, tab: active })) ctx.showTab(section, Math.max(0, active - 1)); },
    }, `× ${w('remove_tab')}`));
  const out = h('div', {
    class: 'fw-designer__drop fw-designer__drop-out', dataset: { dropOut: String(section) },
    onDrop: (/** @type {DragEvent} */ e) => {
      e.preventDefault();
      e.stopPropagation();
      const data = e.dataTransfer?.getData(DRAG_TYPE) || '';
      if (!data.startsWith('field:')) return; // a new field goes into a tab or a section
      const key = data.slice('field:'.length);
      if (run(c.moveFieldOut, { key, section })) ctx.select(key);
    },
  }, w('drop_out_of_tabs'));
  allowDrop(out);
  return h('div', { class: 'fw-designer__tabs', dataset: { tabs: String(section) } },
    strip,
    h('div', { class: 'fw-designer__tabpanel', role: 'tabpanel', dataset: { tabPanel: String(active) } },
      head,
      current.groups.map((group) => (group.kind === 'section'
        ? sectionBox(ctx, group, true)
        : h('div', { class: 'fw-designer__section fw-designer__section--loose' }, fieldList(ctx, group, w('empty_tab')))))),
    out);
}

/**
 * The index of a tab of the tabs item at `section` being dragged, or null for anything else.
 * @param {DragEvent} e
 * @param {number} section
 */
function draggedTab(e, section) {
  const match = /^tab:(\d+)\/(\d+)$/.exec(e.dataTransfer?.getData(DRAG_TYPE) || '');
  return match && Number(match[1]) === section ? Number(match[2]) : null;
}

/**
 * @param {CanvasContext} ctx
 * @param {any} field
 * @param {Place | null} before  the place of this card (a drop on its upper half)
 * @param {Place | null} after   the place after it (a drop on its lower half)
 */
function fieldCard(ctx, field, before, after) {
  const problems = ctx.problemsByField.get(field.key) || [];
  const entry = ctx.entries.get(field.type);
  const card = h('li', {
    class: `fw-designer__field${ctx.selected === field.key ? ' fw-designer__field--selected' : ''}${problems.length ? ' fw-designer__field--problem' : ''}`,
    tabindex: '0',
    draggable: before ? 'true' : null,
    dataset: { fieldKey: field.key, fieldType: field.type },
    onClick: () => ctx.select(field.key),
    onKeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter') ctx.select(field.key); },
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
    card.addEventListener('drop', (/** @type {DragEvent} */ e) => ctx.drop(e, isUpperHalf(card, e) ? before : after));
  }
  return card;
}

/** @param {Element} el */
function allowDrop(el) {
  el.addEventListener('dragover', (/** @type {Event} */ e) => {
    e.preventDefault();
    el.classList.add('fw-drop--over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('fw-drop--over'));
}

/**
 * @param {HTMLElement} el
 * @param {DragEvent} e
 */
function isUpperHalf(el, e) {
  const rect = el.getBoundingClientRect();
  return e.clientY < rect.top + rect.height / 2;
}
