// @ts-check
/**
 * What changed between two definition documents, for the version history. Pure: no DOM.
 * - `diffDefinitions` has the shape of the server's `builder/diff.py` (fields, nodes and edges
 *   by their stable ids; any other changed path), plus the old → new value of each change.
 * - `sideBySide` lines the two documents' pretty JSON up in two columns, marking changed lines.
 */

/** Lists whose items are matched by an id rather than by position. */
export const ID_LISTS = /** @type {const} */ ({ fields: 'key', nodes: 'id', edges: 'id' });

/** @typedef {{path: string, from: any, to: any}} Change */
/** @typedef {{added: string[], removed: string[], changed: {id: string, changes: Change[]}[]}} ListDiff */
/** @typedef {{fields?: ListDiff, nodes?: ListDiff, edges?: ListDiff, other: Change[]}} DefinitionDiff */

/** @param {unknown} value @returns {value is Record<string, any>} */
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Deep equality of JSON values (key order does not matter, as for the server's `==`).
 * @param {any} a
 * @param {any} b
 * @returns {boolean}
 */
export function sameValue(a, b) {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
  }
  return false;
}

/**
 * Changed leaves under two values: objects are walked key by key (the old keys' order first),
 * anything else (arrays too) is one change when it differs.
 * @param {any} before
 * @param {any} after
 * @param {string} path
 * @returns {Change[]}
 */
export function changes(before, after, path = '') {
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !Object.hasOwn(before, k))];
    return keys.flatMap((k) => changes(before[k], after[k], `${path}/${k}`));
  }
  return sameValue(before, after) ? [] : [{ path: path || '/', from: before, to: after }];
}

/**
 * @param {any} doc
 * @param {string} list
 * @param {string} idKey
 * @returns {Map<string, any>}
 */
function byId(doc, list, idKey) {
  const items = isObject(doc) && Array.isArray(doc[list]) ? doc[list] : [];
  return new Map(items.filter(isObject).map((item) => [String(item[idKey]), item]));
}

/**
 * Added, removed and changed items of each id-keyed list, plus the other changed paths.
 * @param {any} before
 * @param {any} after
 * @returns {DefinitionDiff}
 */
export function diffDefinitions(before, after) {
  /** @type {DefinitionDiff} */
  const result = { other: [] };
  for (const [list, idKey] of Object.entries(ID_LISTS)) {
    const old = byId(before, list, idKey);
    const now = byId(after, list, idKey);
    if (!old.size && !now.size) continue;
    result[/** @type {'fields' | 'nodes' | 'edges'} */ (list)] = {
      added: [...now.keys()].filter((k) => !old.has(k)),
      removed: [...old.keys()].filter((k) => !now.has(k)),
      changed: [...now.keys()]
        .filter((k) => old.has(k) && !sameValue(old.get(k), now.get(k)))
        .map((k) => ({ id: k, changes: changes(old.get(k), now.get(k)) })),
    };
  }
  /** @param {any} doc */
  const rest = (doc) => Object.fromEntries(Object.entries(isObject(doc) ? doc : {}).filter(([k]) => !(k in ID_LISTS)));
  result.other = changes(rest(before), rest(after));
  return result;
}

/**
 * Whether a diff has no change at all.
 * @param {DefinitionDiff} diff
 */
export function isEmpty(diff) {
  const lists = Object.keys(ID_LISTS).map((k) => diff[/** @type {'fields'} */ (k)]).filter(Boolean);
  return !diff.other.length && lists.every((d) => !d?.added.length && !d?.removed.length && !d?.changed.length);
}

/**
 * A value in one short line: JSON, cut at `max` characters; `undefined` is "—" (absent).
 * @param {any} value
 * @param {number} [max]
 */
export function shortValue(value, max = 80) {
  if (value === undefined) return '—';
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** @typedef {{left: string | null, right: string | null, kind: 'same' | 'changed' | 'removed' | 'added', leftNo: number | null, rightNo: number | null}} Row */

/**
 * The longest common subsequence of two line lists as pairs of indices (common prefix and
 * suffix are matched first, so a small change in a large document stays cheap).
 * @param {string[]} a
 * @param {string[]} b
 * @returns {[number, number][]}
 */
function commonLines(a, b) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  /** @type {[number, number][]} */
  const pairs = [];
  for (let i = 0; i < start; i++) pairs.push([i, i]);
  const n = endA - start;
  const m = endB - start;
  if (n > 0 && m > 0 && n * m <= 4_000_000) {
    // lengths[i][j]: LCS of a[start+i..endA) and b[start+j..endB)
    const width = m + 1;
    const lengths = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * width + j] = a[start + i] === b[start + j]
          ? lengths[(i + 1) * width + j + 1] + 1
          : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        pairs.push([start + i, start + j]);
        i++;
        j++;
      } else if (lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
        i++;
      } else {
        j++;
      }
    }
  }
  for (let k = 0; k < a.length - endA; k++) pairs.push([endA + k, endB + k]);
  return pairs;
}

/**
 * `after` with its object keys in the order `before` has them (keys new in `after` follow), so
 * two documents stored with different key orders line up in the JSON view. Arrays are aligned
 * item by item; values are not changed.
 * @param {any} after
 * @param {any} before
 * @returns {any}
 */
export function alignKeys(after, before) {
  if (Array.isArray(after)) {
    return after.map((item, i) => alignKeys(item, Array.isArray(before) ? before[i] : undefined));
  }
  if (!isObject(after)) return after;
  const order = isObject(before) ? Object.keys(before).filter((k) => Object.hasOwn(after, k)) : [];
  const keys = [...order, ...Object.keys(after).filter((k) => !order.includes(k))];
  return Object.fromEntries(keys.map((k) => [k, alignKeys(after[k], isObject(before) ? before[k] : undefined)]));
}

/**
 * Two documents' pretty JSON side by side (the right one's keys in the left one's order): equal
 * lines face each other, a removed run facing an
 * added run becomes changed rows, the rest are removed (left only) or added (right only).
 * @param {any} before
 * @param {any} after
 * @returns {Row[]}
 */
export function sideBySide(before, after) {
  const a = before === undefined ? [] : JSON.stringify(before, null, 2).split('\n');
  const b = after === undefined ? [] : JSON.stringify(alignKeys(after, before), null, 2).split('\n');
  /** @type {Row[]} */
  const rows = [];
  let i = 0;
  let j = 0;
  /** @param {number} untilA @param {number} untilB */
  const gap = (untilA, untilB) => {
    while (i < untilA || j < untilB) {
      const left = i < untilA ? a[i] : null;
      const right = j < untilB ? b[j] : null;
      const kind = left !== null && right !== null ? 'changed' : left !== null ? 'removed' : 'added';
      rows.push({ left, right, kind, leftNo: left !== null ? i + 1 : null, rightNo: right !== null ? j + 1 : null });
      if (left !== null) i++;
      if (right !== null) j++;
    }
  };
  for (const [x, y] of commonLines(a, b)) {
    gap(x, y);
    rows.push({ left: a[x], right: b[y], kind: 'same', leftNo: x + 1, rightNo: y + 1 });
    i = x + 1;
    j = y + 1;
  }
  gap(a.length, b.length);
  return rows;
}
