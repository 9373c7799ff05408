// @ts-check
/**
 * Pure edits of a condition tree (decision 0002; runtime/expr/conditions.py) for the condition
 * builder: which operators a field type allows, what value an operator takes, and tree edits by
 * path. A path is a list of steps from the root: a number is a child of an `all`/`any` group,
 * `'not'` goes into a `{not: …}`. Every edit returns a new tree; nothing passed in is mutated.
 */

/** @typedef {Record<string, any>} Node */
/** @typedef {(number | 'not')[]} Path */
/**
 * @typedef {{key: string, type?: string, label?: any, options?: {value: any, label?: any}[], result?: string}} FieldInfo
 *   `result`: a formula field's result type, when known
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
  return field ? opsFor(field.type, field.result) : [...ALL_OPS];
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
    if (step === 'not') {
      node = node?.not;
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
  if (step === 'not') {
    if (!isObject(tree) || !('not' in tree)) throw new Error('no "not" here');
    return { ...tree, not: editAt(tree.not, rest, edit) };
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
 * Remove the node at `path` from its group (a `not` goes with its child).
 * @param {Node} tree @param {Path} path
 * @returns {Node}
 */
export function removeAt(tree, path) {
  let at = path.length;
  while (at > 0 && path[at - 1] === 'not') at -= 1;
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
 * value stays when its input kind is the same; otherwise they start afresh.
 * @param {Node} node @param {FieldInfo | undefined} from @param {FieldInfo} to
 */
export function changeField(node, from, to) {
  const ops = opsOf(to);
  const op = ops.includes(node.op) ? node.op : ops[0];
  const keep = op === node.op && inputKind(from) === inputKind(to) && inputKind(to) !== 'options';
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
