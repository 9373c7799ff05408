// @ts-check
/**
 * Pure edits of a condition tree (decision 0002; runtime/expr/conditions.py) for the condition
 * builder: which operators a field type allows, what value an operator takes, and tree edits by
 * path. A path is a list of steps from the root: a number is a child of an `all`/`any` group,
 * `'not'` goes into a `{not: …}`, `'where'` into a row test's condition (`{some|every: key, where}`).
 * Every edit returns a new tree; nothing passed in is mutated.
 */

/** @typedef {Record<string, any>} Node */
/** @typedef {(number | 'not' | 'where')[]} Path */
/**
 * @typedef {{key: string, type?: string, label?: any, options?: {value: any, label?: any}[], result?: string,
 *   columns?: FieldInfo[], column?: boolean, row?: boolean}} FieldInfo
 *   `result`: a formula field's result type, when known; `columns`: a line-items field's columns
 *   (key, type, label, options); `column`: this entry is one column (`items.amount`) of such a
 *   field, tested over the whole column; `row`: a column read from the current row, inside a row
 *   test (`{some: 'items', where: …}`), tested like a field of its own type
 */

export const ALL_OPS = [
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'starts_with', 'in', 'not_in',
  'is_empty', 'is_not_empty', 'between',
];

const EMPTY = ['is_empty', 'is_not_empty'];
const ORDERED = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between'];
const TEXT_OPS = ['eq', 'ne', 'contains', 'not_contains', 'starts_with', 'in', 'not_in', ...EMPTY];
const NUMBER_OPS = [...ORDERED, 'in', 'not_in', ...EMPTY];
const DATE_OPS = [...ORDERED, ...EMPTY];
const CHOICE_OPS = ['eq', 'ne', 'in', 'not_in', ...EMPTY];
const MULTI_OPS = ['contains', 'not_contains', 'in', 'not_in', ...EMPTY];
const BOOLEAN_OPS = ['eq', 'ne', ...EMPTY];

/** @type {Record<string, string[]>} */
const OPS_BY_TYPE = {
  text: TEXT_OPS, textarea: TEXT_OPS, rich_text: ['contains', 'not_contains', ...EMPTY],
  email: TEXT_OPS, phone: TEXT_OPS, url: TEXT_OPS, serial: TEXT_OPS,
  number: NUMBER_OPS, money: NUMBER_OPS, percent: NUMBER_OPS, rating: NUMBER_OPS,
  date: DATE_OPS, datetime: DATE_OPS,
  select: CHOICE_OPS, radio: CHOICE_OPS,
  multiselect: MULTI_OPS, checkbox: MULTI_OPS,
  boolean: BOOLEAN_OPS,
  user: CHOICE_OPS, department: CHOICE_OPS, relation: CHOICE_OPS, region: TEXT_OPS,
  people: MULTI_OPS,
  attachment: EMPTY, line_items: EMPTY,
};

/**
 * What a line-items column (`items.amount`, the column's value in every row, a list) can be
 * tested with: some row equals (`contains`), no row equals, some row is one of (`in`), no row is
 * one of, no rows / some rows.
 */
export const COLUMN_OPS = ['contains', 'not_contains', 'in', 'not_in', 'is_empty', 'is_not_empty'];

/**
 * The operators a field type allows (every operator for an unknown type or a formula; a formula
 * whose result type is given gets that type's).
 * @param {string | undefined} type
 * @param {string} [result]
 * @returns {string[]}
 */
export function opsFor(type, result) {
  if (type === 'formula' && result) return opsFor(result);
  return [...(OPS_BY_TYPE[type || ''] || ALL_OPS)];
}

/** The operators for a field (its type, or a formula's result type). @param {FieldInfo | undefined} field */
export function opsOf(field) {
  if (field?.column) return [...COLUMN_OPS];
  if (field?.row) return opsFor(field.type, field.result);
  return field ? opsFor(field.type, field.result) : [...ALL_OPS];
}

/**
 * Two labels joined (`报价明细 › 金额`) in every language either has.
 * @param {any} parent @param {any} child @param {string} parentKey @param {string} childKey
 */
function joinLabels(parent, child, parentKey, childKey) {
  /** @param {any} text @param {string} lang @param {string} fallback */
  const read = (text, lang, fallback) => {
    if (typeof text === 'string') return text;
    if (!isObject(text)) return fallback;
    return String(text[lang] ?? text['zh-CN'] ?? text.en ?? fallback);
  };
  const langs = [...new Set([
    ...(isObject(parent) ? Object.keys(parent) : []), ...(isObject(child) ? Object.keys(child) : []),
  ])];
  if (!langs.length) return `${read(parent, '', parentKey)} › ${read(child, '', childKey)}`;
  return Object.fromEntries(langs.map((lang) => [lang, `${read(parent, lang, parentKey)} › ${read(child, lang, childKey)}`]));
}

/**
 * The fields a condition may test, with each line-items column as one more entry right after its
 * field: key `items.amount`, its own type and options, label `报价明细 › 金额`, `column: true`.
 * Inside row tests over `rows` (line-items keys, innermost last) those fields' columns read the
 * current row instead (`row: true`) and come first, innermost first, so a new condition there
 * starts on a column. Fields without `columns` are kept as they are.
 * @param {FieldInfo[]} fields
 * @param {string[]} [rows]
 * @returns {FieldInfo[]}
 */
export function expandFields(fields, rows = []) {
  /** @type {FieldInfo[]} */
  const out = [];
  /** @type {FieldInfo[][]} */
  const rowEntries = rows.map(() => []);
  for (const field of fields) {
    out.push(field);
    if (!Array.isArray(field.columns) || field.key.includes('.')) continue;
    const scope = rows.lastIndexOf(field.key);
    for (const column of field.columns) {
      if (!column || typeof column.key !== 'string') continue;
      /** @type {FieldInfo} */
      const entry = { key: `${field.key}.${column.key}`, type: column.type, label: joinLabels(field.label, column.label, field.key, column.key) };
      if (scope >= 0) entry.row = true;
      else entry.column = true;
      if (Array.isArray(column.options)) entry.options = column.options;
      if (column.result) entry.result = column.result;
      (scope >= 0 ? rowEntries[scope] : out).push(entry);
    }
  }
  return [...rowEntries.reverse().flat(), ...out];
}

/**
 * The line-items fields a row test may go over (those given with their columns).
 * @param {FieldInfo[]} fields
 */
export function rowFields(fields) {
  return fields.filter((f) => Array.isArray(f.columns) && f.columns.length && !f.key.includes('.'));
}

/** `'some'` / `'every'` for a row test, else null. @param {unknown} node */
export function rowsMode(node) {
  if (!isObject(node) || !('where' in node)) return null;
  if (typeof node.some === 'string') return 'some';
  if (typeof node.every === 'string') return 'every';
  return null;
}

/**
 * A row test over the line-items field `field` (`{some: key, where: {all: [leaf]}}`), its first
 * condition on the field's first column read from the row.
 * @param {FieldInfo} field @param {'some' | 'every'} [mode]
 * @returns {Node}
 */
export function newRowTest(field, mode = 'some') {
  const first = expandFields([field], [field.key])[0];
  return { [mode]: field.key, where: { all: first?.row ? [newLeaf(first)] : [] } };
}

/**
 * The row test at `path` with another quantifier (`some` ⇄ `every`), its condition kept.
 * @param {Node} tree @param {Path} path @param {'some' | 'every'} mode
 */
export function setRowsMode(tree, path, mode) {
  if (mode !== 'some' && mode !== 'every') throw new Error(`unknown row mode ${mode}`);
  return editAt(tree, path, (node) => {
    const old = rowsMode(node);
    if (!old) throw new Error('not a row test');
    return old === mode ? node : { [mode]: node[old], where: node.where };
  });
}

/**
 * The row test at `path` over another line-items field: its condition starts afresh (the old
 * one named the old field's columns).
 * @param {Node} tree @param {Path} path @param {FieldInfo} field
 */
export function setRowsField(tree, path, field) {
  return editAt(tree, path, (node) => {
    const mode = rowsMode(node);
    if (!mode) throw new Error('not a row test');
    return node[mode] === field.key ? node : newRowTest(field, mode);
  });
}

/**
 * The node at `path` negated (`{not: node}`), or, when it already is a `{not: …}` around
 * something that is not a group, that something again.
 * @param {Node} tree @param {Path} path
 */
export function toggleNot(tree, path) {
  if (!path.length) throw new Error('the root stays an all/any group');
  return editAt(tree, path, (node) => {
    if (isObject(node) && 'not' in node && Object.keys(node).length === 1 && !groupKind(node.not)) return node.not;
    return { not: node };
  });
}

/**
 * A `{field: key}` operand: the value of another field of the same record.
 * @param {unknown} value
 * @returns {value is {field: string}}
 */
export function isFieldRef(value) {
  return isObject(value) && typeof value.field === 'string' && Object.keys(value).length === 1;
}

/**
 * The fields `field` may be compared with (decision 0002's `{"field": key}` value): other fields
 * (not columns) whose values have the same kind — numbers with numbers, dates with dates, text
 * with text, choices with choices; a formula of unknown result type goes with anything.
 * @param {FieldInfo[]} fields @param {FieldInfo | undefined} field
 * @returns {FieldInfo[]}
 */
export function comparableFields(fields, field) {
  const kind = field ? inputKind(field) : 'any';
  /** @param {string} k */
  const family = (k) => (k === 'options' || k === 'text' ? 'text' : k);
  return fields.filter((other) => {
    if (!field || other.key === field.key || other.column || other.type === 'line_items') return false;
    const otherKind = inputKind(other);
    return kind === 'any' || otherKind === 'any' || family(otherKind) === family(kind);
  });
}

/**
 * Whether an operator's value may name another field in the builder (one-value operators).
 * @param {string} op
 */
export function takesFieldRef(op) {
  const shape = valueShape(op);
  return shape === 'single' || shape === 'pair';
}

/**
 * The leaf compared with a typed value (`'value'`) or with another field (`'field'`, the first
 * comparable one unless `other` is given).
 * @param {Node} node @param {'value' | 'field'} source @param {FieldInfo[]} fields
 * @param {FieldInfo | undefined} field @param {string} [other]
 * @returns {Node}
 */
export function setValueSource(node, source, fields, field, other) {
  if (valueShape(node.op) === 'pair') throw new Error('a pair sets each bound with setBoundSource');
  if (source === 'value') return isFieldRef(node.value) ? leaf(node.field, node.op, defaultValue(field, node.op)) : node;
  if (!takesFieldRef(node.op)) throw new Error(`${node.op} takes no field`);
  const choices = comparableFields(fields, field);
  const key = other ?? (isFieldRef(node.value) ? node.value.field : choices[0]?.key);
  if (!key) throw new Error('no field to compare with');
  return leaf(node.field, node.op, { field: key });
}

/**
 * A `between` leaf with one bound (0 low, 1 high) typed (`'value'`) or naming another field
 * (`'field'`, the first comparable one unless `other` is given); the other bound stays.
 * @param {Node} node @param {0 | 1} index @param {'value' | 'field'} source @param {FieldInfo[]} fields
 * @param {FieldInfo | undefined} field @param {string} [other]
 * @returns {Node}
 */
export function setBoundSource(node, index, source, fields, field, other) {
  if (valueShape(node.op) !== 'pair') throw new Error(`${node.op} has no bounds`);
  const pair = Array.isArray(node.value) && node.value.length === 2 ? [...node.value] : [null, null];
  if (source === 'value') {
    if (isFieldRef(pair[index])) pair[index] = null;
  } else {
    const choices = comparableFields(fields, field);
    const key = other ?? (isFieldRef(pair[index]) ? pair[index].field : choices[0]?.key);
    if (!key) throw new Error('no field to compare with');
    pair[index] = { field: key };
  }
  return leaf(node.field, node.op, pair);
}

/**
 * What value an operator takes: none, one, a pair (between) or a list (in, not_in).
 * @param {string} op
 * @returns {'none' | 'single' | 'pair' | 'list'}
 */
export function valueShape(op) {
  if (EMPTY.includes(op)) return 'none';
  if (op === 'between') return 'pair';
  if (op === 'in' || op === 'not_in') return 'list';
  return 'single';
}

/**
 * The input that fits a field type: option pickers, number, date, datetime, yes/no or text.
 * @param {FieldInfo | undefined} field
 * `any` (a formula of unknown result, an unknown type): text, but numbers typed are stored as numbers.
 * @returns {'options' | 'number' | 'date' | 'datetime' | 'boolean' | 'text' | 'any'}
 */
export function inputKind(field) {
  let type = field?.type || '';
  if (type === 'formula') type = field?.result || '';
  if (Array.isArray(field?.options) && field.options.length) return 'options';
  if (['number', 'money', 'percent', 'rating'].includes(type)) return 'number';
  if (type === 'date') return 'date';
  if (type === 'datetime') return 'datetime';
  if (type === 'boolean') return 'boolean';
  return type in OPS_BY_TYPE ? 'text' : 'any';
}

/** @param {unknown} value @returns {value is Node} */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `'all'` or `'any'` for a group node, else null.
 * @param {unknown} node
 * @returns {'all' | 'any' | null}
 */
export function groupKind(node) {
  if (!isObject(node)) return null;
  if (Array.isArray(node.all)) return 'all';
  if (Array.isArray(node.any)) return 'any';
  return null;
}

/**
 * How a group node reads: `all`, `any`, `not_all` (`{not: {all: …}}`: not every one holds) or
 * `not_any` (`{not: {any: …}}`: none holds); null for anything else.
 * @param {unknown} node
 * @returns {'all' | 'any' | 'not_all' | 'not_any' | null}
 */
export function groupMode(node) {
  const kind = groupKind(node);
  if (kind) return kind;
  if (isObject(node) && 'not' in node && Object.keys(node).length === 1) {
    const inner = groupKind(node.not);
    if (inner) return inner === 'all' ? 'not_all' : 'not_any';
  }
  return null;
}

export const GROUP_MODES = /** @type {const} */ (['all', 'any', 'not_all', 'not_any']);

/**
 * The tree as the builder edits it: always a group at the root (a missing tree is `{all: []}`,
 * a single leaf or `not` is wrapped in `{all: [...]}`).
 * @param {unknown} tree
 * @returns {Node}
 */
export function rootGroup(tree) {
  if (tree === null || tree === undefined) return { all: [] };
  if (groupKind(tree)) return /** @type {Node} */ (tree);
  return { all: [tree] };
}

/**
 * Whether a tree has no leaf at all (an empty group, or groups of empty groups).
 * @param {unknown} tree
 * @returns {boolean}
 */
export function isEmptyTree(tree) {
  if (tree === null || tree === undefined) return true;
  const kind = groupKind(tree);
  if (kind) return /** @type {Node} */ (tree)[kind].every(isEmptyTree);
  if (isObject(tree) && 'not' in tree) return isEmptyTree(tree.not);
  return false;
}

/**
 * The node at `path`.
 * @param {Node} tree
 * @param {Path} path
 * @returns {any}
 */
export function getAt(tree, path) {
  let node = tree;
  for (const step of path) {
    if (step === 'not' || step === 'where') {
      node = node?.[step];
    } else {
      const kind = groupKind(node);
      node = kind ? node[kind][step] : undefined;
    }
    if (node === undefined) throw new Error(`no condition at ${path.join('/')}`);
  }
  return node;
}

/**
 * A copy of `tree` with the node at `path` replaced by `edit(old)`.
 * @param {any} tree
 * @param {Path} path
 * @param {(node: any) => any} edit
 * @returns {any}
 */
function editAt(tree, path, edit) {
  if (!path.length) return edit(tree);
  const [step, ...rest] = path;
  if (step === 'not' || step === 'where') {
    if (!isObject(tree) || !(step in tree)) throw new Error(`no "${step}" here`);
    return { ...tree, [step]: editAt(tree[step], rest, edit) };
  }
  const kind = groupKind(tree);
  if (!kind || step < 0 || step >= tree[kind].length) throw new Error(`no condition at ${step}`);
  const items = [...tree[kind]];
  items[step] = editAt(items[step], rest, edit);
  return { ...tree, [kind]: items };
}

/**
 * Replace the node at `path`.
 * @param {Node} tree @param {Path} path @param {Node} node
 * @returns {Node}
 */
export function setAt(tree, path, node) {
  return editAt(tree, path, () => node);
}

/**
 * Remove the node at `path` from its group (a `not` goes with its child, a row test with its
 * condition).
 * @param {Node} tree @param {Path} path
 * @returns {Node}
 */
export function removeAt(tree, path) {
  let at = path.length;
  while (at > 0 && (path[at - 1] === 'not' || path[at - 1] === 'where')) at -= 1;
  if (at === 0) return { all: [] };
  const index = /** @type {number} */ (path[at - 1]);
  return editAt(tree, path.slice(0, at - 1), (group) => {
    const kind = groupKind(group);
    if (!kind) throw new Error('not a group');
    return { ...group, [kind]: group[kind].filter((/** @type {any} */ _, /** @type {number} */ i) => i !== index) };
  });
}

/**
 * Append a node to the group at `groupPath`.
 * @param {Node} tree @param {Path} groupPath @param {Node} node
 * @returns {Node}
 */
function append(tree, groupPath, node) {
  return editAt(tree, groupPath, (group) => {
    const kind = groupKind(group);
    if (!kind) throw new Error('not a group');
    return { ...group, [kind]: [...group[kind], node] };
  });
}

/**
 * Append a leaf to the group at `groupPath`.
 * @param {Node} tree @param {Path} groupPath @param {Node} leaf
 */
export function addLeaf(tree, groupPath, leaf) {
  return append(tree, groupPath, leaf);
}

/**
 * Append an empty group (`all` or `any`) to the group at `groupPath`.
 * @param {Node} tree @param {Path} groupPath @param {'all' | 'any'} kind
 */
export function addGroup(tree, groupPath, kind) {
  return append(tree, groupPath, { [kind]: [] });
}

/**
 * Turn the group at `path` into an `all` or `any` group (its items stay).
 * @param {Node} tree @param {Path} path @param {'all' | 'any'} kind
 */
export function setGroupKind(tree, path, kind) {
  return editAt(tree, path, (group) => {
    const old = groupKind(group);
    if (!old) throw new Error('not a group');
    if (old === kind) return group;
    return { [kind]: group[old] };
  });
}

/**
 * Turn the group (or `not` group) at `path` into another mode, its items kept: `{all}`, `{any}`,
 * `{not: {all}}` or `{not: {any}}`. The root (path []) stays a plain `all`/`any` group.
 * @param {Node} tree @param {Path} path @param {'all' | 'any' | 'not_all' | 'not_any'} mode
 */
export function setGroupMode(tree, path, mode) {
  if (!GROUP_MODES.includes(mode)) throw new Error(`unknown group mode ${mode}`);
  if (!path.length && mode.startsWith('not_')) throw new Error('the root stays an all/any group');
  return editAt(tree, path, (node) => {
    const old = groupMode(node);
    if (!old) throw new Error('not a group');
    if (old === mode) return node;
    const inner = old.startsWith('not_') ? node.not : node;
    const items = inner[/** @type {'all' | 'any'} */ (groupKind(inner))];
    const kind = mode.endsWith('all') ? 'all' : 'any';
    const group = { [kind]: items };
    return mode.startsWith('not_') ? { not: group } : group;
  });
}

/**
 * The path of a group's items: the group itself, or inside its `not`.
 * @param {Node} node @param {Path} path
 * @returns {Path}
 */
export function itemsPath(node, path) {
  const mode = groupMode(node);
  return mode && mode.startsWith('not_') ? [...path, 'not'] : path;
}

/**
 * The value a fresh leaf gets for a field and operator.
 * @param {FieldInfo | undefined} field @param {string} op
 */
export function defaultValue(field, op) {
  const shape = valueShape(op);
  if (shape === 'none') return undefined;
  if (shape === 'list') return [];
  if (shape === 'pair') return [null, null];
  const kind = inputKind(field);
  if (kind === 'options') return /** @type {any[]} */ (field?.options)[0].value;
  if (kind === 'boolean') return true;
  if (kind === 'number' || kind === 'date' || kind === 'datetime') return null;
  return '';
}

/**
 * A leaf on `field` with its type's first operator.
 * @param {FieldInfo} field
 * @returns {Node}
 */
export function newLeaf(field) {
  const op = opsOf(field)[0];
  return leaf(field.key, op, defaultValue(field, op));
}

/** @param {string} field @param {string} op @param {any} value */
function leaf(field, op, value) {
  return value === undefined ? { field, op } : { field, op, value };
}

/**
 * The leaf pointed at another field: the operator stays when the new type allows it and the
 * value stays when its input kind is the same (a `{field}` value too, unless it names the new
 * field itself); otherwise they start afresh.
 * @param {Node} node @param {FieldInfo | undefined} from @param {FieldInfo} to
 */
export function changeField(node, from, to) {
  const ops = opsOf(to);
  const op = ops.includes(node.op) ? node.op : ops[0];
  const sameKind = inputKind(from) === inputKind(to);
  const ref = isFieldRef(node.value);
  const pairRef = Array.isArray(node.value) && node.value.some((v) => isFieldRef(v) && v.field === to.key);
  const keep = op === node.op && sameKind && !pairRef && (ref ? node.value.field !== to.key : inputKind(to) !== 'options');
  return leaf(to.key, op, keep ? node.value : defaultValue(to, op));
}

/**
 * The leaf with another operator; the value is kept or reshaped (one value ⇄ a list ⇄ a pair).
 * @param {Node} node @param {string} op @param {FieldInfo | undefined} field
 */
export function changeOp(node, op, field) {
  const from = valueShape(node.op);
  const to = valueShape(op);
  let value = node.value;
  if (to === 'none') value = undefined;
  else if (isFieldRef(node.value)) value = to === 'single' ? node.value : to === 'pair' ? [node.value, null] : defaultValue(field, op);
  else if (from === 'pair' && to === 'single' && Array.isArray(node.value) && node.value.length) value = node.value[0] ?? defaultValue(field, op);
  else if (from === to) value = node.value;
  else if (from === 'single' && to === 'list') value = isBlank(node.value) ? [] : [node.value];
  else if (from === 'single' && to === 'pair') value = [isBlank(node.value) ? null : node.value, null];
  else if (to === 'single' && Array.isArray(node.value) && node.value.length) value = node.value[0];
  else value = defaultValue(field, op);
  return leaf(node.field, op, value);
}

/** @param {unknown} value */
const isBlank = (value) => value === null || value === undefined || value === '';

/**
 * Text typed into a value input as the stored value: numbers for number fields (empty → null),
 * the text otherwise.
 * @param {string} text @param {FieldInfo | undefined} field
 */
export function parseValue(text, field) {
  const kind = inputKind(field);
  const trimmed = text.trim();
  if (kind === 'number') {
    if (trimmed === '') return null;
    const number = Number(trimmed);
    return Number.isFinite(number) ? number : trimmed;
  }
  if (kind === 'date' || kind === 'datetime') return trimmed === '' ? null : trimmed;
  if (kind === 'boolean') return trimmed === 'true';
  if (kind === 'any' && trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return text;
}

/**
 * A list typed as text ("a, b、c" or one a line) as stored values.
 * @param {string} text @param {FieldInfo | undefined} field
 */
export function parseList(text, field) {
  return text.split(/[,，、;；\n]/).map((part) => part.trim()).filter(Boolean)
    .map((part) => parseValue(part, field));
}
