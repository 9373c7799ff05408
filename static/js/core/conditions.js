// @ts-check
/**
 * Condition trees (decision 0002) evaluated in the browser, for show/hide/require on forms.
 *
 * A mirror of runtime/expr/conditions.py + the comparison rules in runtime/expr/functions.py:
 * same ops, same null rules, numbers (JSON numbers and decimal strings like "1234.50") compared
 * exactly as decimals, strings compared by code point. Formula leaves are not evaluated here
 * (the server is the authority): pass `options.formula` to supply their value, otherwise they throw.
 * No budgets: trees come from published definitions, and the server evaluates them again.
 */

/** @typedef {null | boolean | number | string | JsonValue[] | {[key: string]: JsonValue}} JsonValue */
/** @typedef {{[key: string]: any}} Condition */
/** @typedef {{formula?: (text: string, values: Record<string, any>) => boolean}} Options */

export class ConditionError extends Error {
  /** @param {string} message @param {string} pointer */
  constructor(message, pointer) {
    super(`${message} (at ${pointer || '/'})`);
    this.name = 'ConditionError';
    this.pointer = pointer;
  }
}

// Exactly NUMBER_RE of runtime/expr/functions.py (ASCII digits only).
const NUMBER_RE = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const FIELD_RE = /^([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?$/;
const OPS = new Set([
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'not_contains',
  'starts_with', 'is_empty', 'is_not_empty', 'between',
]);
const NO_VALUE_OPS = new Set(['is_empty', 'is_not_empty']);

/** @param {unknown} object @param {string} key */
const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

/** @param {unknown} value @returns {value is Record<string, any>} */
const isPlainObject = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A decimal as sign, significant digits (no leading/trailing zeros) and exponent, or null.
 * @typedef {{sign: number, digits: string, exponent: bigint}} Decimal
 * @param {unknown} value
 * @returns {Decimal | null}
 */
function asNumber(value) {
  let text;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return null;
  }
  if (!NUMBER_RE.test(text)) return null;
  let sign = 1;
  if (text[0] === '-' || text[0] === '+') {
    if (text[0] === '-') sign = -1;
    text = text.slice(1);
  }
  const [mantissa, exponentText] = text.split(/[eE]/);
  const [whole, fraction = ''] = mantissa.split('.');
  let digits = whole + fraction;
  let exponent = BigInt(exponentText ?? '0') - BigInt(fraction.length);
  digits = digits.replace(/^0+/, '');
  const trimmed = digits.replace(/0+$/, '');
  exponent += BigInt(digits.length - trimmed.length);
  if (trimmed === '') return { sign: 0, digits: '', exponent: 0n };
  return { sign, digits: trimmed, exponent };
}

/** @param {Decimal} a @param {Decimal} b @returns {number} */
function compareNumbers(a, b) {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  const magnitudeA = BigInt(a.digits.length) + a.exponent;
  const magnitudeB = BigInt(b.digits.length) + b.exponent;
  let result;
  if (magnitudeA !== magnitudeB) {
    result = magnitudeA < magnitudeB ? -1 : 1;
  } else {
    const width = Math.max(a.digits.length, b.digits.length);
    const x = a.digits.padEnd(width, '0');
    const y = b.digits.padEnd(width, '0');
    result = x === y ? 0 : x < y ? -1 : 1;
  }
  return a.sign * result;
}

/** Compare by Unicode code point, as Python does. @param {string} a @param {string} b */
function compareText(a, b) {
  let i = 0;
  while (i < a.length && i < b.length) {
    const x = /** @type {number} */ (a.codePointAt(i));
    const y = /** @type {number} */ (b.codePointAt(i));
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
  }
  if (a.length === b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** @param {unknown} value */
const isNull = (value) => value === null || value === undefined;

/** `eq`: null equals only null; numbers by value; lists item by item. @returns {boolean} */
function equals(/** @type {unknown} */ left, /** @type {unknown} */ right) {
  if (isNull(left) || isNull(right)) return isNull(left) && isNull(right);
  if (typeof left === 'boolean' || typeof right === 'boolean') return left === right;
  const a = asNumber(left);
  const b = asNumber(right);
  if (a && b) return compareNumbers(a, b) === 0;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, i) => equals(item, right[i]));
  }
  if (typeof left === 'string' && typeof right === 'string') return left === right;
  return false;
}

/** -1, 0 or 1, or null when the values have no order. @returns {number | null} */
function order(/** @type {unknown} */ left, /** @type {unknown} */ right) {
  if (isNull(left) || isNull(right)) return null;
  if (typeof left === 'boolean' || typeof right === 'boolean') {
    if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
    return null;
  }
  const a = asNumber(left);
  const b = asNumber(right);
  if (a && b) return compareNumbers(a, b);
  if (typeof left === 'string' && typeof right === 'string') return compareText(left, right);
  return null;
}

/** @param {unknown} value */
function isBlank(value) {
  if (isNull(value)) return true;
  if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** @param {unknown} left @param {unknown} right */
function contains(left, right) {
  if (typeof left === 'string') return typeof right === 'string' && left.includes(right);
  if (Array.isArray(left)) return left.some((item) => equals(item, right));
  return false;
}

/** @param {unknown} left @param {unknown} right */
function isIn(left, right) {
  if (isNull(left)) return false;
  const options = Array.isArray(right) ? right : [right];
  const subjects = Array.isArray(left) ? left : [left];
  return subjects.some((item) => options.some((option) => equals(item, option)));
}

/** @type {Record<string, (left: unknown, right: unknown) => boolean>} */
const TESTS = {
  eq: equals,
  ne: (l, r) => !equals(l, r),
  gt: (l, r) => (order(l, r) ?? 0) > 0,
  gte: (l, r) => { const o = order(l, r); return o !== null && o >= 0; },
  lt: (l, r) => (order(l, r) ?? 0) < 0,
  lte: (l, r) => { const o = order(l, r); return o !== null && o <= 0; },
  in: isIn,
  not_in: (l, r) => !isNull(l) && !isIn(l, r),
  contains,
  not_contains: (l, r) => (typeof l === 'string' || Array.isArray(l)) && !contains(l, r),
  starts_with: (l, r) => typeof l === 'string' && typeof r === 'string' && l.startsWith(r),
  is_empty: (l) => isBlank(l),
  is_not_empty: (l) => !isBlank(l),
  between: (l, r) =>
    Array.isArray(r) && r.length === 2 && TESTS.gte(l, r[0]) && TESTS.lte(l, r[1]),
};

/** @typedef {Map<string, any>} Rows  the current row of each line-items field in a `some`/`every` */

/**
 * `{key}` (null when missing) or `{key.column}` (the column of every row; [] when no list; the
 * current row's value inside a `some`/`every` over `key`).
 * @param {string} ref @param {Record<string, any>} values @param {string} pointer @param {Rows} rows
 */
function readField(ref, values, pointer, rows) {
  const match = typeof ref === 'string' ? FIELD_RE.exec(ref) : null;
  if (!match) throw new ConditionError(`invalid field ${JSON.stringify(ref)}`, pointer);
  const [, key, column] = match;
  if (column !== undefined && rows.has(key)) {
    const row = rows.get(key);
    return isPlainObject(row) && hasOwn(row, column) ? row[column] ?? null : null;
  }
  const value = hasOwn(values, key) ? values[key] : null;
  if (column === undefined) return value ?? null;
  if (!Array.isArray(value)) return [];
  return value.map((row) => (isPlainObject(row) && hasOwn(row, column) ? row[column] ?? null : null));
}

/** @param {unknown} value @param {Record<string, any>} values @param {string} pointer @param {Rows} rows */
function operand(value, values, pointer, rows) {
  if (Array.isArray(value)) return value.map((item, i) => operand(item, values, `${pointer}/${i}`, rows));
  if (isPlainObject(value)) {
    if (!hasOwn(value, 'field') || Object.keys(value).length !== 1) {
      throw new ConditionError('an object value must be {"field": key}', pointer);
    }
    return readField(value.field, values, `${pointer}/field`, rows);
  }
  return value ?? null;
}

/**
 * @param {unknown} tree @param {Record<string, any>} values @param {Options} options
 * @param {string} pointer @param {Rows} rows @returns {boolean}
 */
function evaluate(tree, values, options, pointer, rows) {
  if (!isPlainObject(tree)) throw new ConditionError('a condition must be an object', pointer);
  for (const kind of ['all', 'any']) {
    if (hasOwn(tree, kind)) {
      const items = tree[kind];
      if (!Array.isArray(items)) throw new ConditionError(`"${kind}" must be a list`, pointer);
      const test = (/** @type {unknown} */ item, /** @type {number} */ i) =>
        evaluate(item, values, options, `${pointer}/${kind}/${i}`, rows);
      return kind === 'all' ? items.every(test) : items.some(test);
    }
  }
  if (hasOwn(tree, 'not')) return !evaluate(tree.not, values, options, `${pointer}/not`, rows);
  for (const mode of ['some', 'every']) {
    if (hasOwn(tree, mode)) {
      // {"some": "items", "where": C}: C holds for some / every row (no rows: false / true)
      const key = tree[mode];
      const match = typeof key === 'string' ? FIELD_RE.exec(key) : null;
      if (!match || match[2] !== undefined) throw new ConditionError(`invalid field ${JSON.stringify(key)}`, `${pointer}/${mode}`);
      const list = hasOwn(values, key) ? values[key] : null;
      const test = (/** @type {unknown} */ row) =>
        evaluate(tree.where, values, options, `${pointer}/where`, new Map([...rows, [key, row]]));
      if (!Array.isArray(list)) return mode === 'every';
      return mode === 'some' ? list.some(test) : list.every(test);
    }
  }
  if (hasOwn(tree, 'formula')) {
    if (!options.formula) {
      throw new ConditionError('formula leaves are evaluated on the server', `${pointer}/formula`);
    }
    return options.formula(String(tree.formula), values) === true;
  }
  const op = tree.op;
  if (typeof op !== 'string' || !OPS.has(op)) {
    throw new ConditionError(`unknown op ${JSON.stringify(op)}`, `${pointer}/op`);
  }
  const left = readField(tree.field, values, `${pointer}/field`, rows);
  const right = NO_VALUE_OPS.has(op) ? null : operand(tree.value, values, `${pointer}/value`, rows);
  return TESTS[op](left, right);
}

/**
 * Whether the condition tree holds for the record `values` (same rules as the server).
 * @param {Condition} tree
 * @param {Record<string, any>} values
 * @param {Options} [options]
 * @returns {boolean}
 */
export function evaluateCondition(tree, values, options = {}) {
  return evaluate(tree, values ?? {}, options, '', new Map());
}

const FORMULA_FIELD_RE = /\{([A-Za-z][A-Za-z0-9_]*)(?:\.[A-Za-z][A-Za-z0-9_]*)?\}/g;

/**
 * The field keys a condition tree reads ("items.amount" → "items"), formula leaves included.
 * @param {Condition} tree
 * @returns {Set<string>}
 */
export function fieldRefs(tree) {
  /** @type {Set<string>} */
  const keys = new Set();
  /** @param {unknown} ref */
  const add = (ref) => {
    const match = typeof ref === 'string' ? FIELD_RE.exec(ref) : null;
    if (match) keys.add(match[1]);
  };
  /** @param {unknown} node */
  const walk = (node) => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!isPlainObject(node)) return;
    if (hasOwn(node, 'all')) walk(node.all);
    else if (hasOwn(node, 'any')) walk(node.any);
    else if (hasOwn(node, 'not')) walk(node.not);
    else if (hasOwn(node, 'some') || hasOwn(node, 'every')) {
      add(hasOwn(node, 'some') ? node.some : node.every);
      walk(node.where);
    }
    else if (hasOwn(node, 'formula') && typeof node.formula === 'string') {
      // Field references outside string literals ("..." with "" escapes) only.
      const code = node.formula.replace(/"(?:[^"]|"")*"/g, '""');
      for (const match of code.matchAll(FORMULA_FIELD_RE)) keys.add(match[1]);
    } else {
      add(node.field);
      const values = Array.isArray(node.value) ? node.value : [node.value];
      for (const value of values) if (isPlainObject(value)) add(value.field);
    }
  };
  walk(tree);
  return keys;
}
