// @ts-check
/**
 * Tiny DOM helper: `h(tag, attrs, ...kids)` builds an element. Text always goes in as text nodes,
 * never as HTML, so user data is safe to pass as a kid or an attribute value.
 */

/** @typedef {Node | string | number | null | undefined | false | Kid[]} Kid */

/**
 * Create an element.
 * - `class` / `className` set the class; `dataset` assigns data-* values; `style` must be an object.
 * - `on<Event>` with a function adds a listener (`onClick` → "click").
 * - `true` sets an empty boolean attribute; `false`, `null` and `undefined` are skipped.
 * @param {string} tag
 * @param {Record<string, any> | null} [attrs]
 * @param {...Kid} kids
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class' || name === 'className') {
      el.className = String(value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'style' && typeof value === 'object') {
      Object.assign(el.style, value);
    } else if (/^on[A-Z]/.test(name) && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, kids);
  return el;
}

/**
 * Append kids (nested arrays allowed) to a parent; strings become text nodes.
 * @param {Node} parent
 * @param {Kid[]} kids
 */
export function append(parent, kids) {
  for (const kid of kids) {
    if (kid === null || kid === undefined || kid === false) continue;
    if (Array.isArray(kid)) {
      append(parent, kid);
    } else if (typeof kid === 'string' || typeof kid === 'number') {
      parent.appendChild(document.createTextNode(String(kid)));
    } else {
      parent.appendChild(kid);
    }
  }
}
