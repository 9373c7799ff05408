// @ts-check
/**
 * Version history for both designers: `versionsPanel({app, kind, key, api, locale, onRestore,
 * current})` → a dialog element listing the published versions (number, time, summary), two
 * choices A and B (a version, or B = the draft in the editor) and what changed from A to B:
 * fields / nodes / edges added, removed and changed (each changed property old → new), other
 * changed paths, and the two documents' JSON side by side with the changed lines marked.
 * "Restore as draft" hands that version's document to `onRestore` (the designer runs it as one
 * undoable command and saves the draft; nothing is published).
 * The diff is computed here (core/definition-diff.js, the shape of the server's …/diff) because
 * the editor's draft may not be saved yet and the JSON view needs both documents anyway.
 */
import { api as defaultApi } from './api.js';
import { diffDefinitions, isEmpty, shortValue, sideBySide } from './definition-diff.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export const WORDS = {
  'zh-CN': {
    title: '历史版本',
    close: '关闭',
    loading: '加载中…',
    none: '还没有发布过的版本',
    version: '版本',
    time: '发布时间',
    summary: '变更摘要',
    from: 'A',
    to: 'B',
    draft: '当前草稿',
    restore: '恢复为草稿',
    restored: '已将 v{version} 恢复为草稿（可撤销）',
    restore_failed: '恢复失败：{message}',
    compare: '比较 {from} → {to}',
    no_changes: '没有变化',
    fields: '字段',
    nodes: '节点',
    edges: '连线',
    added: '新增',
    removed: '删除',
    changed: '修改',
    other: '其他',
    json: 'JSON 对照',
    failed: '加载失败：{message}',
  },
  en: {
    title: 'History',
    close: 'Close',
    loading: 'Loading…',
    none: 'No published version yet',
    version: 'Version',
    time: 'Published',
    summary: 'Summary',
    from: 'A',
    to: 'B',
    draft: 'Current draft',
    restore: 'Restore as draft',
    restored: 'v{version} restored as the draft (undoable)',
    restore_failed: 'Restore failed: {message}',
    compare: 'Compare {from} → {to}',
    no_changes: 'No changes',
    fields: 'Fields',
    nodes: 'Nodes',
    edges: 'Edges',
    added: 'added',
    removed: 'removed',
    changed: 'changed',
    other: 'Other',
    json: 'JSON side by side',
    failed: 'Could not load: {message}',
  },
};

/**
 * The designers' toolbar button text ("历史版本" / "History").
 * @param {string} lang
 */
export const historyLabel = (lang) => t(WORDS, 'title', {}, lang);

/**
 * @typedef {object} PanelOptions
 * @property {string} app
 * @property {'forms' | 'flows' | string} kind
 * @property {string} key
 * @property {typeof defaultApi} [api]
 * @property {string} locale
 * @property {((doc: any, version: number) => Promise<unknown> | unknown) | null} [onRestore]
 *   runs the restore in the designer; left out (read-only) there is no restore button
 * @property {() => any} [current]  the editor's document now (the "draft" side); without it the
 *   stored draft is fetched
 * @property {() => void} [onClose]
 */

/**
 * @param {PanelOptions} options
 * @returns {HTMLElement & {ready?: Promise<void>}}
 */
export function versionsPanel({ app, kind, key, api = defaultApi, locale: lang, onRestore = null, current, onClose }) {
  const w = (/** @type {string} */ word, /** @type {Record<string, unknown>} */ params = {}) => t(WORDS, word, params, lang);
  const base = `/api/apps/${encodeURIComponent(app)}/${encodeURIComponent(kind)}/${encodeURIComponent(key)}`;
  /** @type {Map<number, any>} documents of published versions, fetched once */
  const docs = new Map();
  /** @type {{from: number | null, to: number | 'draft'}} */
  const pick = { from: null, to: 'draft' };
  /** @type {any[]} */
  let versions = [];

  const list = h('div', { class: 'fw-versions__list' }, w('loading'));
  const result = h('div', { class: 'fw-versions__diff', 'data-diff': '' });
  const note = h('p', { class: 'fw-versions__note', role: 'status', hidden: true });
  const close = () => {
    root.remove();
    onClose?.();
  };
  const root = /** @type {HTMLElement & {ready?: Promise<void>}} */ (h('div', { class: 'fw-versions', 'data-versions': kind },
    h('div', { class: 'fw-versions__box', role: 'dialog', 'aria-modal': 'true', 'aria-label': w('title') },
      h('div', { class: 'fw-versions__head' },
        h('h2', null, w('title')),
        h('button', { type: 'button', class: 'fw-button', 'data-action': 'close-history', onClick: close }, w('close'))),
      note, list, result)));
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  });

  /** @param {string} text @param {'ok' | 'error'} kind */
  function say(text, kind) {
    note.textContent = text;
    note.dataset.kind = kind;
    note.hidden = false;
  }

  /** @param {number} version */
  async function versionDoc(version) {
    if (!docs.has(version)) docs.set(version, (await api(`${base}/versions/${version}`)).definition);
    return docs.get(version);
  }

  async function draftDoc() {
    if (current) return current();
    return (await api(base)).definition;
  }

  /** @param {string | Date} iso */
  function when(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString(lang);
  }

  function drawList() {
    if (!versions.length) {
      list.replaceChildren(h('p', { class: 'fw-muted', 'data-versions-empty': '' }, w('none')));
      return;
    }
    /** @param {'from' | 'to'} side @param {number | 'draft'} value */
    const radio = (side, value) => h('input', {
      type: 'radio', name: `fw-versions-${side}`, value: String(value), 'aria-label': `${w(side)} ${value}`,
      checked: pick[side] === value,
      onChange: () => {
        /** @type {any} */ (pick)[side] = value;
        void compare();
      },
    });
    const rows = [...versions].reverse().map((row) => h('tr', { 'data-version-row': String(row.version) },
      h('td', null, radio('from', row.version)),
      h('td', null, radio('to', row.version)),
      h('td', null, h('strong', null, `v${row.version}`)),
      h('td', null, when(row.created_at), row.created_by ? h('span', { class: 'fw-versions__by' }, ` · ${row.created_by}`) : null),
      h('td', null, row.summary || ''),
      h('td', null, onRestore
        ? h('button', { type: 'button', class: 'fw-button', 'data-action': 'restore', 'data-version': String(row.version), onClick: () => void restore(row.version) }, w('restore'))
        : null)));
    const draftRow = h('tr', { 'data-version-row': 'draft' },
      h('td', null), h('td', null, radio('to', 'draft')), h('td', null, h('em', null, w('draft'))), h('td', null), h('td', null), h('td', null));
    list.replaceChildren(h('table', { class: 'fw-table fw-versions__table' },
      h('thead', null, h('tr', null, h('th', null, w('from')), h('th', null, w('to')), h('th', null, w('version')), h('th', null, w('time')), h('th', null, w('summary')), h('th', null))),
      h('tbody', null, draftRow, rows)));
  }

  /** @param {number | 'draft'} side */
  const nameOf = (side) => (side === 'draft' ? w('draft') : `v${side}`);

  async function compare() {
    if (pick.from === null) return;
    const from = pick.from;
    const to = pick.to;
    result.dataset.state = 'loading';
    try {
      const before = await versionDoc(from);
      const after = to === 'draft' ? await draftDoc() : await versionDoc(to);
      if (pick.from !== from || pick.to !== to) return; // a newer choice is on its way
      drawDiff(before, after, from, to);
    } catch (error) {
      result.replaceChildren(h('p', { class: 'fw-versions__error' }, w('failed', { message: String(/** @type {Error} */ (error).message || error) })));
    }
    result.dataset.state = 'ready';
    result.dataset.from = String(from);
    result.dataset.to = String(to);
  }

  /**
   * @param {any} before
   * @param {any} after
   * @param {number} from
   * @param {number | 'draft'} to
   */
  function drawDiff(before, after, from, to) {
    const diff = diffDefinitions(before, after);
    /** @type {HTMLElement[]} */
    const blocks = [];
    for (const list of /** @type {const} */ (['fields', 'nodes', 'edges'])) {
      const d = diff[list];
      if (!d) continue;
      /** @type {HTMLElement[]} */
      const items = [];
      for (const what of /** @type {const} */ (['added', 'removed'])) {
        for (const id of d[what]) items.push(h('li', { class: `fw-versions__${what}`, 'data-change': `${list}.${what}`, 'data-id': id }, `${w(what)}: `, h('code', null, id)));
      }
      for (const change of d.changed) {
        items.push(h('li', { class: 'fw-versions__changed', 'data-change': `${list}.changed`, 'data-id': change.id },
          `${w('changed')}: `, h('code', null, change.id),
          h('ul', null, change.changes.map((c) => h('li', { 'data-path': c.path },
            h('code', null, c.path), ' ', h('del', null, shortValue(c.from)), ' → ', h('ins', null, shortValue(c.to)))))));
      }
      if (items.length) blocks.push(h('div', { class: 'fw-versions__group' }, h('h3', null, w(list)), h('ul', null, items)));
    }
    if (diff.other.length) {
      blocks.push(h('div', { class: 'fw-versions__group' }, h('h3', null, w('other')),
        h('ul', null, diff.other.map((c) => h('li', { 'data-change': 'other', 'data-path': c.path },
          h('code', null, c.path), ' ', h('del', null, shortValue(c.from)), ' → ', h('ins', null, shortValue(c.to)))))));
    }
    const rows = sideBySide(before, after);
    const cell = (/** @type {number | null} */ no, /** @type {string | null} */ text) => [
      h('td', { class: 'fw-versions__no' }, no === null ? '' : String(no)),
      h('td', { class: 'fw-versions__code' }, text ?? ''),
    ];
    const json = h('table', { class: 'fw-versions__json', 'data-json': '' },
      h('colgroup', null, h('col', { class: 'fw-versions__col-no' }), h('col'), h('col', { class: 'fw-versions__col-no' }), h('col')),
      h('thead', null, h('tr', null, h('th', { colspan: '2' }, nameOf(from)), h('th', { colspan: '2' }, nameOf(to)))),
      h('tbody', null, rows.map((r) => h('tr', { class: `fw-versions__line--${r.kind}`, 'data-line': r.kind }, cell(r.leftNo, r.left), cell(r.rightNo, r.right)))));
    result.replaceChildren(
      h('h3', null, w('compare', { from: nameOf(from), to: nameOf(to) })),
      ...(isEmpty(diff) ? [h('p', { 'data-no-changes': '' }, w('no_changes'))] : blocks),
      h('details', { class: 'fw-versions__json-box', open: true }, h('summary', null, w('json')), h('div', { class: 'fw-versions__scroll' }, json)));
  }

  /** @param {number} version */
  async function restore(version) {
    if (!onRestore) return;
    try {
      const doc = await versionDoc(version);
      await onRestore(structuredClone(doc), version);
      say(w('restored', { version }), 'ok');
      root.dataset.restored = String(version);
      // show the restored version against the draft: no changes left
      pick.from = version;
      pick.to = 'draft';
      drawList();
      await compare();
    } catch (error) {
      say(w('restore_failed', { message: String(/** @type {Error} */ (error).message || error) }), 'error');
    }
  }

  async function load() {
    try {
      const out = await api(`${base}/versions`);
      versions = (out.items || []).filter((/** @type {any} */ row) => row.status === 'published');
    } catch (error) {
      // a definition never stored has no versions (404): an empty history, not an error
      if (/** @type {any} */ (error)?.status !== 404) {
        list.replaceChildren(h('p', { class: 'fw-versions__error' }, w('failed', { message: String(/** @type {Error} */ (error).message || error) })));
        root.dataset.state = 'ready';
        return;
      }
      versions = [];
    }
    if (versions.length >= 2) {
      pick.from = versions[versions.length - 2].version;
      pick.to = versions[versions.length - 1].version;
    } else if (versions.length === 1) {
      pick.from = versions[0].version;
      pick.to = 'draft';
    }
    drawList();
    await compare();
    root.dataset.state = 'ready';
  }

  root.ready = load();
  return root;
}
