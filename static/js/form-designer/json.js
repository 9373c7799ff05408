// @ts-check
/**
 * JSON helpers of the form designer: deep copies, and setting a key without moving the others
 * (so undo gives the definition back byte for byte). Pure.
 */

/**
 * A deep copy of JSON data.
 * @template T
 * @param {T} value
 * @returns {T}
 */
export function clone(value) {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/**
 * A copy of `obj` with `name` set to `value` (undefined removes it). An existing key keeps its
 * position; a new one goes to `at` when given, else to its place in `order`, else to the end.
 * @param {Record<string, any>} obj
 * @param {string} name
 * @param {any} value
 * @param {{at?: number, order?: string[]}} [options]
 */
export function setKey(obj, name, value, { at, order = [] } = {}) {
  const entries = Object.entries(obj).filter(([k]) => k !== name);
  if (value === undefined) return Object.fromEntries(entries);
  const existing = Object.keys(obj).indexOf(name);
  let index = existing;
  if (index < 0 && at !== undefined) index = Math.min(at, entries.length);
  if (index < 0) {
    const rank = order.indexOf(name);
    index = entries.length;
    if (rank >= 0) {
      const later = entries.findIndex(([k]) => order.indexOf(k) > rank);
      if (later >= 0) index = later;
    }
  }
  entries.splice(index, 0, [name, value]);
  return Object.fromEntries(entries);
}

/**
 * The position of `name` among `obj`'s keys, or undefined (what an undo passes as `at`).
 * @param {Record<string, any>} obj
 * @param {string} name
 */
export function positionOf(obj, name) {
  const at = Object.keys(obj).indexOf(name);
  return at < 0 ? undefined : at;
}
