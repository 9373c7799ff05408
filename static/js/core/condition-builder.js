// @ts-check
/**
 * The condition builder: an element that edits a condition tree (decision 0002) as rows of
 * [field (shown by its label, stored by key)] [operator allowed for its type] [value input fitting
 * the type, or another field], inside `all` / `any` groups and their negations (`not all`,
 * `none of`). A single row may be negated too (`{not: leaf}`). A line-items field's columns are
 * offered as fields of their own (`items.amount`, tested over the whole column), and row tests
 * (`{some|every: 'items', where: …}`) test the columns of one row at a time. Formula leaves are
 * edited with the formula editor when the caller gives `formula` (functions, evaluate), else as
 * plain text. Every edit calls `onChange(newTree)` with a new tree and redraws the builder. The
 * tree edits themselves are the pure functions of condition-tree.js.
 *
 * Test hooks: rows and groups carry `data-cond-path` ("" for the root, "0", "1.0", "2.not",
 * "3.where.0"…); a group's path is that of the group node (a `not` group's items are under
 * `<path>.not`); inputs carry `data-cond` = field | op | value | value-low | value-high |
 * value-list | kind | source | value-field | source-low | source-high | value-field-low |
 * value-field-high | rows-mode | rows-field | formula; buttons carry `data-cond-action` =
 * add-leaf | add-group | add-not-group | add-rows | add-formula | negate | remove.
 */
import { h } from './dom.js';
import { formulaEditor } from './formula-editor.js';
import { pick, t } from './i18n.js';
import * as ct from './condition-tree.js';

const MESSAGES = {
  'zh-CN': {
    all: '满足以下全部条件', any: '满足以下任一条件', not: '不满足：',
    not_all: '不是全部满足以下条件', not_any: '以下条件都不满足',
    add_leaf: '添加条件', add_group: '添加条件组', add_not_group: '添加排除条件组', remove: '删除',
    add_rows: '添加明细行条件', add_formula: '添加公式条件', negate: '取反', unnegate: '取消取反',
    rows_some: '有一行满足', rows_every: '每一行都满足', rows_field: '明细字段', rows_help: '没有明细行时，“每一行都满足”成立',
    formula_text: '公式（结果为是/否）', low_source: '最小值来自', high_source: '最大值来自',
    source_value: '值', source_field: '另一字段', compare_with: '比较对象',
    col_contains: '有一行等于', col_not_contains: '没有一行等于', col_in: '有一行属于', col_not_in: '没有一行属于',
    col_is_empty: '没有明细行', col_is_not_empty: '有明细行',
    empty: '（无条件）', formula: '公式', other_field: '字段', no_fields: '没有可选的字段',
    yes: '是', no: '否', choose: '请选择', list_hint: '多个值用逗号分隔', low: '最小', high: '最大',
    eq: '等于', ne: '不等于', gt: '大于', gte: '大于等于', lt: '小于', lte: '小于等于',
    contains: '包含', not_contains: '不包含', starts_with: '开头是', in: '属于', not_in: '不属于',
    is_empty: '为空', is_not_empty: '不为空', between: '介于',
  },
  en: {
    all: 'All of these hold', any: 'Any of these holds', not: 'Not:',
    not_all: 'Not all of these hold', not_any: 'None of these holds',
    add_leaf: 'Add condition', add_group: 'Add group', add_not_group: 'Add "none of" group', remove: 'Remove',
    add_rows: 'Add row condition', add_formula: 'Add formula condition', negate: 'Negate', unnegate: 'Remove negation',
    rows_some: 'Some row has', rows_every: 'Every row has', rows_field: 'Line items', rows_help: 'With no rows, "every row" holds',
    formula_text: 'Formula (true or false)', low_source: 'Low bound from', high_source: 'High bound from',
    source_value: 'a value', source_field: 'another field', compare_with: 'Compare with',
    col_contains: 'some row equals', col_not_contains: 'no row equals', col_in: 'some row is one of', col_not_in: 'no row is one of',
    col_is_empty: 'has no rows', col_is_not_empty: 'has rows',
    empty: '(no condition)', formula: 'Formula', other_field: 'field', no_fields: 'No fields to choose from',
    yes: 'Yes', no: 'No', choose: 'Choose', list_hint: 'Separate values with commas', low: 'from', high: 'to',
    eq: 'equals', ne: 'does not equal', gt: 'greater than', gte: 'at least', lt: 'less than', lte: 'at most',
    contains: 'contains', not_contains: 'does not contain', starts_with: 'starts with', in: 'is one of',
    not_in: 'is none of', is_empty: 'is empty', is_not_empty: 'is not empty', between: 'between',
  },
};

/**
 * @typedef {object} BuilderOptions
 * @property {ct.FieldInfo[]} fields  the fields a condition may test (key, type, label, options,
 *   a formula's `result`, a line-items field's `columns`)
 * @property {(tree: Record<string, any>) => void} onChange
 * @property {string} [locale]
 * @property {string} [name]  prefix of the inputs' `name` (so a panel can keep focus)
 * @property {boolean} [disabled]
 * @property {{functions?: any[], evaluate: (expression: string, sample: any) => Promise<{ok: boolean, value?: any, text?: string, message?: string}>}} [formula]
 *   the formula editor's function list and live evaluation, for formula leaves
 */

/**
 * An element editing `tree` (null: no condition yet).
 * @param {Record<string, any> | null | undefined} tree
 * @param {BuilderOptions} options
 * @returns {HTMLElement}
 */
export function conditionBuilder(tree, { fields: given, onChange, locale = 'zh-CN', name = 'condition', disabled = false, formula }) {
  let current = ct.rootGroup(tree);
  /** @type {Map<string, ct.FieldInfo[]>} */
  const scopes = new Map();
  /** The fields offered inside row tests over `rows` (outermost first). @param {string[]} rows */
  const fieldsIn = (rows) => {
    const id = rows.join('/');
    if (!scopes.has(id)) scopes.set(id, ct.expandFields(given, rows));
    return /** @type {ct.FieldInfo[]} */ (scopes.get(id));
  };
  const lineItems = ct.rowFields(given);
  /** @type {Map<string, any>} */
  const formulaStates = new Map();
  const say = (/** @type {string} */ key) => t(MESSAGES, key, {}, locale);
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
      const other = fieldsIn([]).find((f) => f.key === value.field);
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

  /** Wrap the node at `path` in a `not`, or take a single node's `not` away. @param {ct.Path} path @param {boolean} negated */
  function negateButton(path, negated) {
    if (disabled || (!negated && path[path.length - 1] === 'not')) return null;
    const text = say(negated ? 'unnegate' : 'negate');
    return h('button', {
      type: 'button', class: `fw-button fw-button--link fw-cond__negate${negated ? ' fw-cond__negate--on' : ''}`,
      title: text, 'aria-label': text, 'aria-pressed': negated ? 'true' : 'false',
      dataset: { condAction: 'negate' }, onClick: () => commit(ct.toggleNot(current, path)),
    }, negated ? text : '¬');
  }

  /**
   * A one-value operator's value: typed, or (when there are comparable fields, or the leaf
   * already names one) another field picked by its label.
   * @param {ct.Path} path @param {Record<string, any>} node @param {ct.FieldInfo | undefined} field
   * @param {(next: Record<string, any>) => void} set @param {ct.FieldInfo[]} fields
   */
  function singleValue(path, node, field, set, fields) {
    const others = ct.comparableFields(fields, field);
    const isRef = ct.isFieldRef(node.value);
    const typed = isRef ? null : valueInput(path, 'value', field, node.value, (v) => set({ ...node, value: v }));
    if (!others.length && !isRef) return typed;
    const source = select(path, 'source', [['value', say('source_value')], ['field', say('source_field')]], isRef ? 'field' : 'value',
      (picked) => set(ct.setValueSource(node, picked === 'field' ? 'field' : 'value', fields, field)));
    source.setAttribute('aria-label', say('compare_with'));
    source.setAttribute('title', say('compare_with'));
    if (!isRef) return h('span', { class: 'fw-cond__value' }, source, typed);
    const choices = others.map((f) => [f.key, label(f.label, f.key)]);
    const other = select(path, 'value-field', choices, node.value.field,
      (key) => set(ct.setValueSource(node, 'field', fields, field, key)));
    return h('span', { class: 'fw-cond__value fw-cond__value--field' }, source, other);
  }

  /**
   * One bound of a `between`: typed, or another field (when there are comparable fields, or the
   * bound already names one).
   * @param {ct.Path} path @param {Record<string, any>} node @param {ct.FieldInfo | undefined} field
   * @param {0 | 1} index @param {(next: Record<string, any>) => void} set @param {ct.FieldInfo[]} fields
   */
  function boundValue(path, node, field, index, set, fields) {
    const pair = Array.isArray(node.value) ? node.value : [null, null];
    const end = index === 0 ? 'low' : 'high';
    const isRef = ct.isFieldRef(pair[index]);
    const others = ct.comparableFields(fields, field);
    const typed = isRef ? null : valueInput(path, `value-${end}`, field, pair[index],
      (v) => set({ ...node, value: index === 0 ? [v, pair[1] ?? null] : [pair[0] ?? null, v] }));
    if (!others.length && !isRef) return typed;
    const source = select(path, `source-${end}`, [['value', say('source_value')], ['field', say('source_field')]], isRef ? 'field' : 'value',
      (picked) => set(ct.setBoundSource(node, index, picked === 'field' ? 'field' : 'value', fields, field)));
    source.setAttribute('aria-label', say(`${end}_source`));
    source.setAttribute('title', say(`${end}_source`));
    if (!isRef) return h('span', { class: 'fw-cond__value' }, source, typed);
    const other = select(path, `value-field-${end}`, others.map((f) => [f.key, label(f.label, f.key)]), pair[index].field,
      (key) => set(ct.setBoundSource(node, index, 'field', fields, field, key)));
    return h('span', { class: 'fw-cond__value fw-cond__value--field' }, source, other);
  }

  /**
   * A formula leaf: the formula editor (pickers over the record's fields, live value) when the
   * caller gave `formula`, else a text box. An empty text is not stored.
   * @param {Record<string, any>} node @param {ct.Path} path
   */
  function formulaRow(node, path) {
    const text = String(node.formula ?? '');
    const commitText = (/** @type {string} */ next) => {
      if (!next.trim() || next === text) return;
      commit(ct.setAt(current, path, { formula: next }));
    };
    let editor;
    if (formula && !disabled) {
      const key = pathText(path);
      const state = formulaStates.get(key) || {};
      formulaStates.set(key, state);
      editor = formulaEditor({
        value: text, name: inputName(path, 'formula'), locale, state, onCommit: commitText,
        fields: given.map((f) => ({ key: f.key, type: f.type || 'text', label: f.label })),
        functions: formula.functions || [],
        evaluate: formula.evaluate,
      });
    } else {
      editor = h('textarea', {
        name: inputName(path, 'formula'), rows: '2', disabled, class: 'fw-cond__formula-text', dataset: { cond: 'formula' },
        'aria-label': say('formula_text'), spellcheck: 'false',
        onChange: (/** @type {Event} */ e) => commitText(/** @type {HTMLTextAreaElement} */ (e.target).value),
      });
      /** @type {any} */ (editor).value = text;
    }
    return h('div', { class: 'fw-cond__row fw-cond__row--formula', dataset: { condPath: pathText(path) } },
      h('div', { class: 'fw-cond__formula-head' },
        h('span', { class: 'fw-cond__formula' }, say('formula_text')), negateButton(path, false), removeButton(path)),
      editor);
  }

  /**
   * A row test: some / every row of a line-items field, then its condition over that row's
   * columns (and the record's fields).
   * @param {Record<string, any>} node @param {'some' | 'every'} mode @param {ct.Path} path @param {string[]} rows
   */
  function rowsView(node, mode, path, rows) {
    const key = String(node[mode]);
    const choices = lineItems.map((f) => [f.key, label(f.label, f.key)]);
    const fieldPick = select(path, 'rows-field', choices, key, (picked) => {
      const to = lineItems.find((f) => f.key === picked);
      if (to) commit(ct.setRowsField(current, path, to));
    });
    fieldPick.setAttribute('aria-label', say('rows_field'));
    const modePick = select(path, 'rows-mode', [['some', say('rows_some')], ['every', say('rows_every')]], mode,
      (picked) => commit(ct.setRowsMode(current, path, picked === 'every' ? 'every' : 'some')));
    modePick.setAttribute('title', say('rows_help'));
    return h('div', { class: 'fw-cond__rows', dataset: { condPath: pathText(path), condRows: mode } },
      h('div', { class: 'fw-cond__head' }, fieldPick, modePick, negateButton(path, false), removeButton(path)),
      nodeView(node.where, [...path, 'where'], [...rows, key]));
  }

  /** @param {Record<string, any>} node @param {ct.Path} path @param {string[]} rows */
  function leafRow(node, path, rows) {
    if ('formula' in node) return formulaRow(node, path);
    const fields = fieldsIn(rows);
    const fieldOf = (/** @type {string} */ key) => fields.find((f) => f.key === key);
    const field = fieldOf(node.field);
    const set = (/** @type {Record<string, any>} */ next) => commit(ct.setAt(current, path, next));
    const fieldChoices = fields.map((f) => [f.key, label(f.label, f.key)]);
    const ops = ct.opsOf(field);
    const opName = (/** @type {string} */ op) => (field?.column && ct.COLUMN_OPS.includes(op) ? say(`col_${op}`) : say(op));
    const opChoices = (ops.includes(node.op) ? ops : [node.op, ...ops]).map((op) => [op, opName(op)]);
    const shape = ct.valueShape(node.op);
    /** @param {any} value */
    const setValue = (value) => set({ ...node, value });
    let value = null;
    if (shape === 'single') {
      value = singleValue(path, node, field, set, fields);
    } else if (shape === 'list') {
      value = listInput(path, field, node.value, setValue);
    } else if (shape === 'pair') {
      value = h('span', { class: 'fw-cond__pair' },
        boundValue(path, node, field, 0, set, fields), ' – ', boundValue(path, node, field, 1, set, fields));
    }
    return h('div', { class: 'fw-cond__row', dataset: { condPath: pathText(path) } },
      select(path, 'field', fieldChoices, node.field, (key) => {
        const to = fieldOf(key);
        if (to) set(ct.changeField(node, field, to));
      }),
      select(path, 'op', opChoices, node.op, (op) => set(ct.changeOp(node, op, field))),
      value,
      negateButton(path, false),
      removeButton(path));
  }

  /** @param {Record<string, any>} node @param {ct.Path} path @param {string[]} [rows] @returns {HTMLElement} */
  function nodeView(node, path, rows = []) {
    const mode = ct.groupMode(node);
    if (mode) return groupView(node, mode, path, rows);
    const quantifier = ct.rowsMode(node);
    if (quantifier) return rowsView(node, quantifier, path, rows);
    if (node && typeof node === 'object' && 'not' in node) {
      return h('div', { class: 'fw-cond__not', dataset: { condPath: pathText(path), condNot: '' } },
        h('div', { class: 'fw-cond__head' }, h('span', { class: 'fw-cond__not-label' }, say('not')), negateButton(path, true), removeButton(path)),
        nodeView(node.not, [...path, 'not'], rows));
    }
    return leafRow(node, path, rows);
  }

  /**
   * A group: `all` / `any`, or nested, also `not all` / `none of` (a `not` around the group).
   * @param {Record<string, any>} node @param {'all' | 'any' | 'not_all' | 'not_any'} mode @param {ct.Path} path
   * @param {string[]} rows
   */
  function groupView(node, mode, path, rows) {
    const inside = ct.itemsPath(node, path);
    const group = mode.startsWith('not_') ? node.not : node;
    /** @type {any[]} */
    const items = group[mode.endsWith('all') ? 'all' : 'any'];
    const firstField = fieldsIn(rows)[0];
    const rowCondition = path[path.length - 1] === 'where'; // removed with its row test
    const modes = path.length ? ct.GROUP_MODES : ['all', 'any'];
    const classes = ['fw-cond__group'];
    if (path.length) classes.push('fw-cond__group--nested');
    if (mode.startsWith('not_')) classes.push('fw-cond__group--not');
    return h('div', { class: classes.join(' '), dataset: { condPath: pathText(path), condMode: mode } },
      h('div', { class: 'fw-cond__head' },
        select(path, 'kind', modes.map((m) => [m, say(m)]), mode,
          (picked) => commit(ct.setGroupMode(current, path, /** @type {any} */ (modes.includes(picked) ? picked : 'all')))),
        path.length && !rowCondition ? removeButton(path) : null),
      items.length ? items.map((item, i) => nodeView(item, [...inside, i], rows)) : h('p', { class: 'fw-cond__empty' }, say('empty')),
      disabled ? null : h('div', { class: 'fw-cond__actions' },
        firstField
          ? h('button', { type: 'button', class: 'fw-button', dataset: { condAction: 'add-leaf' },
            onClick: () => commit(ct.addLeaf(current, inside, ct.newLeaf(firstField))) }, `+ ${say('add_leaf')}`)
          : h('span', { class: 'fw-muted' }, say('no_fields')),
        h('button', { type: 'button', class: 'fw-button', dataset: { condAction: 'add-group' },
          onClick: () => commit(ct.addGroup(current, inside, mode.endsWith('all') ? 'any' : 'all')) }, `+ ${say('add_group')}`),
        h('button', { type: 'button', class: 'fw-button', dataset: { condAction: 'add-not-group' },
          onClick: () => commit(ct.addLeaf(current, inside, { not: { any: [] } })) }, `+ ${say('add_not_group')}`),
        lineItems.length
          ? h('button', { type: 'button', class: 'fw-button', dataset: { condAction: 'add-rows' },
            onClick: () => commit(ct.addLeaf(current, inside, ct.newRowTest(lineItems[0]))) }, `+ ${say('add_rows')}`)
          : null,
        h('button', { type: 'button', class: 'fw-button', dataset: { condAction: 'add-formula' },
          onClick: () => commit(ct.addLeaf(current, inside, { formula: 'TRUE' })) }, `+ ${say('add_formula')}`)));
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
