// @ts-check
/**
 * A property panel generated from a JSON Schema subset (a registry entry's `config_schema`):
 * objects with properties, strings, numbers and integers, booleans, enums, arrays of strings or
 * enums, nested objects; `description` becomes help text. Anything else is edited as JSON text.
 * Every edit calls `onChange(newValue)` with a new value; the value passed in is never mutated.
 * The pure helpers (`kindOf`, `setIn`, `parseInput`, `labelOf`) are exported for tests; the DOM is
 * built only through `h` from dom.js.
 */
import { h } from './dom.js';
import { pick } from './i18n.js';

/** @typedef {Record<string, any>} Schema */
/** @typedef {(string | number)[]} Path */

const WORDS = {
  'zh-CN': { none: '（未设置）', invalid_json: 'JSON 格式有误', one_per_line: '每行一项', default: '默认' },
  en: { none: '(not set)', invalid_json: 'Not valid JSON', one_per_line: 'One per line', default: 'default' },
};

/**
 * Which editor a schema gets.
 * @param {Schema | undefined} schema
 * @returns {'object' | 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'list' | 'enum_list' | 'json'}
 */
export function kindOf(schema) {
  if (!schema || typeof schema !== 'object') return 'json';
  if (Array.isArray(schema.enum)) return 'enum';
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object') && schema.properties && typeof schema.properties === 'object') {
    return 'object';
  }
  if (types.includes('array')) {
    const items = schema.items || {};
    if (Array.isArray(items.enum)) return 'enum_list';
    if (items.type === 'string') return 'list';
    return 'json';
  }
  if (types.includes('boolean')) return 'boolean';
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  if (types.includes('string')) return 'string';
  return 'json';
}

/**
 * A copy of `value` with `path` set to `next`; `undefined` removes the key. Objects on the path
 * are copied, never mutated; an object emptied by a removal is removed too (except the root).
 * @param {any} value
 * @param {Path} path
 * @param {any} next
 * @returns {any}
 */
export function setIn(value, path, next) {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  const base = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const child = setIn(base[head], rest, next);
  const copy = { ...base };
  const emptied =
    rest.length > 0 && child && typeof child === 'object' && Object.keys(child).length === 0;
  if (child === undefined || emptied) delete copy[head];
  else copy[head] = child;
  return copy;
}

/**
 * The value at `path`, or undefined.
 * @param {any} value
 * @param {Path} path
 */
export function getIn(value, path) {
  let current = value;
  for (const key of path) {
    if (!current || typeof current !== 'object') return undefined;
    current = current[key];
  }
  return current;
}

/**
 * Turn an input's text into the value for `kind`: `undefined` for empty (= not set), `null` when
 * the text does not parse (the panel then keeps the old value and marks the input).
 * @param {string} kind
 * @param {string} text
 * @returns {any}
 */
export function parseInput(kind, text) {
  const trimmed = text.trim();
  if (kind === 'number' || kind === 'integer') {
    if (trimmed === '') return undefined;
    const number = Number(trimmed);
    if (!Number.isFinite(number)) return null;
    if (kind === 'integer' && !Number.isInteger(number)) return null;
    return number;
  }
  if (kind === 'list') {
    const items = text.split('\n').map((line) => line.trim()).filter(Boolean);
    return items.length ? items : undefined;
  }
  if (kind === 'json') {
    if (trimmed === '') return undefined;
    try {
      return JSON.parse(trimmed);
    } catch {
      return null;
    }
  }
  return text === '' ? undefined : text;
}

/**
 * The label for a property: `labels[name]` (text or translatable), else the schema's `title`,
 * else the key with underscores as spaces.
 * @param {string} name
 * @param {Schema} schema
 * @param {Record<string, unknown>} labels
 * @param {string} lang
 */
export function labelOf(name, schema, labels, lang) {
  if (labels[name] !== undefined) return pick(labels[name], lang);
  if (schema?.title) return pick(schema.title, lang);
  return name.replace(/_/g, ' ');
}

/**
 * Build the panel.
 * @param {Schema} schema
 * @param {any} value
 * @param {{onChange: (value: any) => void, locale?: string, labels?: Record<string, unknown>}} options
 * @returns {HTMLElement}
 */
export function schemaForm(schema, value, { onChange, locale = 'zh-CN', labels = {} }) {
  let current = value;
  const words = WORDS[/** @type {'zh-CN' | 'en'} */ (locale)] || WORDS['zh-CN'];
  /** @param {Path} path @param {any} next */
  const commit = (path, next) => {
    current = setIn(current, path, next);
    onChange(current);
  };
  /** @param {Path} path */
  const read = (path) => getIn(current, path);
  const ctx = { words, lang: locale, labels, commit, read };
  const root = h('div', { class: 'fw-schema-form' });
  const kind = kindOf(schema);
  if (kind === 'object') {
    root.appendChild(objectRows(schema, [], value, ctx));
  } else {
    root.appendChild(editor(schema, [], value, ctx));
  }
  return root;
}

/**
 * @typedef {{words: Record<string, string>, lang: string, labels: Record<string, unknown>, commit: (path: Path, next: any) => void, read: (path: Path) => any}} Ctx
 */

/**
 * @param {Schema} schema
 * @param {Path} path
 * @param {any} value
 * @param {Ctx} ctx
 */
function objectRows(schema, path, value, ctx) {
  const box = h('div', { class: 'fw-schema-form__object' });
  for (const [name, sub] of Object.entries(schema.properties || {})) {
    const subPath = [...path, name];
    const subValue = getIn(value, [name]);
    const label = labelOf(name, sub, path.length ? {} : ctx.labels, ctx.lang);
    const help = sub?.description ? h('small', { class: 'fw-schema-form__help' }, pick(sub.description, ctx.lang)) : null;
    if (kindOf(sub) === 'object') {
      box.appendChild(
        h('fieldset', { class: 'fw-schema-form__group', dataset: { path: subPath.join('.') } },
          h('legend', null, label), help, objectRows(sub, subPath, subValue, ctx)),
      );
      continue;
    }
    const input = editor(sub, subPath, subValue, ctx);
    const isCheck = kindOf(sub) === 'boolean';
    box.appendChild(
      h('label', { class: `fw-schema-form__row${isCheck ? ' fw-schema-form__row--check' : ''}` },
        isCheck ? [input, h('span', null, label)] : [h('span', null, label), input], help),
    );
  }
  return box;
}

/**
 * One input for a leaf schema.
 * @param {Schema} schema
 * @param {Path} path
 * @param {any} value
 * @param {Ctx} ctx
 * @returns {HTMLElement}
 */
function editor(schema, path, value, ctx) {
  const name = path.join('.');
  const kind = kindOf(schema);
  const hint = schema?.default !== undefined ? `${ctx.words.default}: ${JSON.stringify(schema.default)}` : undefined;
  if (kind === 'boolean') {
    const checked = value === undefined ? schema.default === true : value === true;
    return h('input', {
      type: 'checkbox',
      name,
      checked,
      onChange: (/** @type {Event} */ e) => ctx.commit(path, /** @type {HTMLInputElement} */ (e.target).checked),
    });
  }
  if (kind === 'enum') {
    const options = [h('option', { value: '' }, ctx.words.none)];
    schema.enum.forEach((option, index) => {
      options.push(h('option', { value: String(index), selected: option === value }, String(option)));
    });
    return h('select', {
      name,
      title: hint,
      onChange: (/** @type {Event} */ e) => {
        const index = /** @type {HTMLSelectElement} */ (e.target).value;
        ctx.commit(path, index === '' ? undefined : schema.enum[Number(index)]);
      },
    }, options);
  }
  if (kind === 'enum_list') {
    const chosen = Array.isArray(value) ? value : [];
    return h('span', { class: 'fw-schema-form__checks', dataset: { path: name } },
      schema.items.enum.map((/** @type {any} */ option) =>
        h('label', null,
          h('input', {
            type: 'checkbox',
            name: `${name}[]`,
            value: String(option),
            checked: chosen.includes(option),
            onChange: (/** @type {Event} */ e) => {
              const on = /** @type {HTMLInputElement} */ (e.target).checked;
              const latest = ctx.read(path);
              const before = Array.isArray(latest) ? latest : [];
              const next = schema.items.enum.filter((/** @type {any} */ item) =>
                item === option ? on : before.includes(item));
              ctx.commit(path, next.length ? next : undefined);
            },
          }),
          String(option)),
      ));
  }
  const multiline = kind === 'list' || kind === 'json';
  const text = value === undefined || value === null
    ? ''
    : kind === 'list' ? (Array.isArray(value) ? value.join('\n') : '')
    : kind === 'json' ? JSON.stringify(value, null, 2)
    : String(value);
  const attrs = {
    name,
    placeholder: kind === 'list' ? ctx.words.one_per_line : hint,
    onChange: (/** @type {Event} */ e) => {
      const target = /** @type {HTMLInputElement} */ (e.target);
      const parsed = parseInput(kind, target.value);
      if (parsed === null) {
        target.setAttribute('aria-invalid', 'true');
        target.title = ctx.words.invalid_json;
        return;
      }
      target.removeAttribute('aria-invalid');
      ctx.commit(path, parsed);
    },
  };
  if (multiline) {
    return h('textarea', { ...attrs, rows: kind === 'json' ? 4 : 3 }, text);
  }
  const numeric = kind === 'number' || kind === 'integer';
  return h('input', {
    ...attrs,
    type: numeric ? 'number' : 'text',
    step: kind === 'integer' ? '1' : numeric ? 'any' : undefined,
    min: numeric ? schema.minimum : undefined,
    max: numeric ? schema.maximum : undefined,
    maxlength: kind === 'string' ? schema.maxLength : undefined,
    value: text,
  });
}

