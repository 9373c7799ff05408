// A very small stand-in for `document` so DOM-building modules can run under node --test.
// It supports what static/js/core/dom.js's `h` uses, plus lookups and events for the tests.

class FakeText {
  constructor(text) {
    this.nodeType = 3;
    this.data = String(text);
  }

  get textContent() {
    return this.data;
  }
}

export class FakeElement {
  constructor(tag) {
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.attributes = new Map();
    this.children = [];
    this.listeners = {};
    this.dataset = {};
    this.style = {};
    this.className = '';
    this.checked = false;
    this.value = '';
    this.title = '';
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
    if (name === 'checked') this.checked = true;
    if (name === 'value') this.value = String(value);
    if (name === 'title') this.title = String(value);
  }

  getAttribute(name) {
    return this.attributes.has(name) ? this.attributes.get(name) : null;
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  appendChild(child) {
    this.children.push(child);
    return child;
  }

  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }

  /** Fire `type` on this element (no bubbling). */
  dispatch(type) {
    for (const fn of this.listeners[type] || []) fn({ type, target: this, preventDefault() {} });
  }

  get textContent() {
    return this.children.map((c) => c.textContent).join('');
  }

  /** Every descendant element, depth first. */
  *walk() {
    for (const child of this.children) {
      if (child instanceof FakeElement) {
        yield child;
        yield* child.walk();
      }
    }
  }

  /** The first descendant whose `name` attribute is `name`. */
  byName(name) {
    for (const el of this.walk()) if (el.getAttribute('name') === name) return el;
    return null;
  }

  all(tag) {
    return [...this.walk()].filter((el) => el.tagName === tag.toUpperCase());
  }
}

export function installFakeDocument() {
  const doc = {
    documentElement: { lang: 'zh-CN' },
    createElement: (tag) => new FakeElement(tag),
    createTextNode: (text) => new FakeText(text),
  };
  globalThis.document = /** @type {any} */ (doc);
  return doc;
}
