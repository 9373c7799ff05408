// @ts-check
/**
 * A formula editor: the text, field pickers (a click puts `{key}` at the cursor), the allowed
 * functions (from the server's table), sample data as JSON prefilled from the fields' types, and
 * the live value the server computes over it. The pure helpers (`insertAt`, `formulaRefs`,
 * `sampleValue`, `withSamples`) are exported for tests; the DOM is built only through `h`.
 * The caller keeps a `state` object across redraws (sample text, caret, last result).
 */
import { h } from './dom.js';
import { pick, t } from './i18n.js';

/** @typedef {{key: string, type: string, label?: any, config?: any}} FieldInfo */
/** @typedef {{name: string, syntax?: string, description?: any, min_args?: number}} FunctionInfo */
/** @typedef {{ok: boolean, value?: any, text?: string, message?: string}} Outcome */
/**
 * @typedef {object} EditorState
 * @property {string} [sample]   the sample JSON text
 * @property {number} [caret]    where the caret goes after a redraw
 * @property {Outcome} [last]    the last answer, shown while the next one is on its way
 * @property {string} [lastFor]  the formula text that answer belongs to
 */

const WORDS = {
  'zh-CN': {
    formula: '公式', fields: '插入字段', functions: '函数', sample: '示例数据（JSON，可修改）',
    result: '计算结果', busy: '计算中…', bad_sample: '示例数据不是有效的 JSON 对象', empty: '（空）',
    hint: '点击字段或函数插入到光标处；字段写作 {标识}。',
  },
  en: {
    formula: 'Formula', fields: 'Insert a field', functions: 'Functions', sample: 'Sample data (JSON, editable)',
    result: 'Result', busy: 'Computing…', bad_sample: 'The sample is not a JSON object', empty: '(empty)',
    hint: 'Click a field or function to insert it at the cursor; fields are written {key}.',
  },
};
const EVALUATE_MS = 300;
const REF = /\{([A-Za-z][A-Za-z0-9_]*)(?:\.[A-Za-z][A-Za-z0-9_]*)?\}/g;

/**
 * `text` with `insert` put over the selection [start, end), and where the caret goes after it
 * (inside the parentheses of a function call).
 * @param {string} text
 * @param {number} start
 * @param {number} end
 * @param {string} insert
 */
export function insertAt(text, start, end, insert) {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  const next = text.slice(0, from) + insert + text.slice(to);
  const caret = from + (insert.endsWith('()') ? insert.length - 1 : insert.length);
  return { text: next, caret };
}

/**
 * Field keys a formula reads (`{items.amount}` reads `items`), in order of first use.
 * @param {string} text
 */
export function formulaRefs(text) {
  return [...new Set([...text.matchAll(REF)].map((match) => match[1]))];
}

/**
 * A plausible sample value of a field, from its type (null when there is none to give).
 * @param {FieldInfo} field
 * @param {string} today  ISO date
 * @returns {any}
 */
export function sampleValue(field, today) {
  const options = Array.isArray(field.config?.options) ? field.config.options : [];
  switch (field.type) {
    case 'text': case 'textarea': case 'rich_text': return pick(field.label, 'en') || field.key;
    case 'number': case 'rating': return 2;
    case 'money': return '100.00';
    case 'percent': return '0.8';
    case 'date': return today;
    case 'date_time': return `${today}T09:00:00+08:00`;
    case 'boolean': return true;
    case 'email': return 'someone@example.com';
    case 'phone': return '13800138000';
    case 'url': return 'https://example.com';
    case 'select': case 'radio': return options[0]?.value ?? null;
    case 'multiselect': case 'checkbox': return options.length ? [options[0].value] : [];
    case 'user': return 'admin';
    case 'line_items': {
      const columns = Array.isArray(field.config?.columns) ? field.config.columns : [];
      const computed = new Set(Object.keys(field.config?.row_formulas || {}));
      /** @type {Record<string, any>} */
      const row = {};
      for (const column of columns) if (!computed.has(column.key)) row[column.key] = sampleValue(column, today);
      return [row];
    }
    default: return null;
  }
}

/**
 * The sample text with a value added for every field `refs` names that it lacks (computed
 * fields are left out: the server computes them). Text that is not a JSON object is kept.
 * @param {string} sampleText
 * @param {string[]} refs
 * @param {FieldInfo[]} fields
 * @param {string} today
 */
export function withSamples(sampleText, refs, fields, today) {
  /** @type {any} */
  let sample;
  try {
    sample = sampleText.trim() ? JSON.parse(sampleText) : {};
  } catch {
    return sampleText;
  }
  if (!sample || typeof sample !== 'object' || Array.isArray(sample)) return sampleText;
  const byKey = new Map(fields.map((f) => [f.key, f]));
  let added = false;
  for (const key of refs) {
    const field = byKey.get(key);
    if (!field || key in sample || field.type === 'formula' || field.type === 'serial') continue;
    sample[key] = sampleValue(field, today);
    added = true;
  }
  return added || !sampleText.trim() ? JSON.stringify(sample, null, 2) : sampleText;
}

/**
 * @param {object} options
 * @param {string} options.value  the formula text
 * @param {string} [options.name]  the text area's name (focus survives redraws by it)
 * @param {FieldInfo[]} options.fields  what the pickers offer
 * @param {FunctionInfo[]} options.functions
 * @param {string} options.locale
 * @param {EditorState} options.state
 * @param {(text: string) => void} options.onCommit  the formula text changed (blur or a picker)
 * @param {(expression: string, sample: any) => Promise<Outcome>} options.evaluate
 * @param {string} [options.today]
 */
export function formulaEditor({ value, name = 'expression', fields, functions, locale, state, onCommit, evaluate, today }) {
  const words = /** @type {Record<string, string>} */ (WORDS[/** @type {'zh-CN' | 'en'} */ (locale)] || WORDS['zh-CN']);
  const day = today || new Date().toISOString().slice(0, 10);
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let seq = 0;
  const text = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    name, rows: '3', class: 'fw-formula__text', spellcheck: 'false', 'aria-label': words.formula,
    onInput: () => {
      refreshSample();
      schedule();
    },
    onChange: () => onCommit(text.value),
  }));
  text.value = value;
  state.sample = withSamples(state.sample ?? '', formulaRefs(value), fields, day);
  const sample = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    name: `${name}.sample`, rows: '4', class: 'fw-formula__sample', spellcheck: 'false', dataset: { formulaSample: '' },
    onInput: () => {
      state.sample = sample.value;
      schedule();
    },
  }));
  sample.value = state.sample;
  const result = h('output', { class: 'fw-formula__result', dataset: { formulaResult: '', state: 'busy' }, 'aria-live': 'polite' });

  /** Put `insert` at the caret (the end when the text was not being edited) and commit. */
  const insert = (/** @type {string} */ piece) => {
    const focused = typeof document !== 'undefined' && document.activeElement === text;
    const start = focused ? text.selectionStart : text.value.length;
    const end = focused ? text.selectionEnd : text.value.length;
    const out = insertAt(text.value, start, end, piece);
    text.value = out.text;
    state.caret = out.caret;
    refreshSample();
    onCommit(out.text);
  };
  // mousedown would move the focus off the text (a blur commits and redraws the panel first)
  const keepFocus = (/** @type {Event} */ e) => e.preventDefault();

  function refreshSample() {
    const next = withSamples(state.sample ?? '', formulaRefs(text.value), fields, day);
    if (next !== state.sample) {
      state.sample = next;
      sample.value = next;
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, EVALUATE_MS);
  }

  async function run() {
    const mine = ++seq;
    /** @type {any} */
    let data;
    try {
      data = JSON.parse(sample.value.trim() || '{}');
    } catch {
      data = null;
    }
    const expression = text.value;
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      show({ ok: false, message: words.bad_sample }, expression);
      return;
    }
    if (!expression.trim()) {
      show({ ok: true, text: words.empty }, expression);
      return;
    }
    result.dataset.state = 'busy';
    const out = await evaluate(expression, data);
    if (mine === seq) show(out, expression);
  }

  /**
   * Show an outcome; `data-formula-for` names the text it belongs to (a stale one stays on
   * screen, marked busy, while the next evaluation runs).
   * @param {Outcome} out
   * @param {string} expression
   */
  function show(out, expression) {
    state.last = out;
    state.lastFor = expression;
    result.dataset.formulaFor = expression;
    result.dataset.state = out.ok ? 'ok' : 'error';
    result.textContent = out.ok ? `= ${out.text || (out.value === null || out.value === undefined ? words.empty : String(out.value))}` : (out.message || '');
  }

  if (state.last) show(state.last, state.lastFor ?? '');
  else result.textContent = words.busy;
  result.dataset.state = 'busy';
  void run();
  if (state.caret !== undefined) {
    const caret = state.caret;
    const typed = text.value;
    state.caret = undefined;
    // Once the redrawn text has the focus; not when a key was typed meanwhile (the browser's
    // caret is then the right one, and moving it back would put the next insert before the key).
    setTimeout(() => {
      if (typeof document !== 'undefined' && document.activeElement === text && text.value === typed) text.setSelectionRange(caret, caret);
    }, 0);
  }

  return h('div', { class: 'fw-formula', dataset: { formulaEditor: name } },
    text,
    h('small', { class: 'fw-schema-form__help' }, words.hint),
    h('div', { class: 'fw-formula__pickers' },
      h('div', null,
        h('h4', null, words.fields),
        h('ul', { class: 'fw-formula__list' }, fields.map((field) => h('li', null, h('button', {
          type: 'button', class: 'fw-formula__chip', dataset: { insertField: field.key }, title: `{${field.key}}`,
          onMousedown: keepFocus, onClick: () => insert(`{${field.key}}`),
        }, pick(field.label, locale) || field.key))))),
      h('div', null,
        h('h4', null, words.functions),
        h('ul', { class: 'fw-formula__list' }, functions.map((fn) => h('li', null, h('button', {
          type: 'button', class: 'fw-formula__chip fw-formula__chip--function', dataset: { insertFunction: fn.name },
          title: `${fn.syntax || fn.name} — ${pick(fn.description, locale)}`,
          onMousedown: keepFocus, onClick: () => insert(`${fn.name}()`),
        }, fn.name)))))),
    h('label', { class: 'fw-schema-form__row' }, h('span', null, words.sample), sample),
    h('div', { class: 'fw-formula__outcome' }, h('span', null, words.result), result));
}

/**
 * The editor's words (for callers that label around it).
 * @param {string} key
 * @param {string} locale
 */
export function formulaWord(key, locale) {
  return t(WORDS, key, {}, locale);
}
