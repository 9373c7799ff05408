// @ts-check
/**
 * The record list page (runtime/pages/templates/records.html): a filter bar (field, an operator
 * its type allows, a value) written into the URL's `filter`, and a column chooser kept in
 * localStorage. Sort, search and pages are plain links and a GET form, so they work without this
 * script; every parameter stays in the URL, so a reload or a shared link shows the same view.
 * The server checks everything again. The exported functions are pure and run under Node.
 */
import { h } from '../core/dom.js';
import { locale as pageLocale, t } from '../core/i18n.js';
import * as ct from '../core/condition-tree.js';

const MESSAGES = {
  'zh-CN': {
    filters: '筛选', filters_n: '筛选 ({n})', columns: '列', add: '添加条件', apply: '应用筛选',
    clear: '清除筛选', remove: '删除条件', field: '字段', op: '条件', value: '值', low: '最小', high: '最大',
    list_hint: '多个值用逗号分隔', yes: '是', no: '否', choose: '请选择', custom: '当前链接带有一个复杂的筛选条件（共 {n} 项），这里只能清除它。',
    no_fields: '这个表单没有可筛选的字段', reset_columns: '恢复默认列',
    eq: '等于', ne: '不等于', gt: '大于', gte: '大于等于', lt: '小于', lte: '小于等于',
    contains: '包含', not_contains: '不包含', starts_with: '开头是', in: '属于', not_in: '不属于',
    is_empty: '为空', is_not_empty: '不为空', between: '介于',
  },
  en: {
    filters: 'Filters', filters_n: 'Filters ({n})', columns: 'Columns', add: 'Add condition', apply: 'Apply filters',
    clear: 'Clear filters', remove: 'Remove condition', field: 'Field', op: 'Condition', value: 'Value', low: 'from', high: 'to',
    list_hint: 'Separate values with commas', yes: 'Yes', no: 'No', choose: 'Choose', custom: 'This link carries an advanced filter ({n} conditions); you can only clear it here.',
    no_fields: 'This form has no fields to filter on', reset_columns: 'Default columns',
    eq: 'equals', ne: 'does not equal', gt: 'greater than', gte: 'at least', lt: 'less than', lte: 'at most',
    contains: 'contains', not_contains: 'does not contain', starts_with: 'starts with', in: 'is one of',
    not_in: 'is none of', is_empty: 'is empty', is_not_empty: 'is not empty', between: 'between',
  },
};

/** @typedef {{field: string, op: string, value?: any}} Leaf */
/** @typedef {{key: string, label: string, default: boolean}} Column */

/** @param {unknown} value @returns {value is Record<string, any>} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** @param {unknown} node @returns {node is Leaf} */
function isLeaf(node) {
  return isObject(node) && typeof node.field === 'string' && typeof node.op === 'string'
    && ct.ALL_OPS.includes(node.op) && !ct.isFieldRef(node.value)
    && Object.keys(node).every((key) => ['field', 'op', 'value'].includes(key));
}

/**
 * Count the leaves of any condition tree.
 * @param {unknown} node
 * @returns {number}
 */
function countLeaves(node) {
  if (!isObject(node)) return 0;
  if ('not' in node) return countLeaves(node.not);
  for (const key of ['all', 'any']) {
    if (Array.isArray(node[key])) return node[key].reduce((sum, child) => sum + countLeaves(child), 0);
  }
  return 'field' in node ? 1 : 0;
}

/**
 * The URL's `filter` as rows of the bar: `{all: [leaf…]}` or one leaf. Anything else (groups,
 * `any`, `not`, field comparisons) is `custom`: the bar can only clear it.
 * @param {string | null | undefined} text
 * @returns {{rows: Leaf[], custom: boolean, count: number}}
 */
export function rowsOf(text) {
  if (!text) return { rows: [], custom: false, count: 0 };
  let tree;
  try {
    tree = JSON.parse(text);
  } catch {
    return { rows: [], custom: true, count: 0 };
  }
  if (isLeaf(tree)) return { rows: [tree], custom: false, count: 1 };
  if (isObject(tree) && Object.keys(tree).length === 1 && Array.isArray(tree.all)
    && tree.all.every(isLeaf)) {
    return { rows: tree.all.map((leaf) => ({ ...leaf })), custom: false, count: tree.all.length };
  }
  return { rows: [], custom: true, count: countLeaves(tree) };
}

/**
 * Whether a row says enough to filter: operators that take a value need one.
 * @param {Leaf} leaf
 */
export function isComplete(leaf) {
  const shape = ct.valueShape(leaf.op);
  const blank = (/** @type {unknown} */ v) => v === null || v === undefined || v === '';
  if (shape === 'none') return true;
  if (shape === 'list') return Array.isArray(leaf.value) && leaf.value.length > 0;
  if (shape === 'pair') return Array.isArray(leaf.value) && leaf.value.length === 2 && !leaf.value.some(blank);
  return !blank(leaf.value);
}

/**
 * The `filter` parameter for the bar's rows ('' when no complete row is left).
 * @param {Leaf[]} rows
 * @returns {string}
 */
export function filterOf(rows) {
  const complete = rows.filter(isComplete).map((leaf) => (
    ct.valueShape(leaf.op) === 'none' ? { field: leaf.field, op: leaf.op } : { field: leaf.field, op: leaf.op, value: leaf.value }
  ));
  return complete.length ? JSON.stringify({ all: complete }) : '';
}

/**
 * A list query string with `changes` applied (empty values removed). Any change of the view
 * starts again at the first page, so the cursor always goes.
 * @param {string} search `location.search`
 * @param {Record<string, string | null | undefined>} changes
 * @returns {string} `?…` or ''
 */
export function withParams(search, changes) {
  const params = new URLSearchParams(search);
  params.delete('cursor');
  for (const [key, value] of Object.entries(changes)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The columns to show: the stored choice (known keys only, in column order), else the defaults.
 * @param {unknown} stored what localStorage held (parsed JSON)
 * @param {Column[]} columns
 * @returns {string[]}
 */
export function chosenColumns(stored, columns) {
  const known = Array.isArray(stored) ? new Set(stored.filter((k) => typeof k === 'string')) : new Set();
  const chosen = columns.filter((c) => known.has(c.key)).map((c) => c.key);
  return chosen.length ? chosen : columns.filter((c) => c.default).map((c) => c.key);
}

/**
 * The chosen columns with `key` switched on or off (in column order; at least one stays).
 * @param {string[]} chosen
 * @param {string} key
 * @param {Column[]} columns
 * @returns {string[]}
 */
export function toggleColumn(chosen, key, columns) {
  const set = new Set(chosen);
  if (set.has(key)) set.delete(key);
  else set.add(key);
  const next = columns.filter((c) => set.has(c.key)).map((c) => c.key);
  return next.length ? next : chosen;
}

/** @param {string} app @param {string} form */
export const storageKey = (app, form) => `formwork.columns.${app}.${form}`;

// ---------------------------------------------------------------------------------------------
// DOM (browser only)

/**
 * @typedef {{app: string, form: string, fields: ct.FieldInfo[], columns: Column[], filter: string}} Boot
 */

/**
 * The value input(s) of one row; edits write into `row.value` without redrawing.
 * @param {Leaf} row
 * @param {ct.FieldInfo | undefined} field
 * @param {(key: string) => string} say
 * @param {number} index
 */
function valueInputs(row, field, say, index) {
  const shape = ct.valueShape(row.op);
  const kind = ct.inputKind(field);
  const label = `${say('value')} ${index + 1}`;
  if (shape === 'none') return null;
  if (shape === 'list') {
    return h('input', {
      class: 'fw-input fw-filter__value', type: 'text', 'aria-label': label, placeholder: say('list_hint'),
      value: Array.isArray(row.value) ? row.value.join(', ') : '',
      dataset: { filter: 'value' },
      onInput: (/** @type {Event} */ e) => { row.value = ct.parseList(/** @type {HTMLInputElement} */ (e.target).value, field); },
    });
  }
  /** @param {any} current @param {(v: any) => void} set @param {string} aria @param {string} hook */
  const one = (current, set, aria, hook) => {
    if (kind === 'options' || kind === 'boolean') {
      const options = kind === 'boolean'
        ? [{ value: 'true', label: say('yes') }, { value: 'false', label: say('no') }]
        : (field?.options || []).map((o) => ({ value: String(o.value), label: String(o.label ?? o.value) }));
      return h('select', {
        class: 'fw-input fw-filter__value', 'aria-label': aria, dataset: { filter: hook },
        onChange: (/** @type {Event} */ e) => set(ct.parseValue(/** @type {HTMLSelectElement} */ (e.target).value, field)),
      }, options.map((o) => h('option', { value: o.value, selected: String(current) === o.value }, o.label)));
    }
    const type = kind === 'date' ? 'date' : kind === 'datetime' ? 'datetime-local' : 'text';
    return h('input', {
      class: 'fw-input fw-filter__value', type, 'aria-label': aria, dataset: { filter: hook },
      inputmode: kind === 'number' ? 'decimal' : null,
      value: current === null || current === undefined ? '' : String(current),
      onInput: (/** @type {Event} */ e) => set(ct.parseValue(/** @type {HTMLInputElement} */ (e.target).value, field)),
    });
  };
  if (shape === 'pair') {
    const pair = Array.isArray(row.value) ? row.value : [null, null];
    row.value = pair;
    return [
      one(pair[0], (v) => { pair[0] = v; }, `${label} ${say('low')}`, 'low'),
      h('span', { class: 'fw-filter__dash' }, '–'),
      one(pair[1], (v) => { pair[1] = v; }, `${label} ${say('high')}`, 'high'),
    ];
  }
  return one(row.value, (v) => { row.value = v; }, label, 'value');
}

/**
 * @param {HTMLElement} bar
 * @param {Boot} boot
 * @param {(key: string, params?: Record<string, unknown>) => string} say
 * @param {Location} where
 */
function mountFilterBar(bar, boot, say, where) {
  const parsed = rowsOf(boot.filter);
  const fields = boot.fields;
  const fieldOf = (/** @type {string} */ key) => fields.find((f) => f.key === key);
  /** @type {Leaf[]} */
  let rows = parsed.rows.filter((row) => fieldOf(row.field));
  const go = (/** @type {string} */ filter) => {
    where.assign(`${where.pathname}${withParams(where.search, { filter })}`);
  };

  function draw() {
    bar.replaceChildren();
    if (parsed.custom) {
      bar.append(
        h('p', { class: 'fw-filter__custom' }, say('custom', { n: parsed.count })),
        h('button', { type: 'button', class: 'fw-button', dataset: { filterAction: 'clear' }, onClick: () => go('') }, say('clear')),
      );
      return;
    }
    if (!fields.length) {
      bar.append(h('p', {}, say('no_fields')));
      return;
    }
    const list = h('ol', { class: 'fw-filter__rows' });
    rows.forEach((row, index) => {
      const field = fieldOf(row.field);
      const ops = ct.opsOf(field);
      list.append(h('li', { class: 'fw-filter__row', dataset: { filterRow: String(index) } },
        h('select', {
          class: 'fw-input fw-filter__field', 'aria-label': `${say('field')} ${index + 1}`, dataset: { filter: 'field' },
          onChange: (/** @type {Event} */ e) => {
            const to = fieldOf(/** @type {HTMLSelectElement} */ (e.target).value);
            if (to) rows[index] = /** @type {Leaf} */ (ct.changeField(row, field, to));
            draw();
          },
        }, fields.map((f) => h('option', { value: f.key, selected: f.key === row.field }, String(f.label ?? f.key)))),
        h('select', {
          class: 'fw-input fw-filter__op', 'aria-label': `${say('op')} ${index + 1}`, dataset: { filter: 'op' },
          onChange: (/** @type {Event} */ e) => {
            rows[index] = /** @type {Leaf} */ (ct.changeOp(row, /** @type {HTMLSelectElement} */ (e.target).value, field));
            draw();
          },
        }, ops.map((op) => h('option', { value: op, selected: op === row.op }, say(op)))),
        valueInputs(row, field, say, index),
        h('button', {
          type: 'button', class: 'fw-button fw-button--link fw-filter__remove', 'aria-label': `${say('remove')} ${index + 1}`,
          dataset: { filterAction: 'remove' },
          onClick: () => { rows = rows.filter((_, i) => i !== index); draw(); },
        }, '×'),
      ));
    });
    bar.append(list, h('div', { class: 'fw-filter__actions' },
      h('button', {
        type: 'button', class: 'fw-button', dataset: { filterAction: 'add' },
        onClick: () => {
          const last = rows.length ? fieldOf(rows[rows.length - 1].field) : undefined;
          rows = [...rows, /** @type {Leaf} */ (ct.newLeaf(last || fields[0]))];
          draw();
          const selects = bar.querySelectorAll('.fw-filter__value, .fw-filter__field');
          const target = selects[selects.length - 1];
          if (target instanceof HTMLElement) target.focus();
        },
      }, `+ ${say('add')}`),
      h('button', { type: 'button', class: 'fw-button fw-button--primary', dataset: { filterAction: 'apply' }, onClick: () => go(filterOf(rows)) }, say('apply')),
      boot.filter ? h('button', { type: 'button', class: 'fw-button fw-button--link', dataset: { filterAction: 'clear' }, onClick: () => go('') }, say('clear')) : null,
    ));
  }
  if (!rows.length && !parsed.custom && fields.length) rows = [/** @type {Leaf} */ (ct.newLeaf(fields[0]))];
  draw();
  return { count: parsed.custom ? parsed.count : parsed.rows.length };
}

/**
 * @param {Document} doc
 * @param {string[]} chosen
 * @param {Column[]} columns
 */
function showColumns(doc, chosen, columns) {
  const shown = new Set(chosen);
  for (const column of columns) {
    for (const el of Array.from(doc.querySelectorAll(`.fw-records__table [data-col="${CSS.escape(column.key)}"]`))) {
      /** @type {HTMLElement} */ (el).hidden = !shown.has(column.key);
    }
  }
}

/** @param {Storage | null} storage @param {string} key */
function readStored(storage, key) {
  try {
    return JSON.parse(storage?.getItem(key) || 'null');
  } catch {
    return null;
  }
}

/**
 * @param {Document} doc
 * @param {Boot} boot
 * @param {(key: string, params?: Record<string, unknown>) => string} say
 * @param {Storage | null} storage
 */
function columnMenu(doc, boot, say, storage) {
  const key = storageKey(boot.app, boot.form);
  let chosen = chosenColumns(readStored(storage, key), boot.columns);
  showColumns(doc, chosen, boot.columns);
  const save = () => {
    try {
      storage?.setItem(key, JSON.stringify(chosen));
    } catch {
      // Private mode or a full storage: the choice lasts for this page only.
    }
  };
  const boxes = boot.columns.map((column) => h('label', { class: 'fw-colmenu__item' },
    h('input', {
      type: 'checkbox', checked: chosen.includes(column.key), dataset: { column: column.key },
      onChange: () => {
        chosen = toggleColumn(chosen, column.key, boot.columns);
        save();
        sync();
      },
    }),
    ` ${column.label}`));
  const sync = () => {
    boxes.forEach((box, index) => {
      const input = box.querySelector('input');
      if (input) input.checked = chosen.includes(boot.columns[index].key);
    });
    showColumns(doc, chosen, boot.columns);
  };
  return h('details', { class: 'fw-colmenu', dataset: { columnsMenu: '' } },
    h('summary', { class: 'fw-button' }, say('columns')),
    h('div', { class: 'fw-colmenu__panel' }, boxes,
      h('button', {
        type: 'button', class: 'fw-button fw-button--link', dataset: { columnsAction: 'reset' },
        onClick: () => {
          chosen = chosenColumns(null, boot.columns);
          storage?.removeItem(key);
          sync();
        },
      }, say('reset_columns'))));
}

/** @param {Window} win @param {Document} doc */
function init(win, doc) {
  const bootEl = doc.getElementById('fw-records-boot');
  const bar = doc.querySelector('[data-filter-bar]');
  const tools = doc.querySelector('[data-js-tools]');
  if (!bootEl || !(bar instanceof HTMLElement) || !tools) return;
  /** @type {Boot} */
  const boot = JSON.parse(bootEl.textContent || '{}');
  const lang = pageLocale(doc);
  const say = (/** @type {string} */ key, /** @type {Record<string, unknown>} */ params = {}) => t(MESSAGES, key, params, lang);
  const { count } = mountFilterBar(bar, boot, say, win.location);
  bar.hidden = !boot.filter;
  const toggle = h('button', {
    type: 'button', class: 'fw-button', 'aria-expanded': String(!bar.hidden), 'aria-controls': 'fw-filter-bar',
    dataset: { action: 'filters' },
    onClick: () => {
      bar.hidden = !bar.hidden;
      toggle.setAttribute('aria-expanded', String(!bar.hidden));
    },
  }, count ? say('filters_n', { n: count }) : say('filters'));
  bar.id = 'fw-filter-bar';
  let storage = null;
  try {
    storage = win.localStorage;
  } catch {
    storage = null;
  }
  tools.replaceChildren(toggle, columnMenu(doc, boot, say, storage));
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  init(window, document);
}
