// @ts-check
/**
 * The condition builder: an element that edits a condition tree (decision 0002) as rows of
 * [field (shown by its label, stored by key)] [operator allowed for its type] [value input fitting
 * the type], inside `all` / `any` groups. Every edit calls `onChange(newTree)` with a new tree
 * and redraws the builder. The tree edits themselves are the pure functions of condition-tree.js.
 *
 * Test hooks: rows and groups carry `data-cond-path` ("" for the root, "0", "1.0", "2.not"…);
 * inputs carry `data-cond` = field | op | value | value-low | value-high | value-list | kind;
 * buttons carry `data-cond-action` = add-leaf | add-group | remove.
 */
import { h } from './dom.js';
import { pick, t } from './i18n.js';
import * as ct from './condition-tree.js';

const MESSAGES = {
  'zh-CN': {
    all: '满足以下全部条件', any: '满足以下任一条件', not: '不满足：',
    add_leaf: '添加条件', add_group: '添加条件组', remove: '删除',
    empty: '（无条件）', formula: '公式', other_field: '字段', no_fields: '没有可选的字段',
    yes: '是', no: '否', choose: '请选择', list_hint: '多个值用逗号分隔', low: '最小', high: '最大',
    eq: '等于', ne: '不等于', gt: '大于', gte: '大于等于', lt: '小于', lte: '小于等于',
    contains: '包含', not_contains: '不包含', starts_with: '开头是', in: '属于', not_in: '不属于',
    is_empty: '为空', is_not_empty: '不为空', between: '介于',
  },
  en: {
    all: 'All of these hold', any: 'Any of these holds', not: 'Not:',
    add_leaf: 'Add condition', add_group: 'Add group', remove: 'Remove',
    empty: '(no condition)', formula: 'Formula', other_field: 'field', no_fields: 'No fields to choose from',
    yes: 'Yes', no: 'No', choose: 'Choose', list_hint: 'Separate values with commas', low: 'from', high: 'to',
    eq: 'equals', ne: 'does not equal', gt: 'greater than', gte: 'at least', lt: 'less than', lte: 'at most',
    contains: 'contains', not_contains: 'does not contain', starts_with: 'starts with', in: 'is one of',
    not_in: 'is none of', is_empty: 'is empty', is_not_empty: 'is not empty', between: 'between',
  },
};

/**
 * @typedef {object} BuilderOptions
 * @property {ct.FieldInfo[]} fields  the fields a condition may test (key, type, label, options)
 * @property {(tree: Record<string, any>) => void} onChange
 * @property {string} [locale]
 * @property {string} [name]  prefix of the inputs' `name` (so a panel can keep focus)
 * @property {boolean} [disabled]
 */

/**
 * An element editing `tree` (null: no condition yet).
 * @param {Record<string, any> | null | undefined} tree
 * @param {BuilderOptions} options
 * @returns {HTMLElement}
 */
export function conditionBuilder(tree, { fields, onChange, locale = 'zh-CN', name = 'condition', disabled = false }) {
  let current = ct.rootGroup(tree);
  const say = (/** @type {string} */ key) => t(MESSAGES, key, {}, locale);
  const fieldOf = (/** @type {string} */ key) => fields.find((f) => f.key === key);
  const label = (/** @type {any} */ text, /** @type {string} */ fallback) => pick(text, locale) || fallback;
  const root = h('div', { class: 'fw-cond', dataset: { condBuilder: name } });

  /** @param {Record<string, any>} next */
  function commit(next) {
    current = next;
    draw();
    onChange(next);
  }

  /** @param {ct.Path} path */
  const pathText = (path) => path.join('.');
  /** @param {ct.Path} path @param {string} part */
  const inputName = (path, part) => `${name}.${pathText(path) || 'root'}.${part}`;

  /**
   * @param {ct.Path} path @param {string} part @param {any[]} choices [value, text][]
   * @param {any} selected @param {(value: string) => void} onPick
   */
  function select(path, part, choices, selected, onPick) {
    const known = choices.some(([value]) => String(value) === String(selected));
    return h('select', {
      name: inputName(path, part), disabled, dataset: { cond: part },
      onChange: (/** @type {Event} */ e) => onPick(/** @type {HTMLSelectElement} */ (e.target).value),
    },
    known ? null : h('option', { value: '', selected: true }, selected === undefined || selected === null || selected === '' ? say('choose') : String(selected)),
    choices.map(([value, text]) => h('option', { value: String(value), selected: known && String(value) === String(selected) }, text)));
  }

  /**
   * One value input fitting the field.
   * @param {ct.Path} path @param {string} part @param {ct.FieldInfo | undefined} field
   * @param {any} value @param {(value: any) => void} onValue
   */
  function valueInput(path, part, field, value, onValue) {
    const kind = ct.inputKind(field);
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'field' in value) {
      const other = fieldOf(value.field);
      return h('span', { class: 'fw-cond__ref', dataset: { cond: part } },
        `${say('other_field')} ${label(other?.label, value.field)}`);
    }
    if (kind === 'options') {
      const options = /** @type {any[]} */ (field?.options);
      return select(path, part, options.map((o) => [o.value, label(o.label, String(o.value))]), value,
        (picked) => onValue(options.find((o) => String(o.value) === picked)?.value ?? picked));
    }
    if (kind === 'boolean') {
      return select(path, part, [['true', say('yes')], ['false', say('no')]], value === null || value === undefined ? '' : String(value),
        (picked) => onValue(picked === 'true'));
    }
    const type = { number: 'number', date: 'date', datetime: 'datetime-local' }[/** @type {string} */ (kind)] || 'text';
    return h('input', {
      type, name: inputName(path, part), value: value ?? '', disabled, dataset: { cond: part },
      step: type === 'number' ? 'any' : null,
      'aria-label': say(part === 'value-low' ? 'low' : part === 'value-high' ? 'high' : 'eq'),
      onChange: (/** @type {Event} */ e) => onValue(ct.parseValue(/** @type {HTMLInputElement} */ (e.target).value, field)),
    });
  }

  /**
   * The input of an `in` / `not_in` list: a checkbox per option, else comma-separated text.
   * @param {ct.Path} path @param {ct.FieldInfo | undefined} field @param {any} value @param {(v: any[]) => void} onValue
   */
  function listInput(path, field, value, onValue) {
    const list = Array.isArray(value) ? value : [];
    if (ct.inputKind(field) === 'options') {
      const options = /** @type {any[]} */ (field?.options);
      return h('span', { class: 'fw-cond__list', dataset: { cond: 'value-list' } },
        options.map((o) => h('label', { class: 'fw-cond__choice' },
          h('input', {
            type: 'checkbox', disabled, checked: list.some((v) => String(v) === String(o.value)), value: String(o.value),
            onChange: (/** @type {Event} */ e) => {
              const on = /** @type {HTMLInputElement} */ (e.target).checked;
              const rest = list.filter((v) => String(v) !== String(o.value));
              onValue(on ? options.map((x) => x.value).filter((v) => v === o.value || rest.some((r) => String(r) === String(v))) : rest);
            },
          }), label(o.label, String(o.value)))));
    }
    return h('input', {
      type: 'text', name: inputName(path, 'value-list'), disabled, dataset: { cond: 'value-list' },
      value: list.map((v) => String(v ?? '')).join(', '), placeholder: say('list_hint'), title: say('list_hint'),
      onChange: (/** @type {Event} */ e) => onValue(ct.parseList(/** @type {HTMLInputElement} */ (e.target).value, field)),
    });
  }

  /** @param {ct.Path} path */
  function removeButton(path) {
    if (disabled) return null;
    return h('button', {
      type: 'button', class: 'fw-button fw-button--link fw-cond__remove', title: say('remove'), 'aria-label': say('remove'),
      dataset: { condAction: 'remove' }, onClick: () => commit(ct.removeAt(current, path)),
    }, '×');
  }

  /** @param {Record<string, any>} node @param {ct.Path} path */
  function leafRow(node, path) {
    if ('formula' in node) {
      return h('div', { class: 'fw-cond__row', dataset: { condPath: pathText(path) } },
        h('span', { class: 'fw-cond__formula' }, `${say('formula')}: ${String(node.formula)}`), removeButton(path));
    }
    const field = fieldOf(node.field);
    const set = (/** @type {Record<string, any>} */ next) => commit(ct.setAt(current, path, next));
    const fieldChoices = fields.map((f) => [f.key, label(f.label, f.key)]);
    const ops = ct.opsOf(field);
    const opChoices = (ops.includes(node.op) ? ops : [node.op, ...ops]).map((op) => [op, say(op)]);
    const shape = ct.valueShape(node.op);
    /** @param {any} value */
    const setValue = (value) => set({ ...node, value });
    let value = null;
    if (shape === 'single') {
      value = valueInput(path, 'value', field, node.value, setValue);
    } else if (shape === 'list') {
      value = listInput(path, field, node.value, setValue);
    } else if (shape === 'pair') {
      const pair = Array.isArray(node.value) ? node.value : [null, null];
      value = h('span', { class: 'fw-cond__pair' },
        valueInput(path, 'value-low', field, pair[0], (low) => setValue([low, pair[1] ?? null])),
        ' – ',
        valueInput(path, 'value-high', field, pair[1], (high) => setValue([pair[0] ?? null, high])));
    }
    return h('div', { class: 'fw-cond__row', dataset: { condPath: pathText(path) } },
      select(path, 'field', fieldChoices, node.field, (key) => {
        const to = fieldOf(key);
        if (to) set(ct.changeField(node, field, to));
      }),
      select(path, 'op', opChoices, node.op, (op) => set(ct.changeOp(node, op, field))),
      value,
      removeButton(path));
  }

  /** @param {Record<string, any>} node @param {ct.Path} path @returns {HTMLElement} */
  function nodeView(node, path) {
    const kind = ct.groupKind(node);
    if (kind) return groupView(node, kind, path);
    if (node && typeof node === 'object' && 'not' in node) {
      return h('div', { class: 'fw-cond__not', dataset: { condPath: pathText(path) } },
        h('div', { class: 'fw-cond__head' }, h('span', null, say('not')), removeButton(path)),
        nodeView(node.not, [...path, 'not']));
    }
    return leafRow(node, path);
  }

  /** @param {Record<string, any>} node @param {'all' | 'any'} kind @param {ct.Path} path */
  function groupView(node, kind, path) {
    /** @type {any[]} */
    const items = node[kind];
    const firstField = fields[0];
    return h('div', { class: `fw-cond__group${path.length ? ' fw-cond__group--nested' : ''}`, dataset: { condPath: pathText(path) } },
      h('div', { class: 'fw-cond__head' },
        select(path, 'kind', [['all', say('all')], ['any', say('any')]], kind,
          (picked) => commit(ct.setGroupKind(current, path, picked === 'any' ? 'any' : 'all'))),
        path.length ? removeButton(path) : null),
      items.length ? items.map((item, i) => nodeView(item, [...path, i])) : h('p', { class: 'fw-cond__empty' }, say('empty')),
      disabled ? null : h('div', { class: 'fw-cond__actions' },
        firstField
          ? h('button', { type: 'button', class: 'fw-button', dataset: { condAction: 'add-leaf' },
            onClick: () => commit(ct.addLeaf(current, path, ct.newLeaf(firstField))) }, `+ ${say('add_leaf')}`)
          : h('span', { class: 'fw-muted' }, say('no_fields')),
        h('button', { type: 'button', class: 'fw-button', dataset: { condAction: 'add-group' },
          onClick: () => commit(ct.addGroup(current, path, kind === 'all' ? 'any' : 'all')) }, `+ ${say('add_group')}`)));
  }

  function draw() {
    if (typeof root.replaceChildren === 'function') root.replaceChildren(nodeView(current, []));
    else {
      /** @type {any} */ (root).children = [];
      root.appendChild(nodeView(current, []));
    }
  }

  draw();
  return root;
}
