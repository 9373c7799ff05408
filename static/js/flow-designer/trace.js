// @ts-check
/**
 * Pure helpers for the test run and for problems: reading the events a user types, turning a
 * simulate answer (builder/simulate.py) into what the canvas overlays, placing the validator's
 * problems (JSON pointers such as /nodes/3/config/approvers/0 or /edges/2) on nodes and edges.
 */

/**
 * @typedef {{node: string | null, kind: string, data: Record<string, any>}} TraceEntry
 * @typedef {{event: Record<string, any>, at: string, trace: TraceEntry[], effects: Record<string, any>[], status: string, auto?: boolean, error?: {code: string, message: string}}} SimStep
 * @typedef {{status: string, record: Record<string, any>, steps: SimStep[], stopped?: any, problems?: any[]}} SimResult
 */

const VERBS = { approve: 'approve', reject: 'reject', return: 'return', 同意: 'approve', 驳回: 'reject', 退回: 'return' };

/**
 * One line of the events box: `approve zhao`, `reject qian`, `return zhao`, `withdraw north_a`,
 * `signal paid`, `timer director:1` or a JSON object. Null when the line is not understood.
 * @param {string} line
 * @returns {Record<string, any> | null}
 */
export function parseEventLine(line) {
  const text = line.trim();
  if (!text) return null;
  if (text.startsWith('{')) {
    try {
      const value = JSON.parse(text);
      return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
    } catch {
      return null;
    }
  }
  const words = text.replace(/\s+by\s+/i, ' ').split(/\s+/);
  const [verb, who, ...rest] = words;
  const outcome = /** @type {Record<string, string>} */ (VERBS)[verb.toLowerCase()] || VERBS[/** @type {keyof VERBS} */ (verb)];
  if (outcome && who) {
    const event = { type: 'task_completed', by: who, outcome };
    return rest.length ? { ...event, comment: rest.join(' ') } : event;
  }
  if (verb === 'withdraw' && who) return { type: 'withdraw', by: who };
  if (verb === 'signal' && who) return { type: 'signal', name: who };
  if (verb === 'timer' && who) return { type: 'timer', key: who };
  return null;
}

/**
 * All lines; `bad` lists the lines not understood (nothing is sent while there are any).
 * @param {string} text
 */
export function parseEvents(text) {
  /** @type {Record<string, any>[]} */
  const events = [];
  /** @type {string[]} */
  const bad = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const event = parseEventLine(line);
    if (event) events.push(event);
    else bad.push(line.trim());
  }
  return { events, bad };
}

/**
 * The fields a condition tree reads (`field` keys and `{field}` operands), in order.
 * @param {any} tree
 * @param {string[]} [into]
 */
export function conditionFields(tree, into = []) {
  if (Array.isArray(tree)) {
    for (const item of tree) conditionFields(item, into);
  } else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (key === 'field' && typeof value === 'string') {
        if (!into.includes(value)) into.push(value);
      } else {
        conditionFields(value, into);
      }
    }
  }
  return into;
}

/**
 * What to draw over the canvas for a simulate answer.
 * - `nodes`: node ids in the order first entered, each with its step number (1-based);
 * - `edges`: the edge ids taken (`via` of an entered node, or a condition that held);
 * - `conditions`: each verdict with the values it saw (from the trace when the engine gives
 *   them, else read from the record the run started with);
 * - `approvers`, `effects` (every effect, `auto` steps included), `errors`, `status`;
 * - `stopped`: where the engine could not go on with a draft (`{cause, node, edge, target,
 *   message}`, its step left out of `errors`), else null; `problems`: the draft's problems.
 * @param {SimResult} result
 * @param {{edges: {id: string, condition?: any}[]}} flow
 * @param {Record<string, any>} record
 */
export function overlay(result, flow, record) {
  /** @type {{id: string, step: number}[]} */
  const nodes = [];
  /** @type {Set<string>} */
  const edges = new Set();
  /** @type {{node: string | null, edge: string, result: boolean, default: boolean, values: Record<string, any>}[]} */
  const conditions = [];
  /** @type {{node: string | null, users: string[], spec: any}[]} */
  const approvers = [];
  /** @type {Record<string, any>[]} */
  const effects = [];
  /** @type {{step: number, code: string, message: string}[]} */
  const errors = [];
  const byId = new Map((flow.edges || []).map((e) => [e.id, e]));
  (result.steps || []).forEach((step, index) => {
    if (step.error && step.error.code !== 'cannot_run') errors.push({ step: index, code: step.error.code, message: step.error.message });
    for (const entry of step.trace || []) {
      const data = entry.data || {};
      if (entry.kind === 'entered' && entry.node) {
        if (!nodes.some((n) => n.id === entry.node)) nodes.push({ id: entry.node, step: nodes.length + 1 });
        if (typeof data.via === 'string') edges.add(data.via);
      } else if (entry.kind === 'condition' && typeof data.edge === 'string') {
        const edge = byId.get(data.edge);
        const values =
          data.values && typeof data.values === 'object'
            ? data.values
            : Object.fromEntries(conditionFields(edge?.condition).map((k) => [k, record[k] ?? null]));
        conditions.push({ node: entry.node, edge: data.edge, result: data.result === true, default: data.default === true, values });
        if (data.result === true) edges.add(data.edge);
      } else if (entry.kind === 'approver' && Array.isArray(data.users)) {
        approvers.push({ node: entry.node, users: data.users, spec: data.spec ?? data.empty ?? null });
      } else if (entry.kind === 'error') {
        errors.push({ step: index, code: String(data.code || 'error'), message: String(data.message || '') });
      }
    }
    for (const effect of step.effects || []) effects.push(effect);
  });
  const stopped = result.stopped && typeof result.stopped === 'object' ? result.stopped : null;
  const problems = Array.isArray(result.problems) ? result.problems : [];
  return { nodes, edges: [...edges], conditions, approvers, effects, errors, status: result.status, stopped, problems };
}

/**
 * Place problems by their pointer: `/nodes/3/…` on node 3's id, `/edges/2/…` on edge 2's id,
 * the rest on the flow. `doc` must be the definition that was sent (indices are its own).
 * @param {{code: string, message: string, pointer?: string | null, field?: string | null}[]} problems
 * @param {{nodes: {id: string}[], edges: {id: string}[]}} doc
 */
export function placeProblems(problems, doc) {
  /** @type {Record<string, typeof problems>} */
  const nodes = {};
  /** @type {Record<string, typeof problems>} */
  const edges = {};
  /** @type {typeof problems} */
  const flow = [];
  for (const problem of problems) {
    const pointer = String(problem.pointer ?? problem.field ?? '');
    const match = /^\/(nodes|edges)\/(\d+)(?:\/|$)/.exec(pointer);
    const list = match ? (match[1] === 'nodes' ? doc.nodes : doc.edges) : null;
    const item = match && list ? list[Number(match[2])] : null;
    if (!match || !item) {
      flow.push(problem);
    } else {
      const into = match[1] === 'nodes' ? nodes : edges;
      (into[item.id] ||= []).push(problem);
    }
  }
  return { nodes, edges, flow };
}

/**
 * A sample record from the form's fields: a plausible value per type (numbers 0, text empty,
 * the first option of a choice), left out for computed and relation fields.
 * @param {{key: string, type: string, options?: any[]}[]} fields
 */
export function sampleRecord(fields) {
  /** @type {Record<string, any>} */
  const record = {};
  for (const field of fields) {
    const { key, type } = field;
    if (['formula', 'serial', 'relation', 'line_items', 'attachment', 'image', 'signature', 'rollup', 'lookup'].includes(type)) continue;
    if (['number', 'currency', 'percent', 'rating'].includes(type)) record[key] = 0;
    else if (type === 'checkbox' || type === 'boolean') record[key] = false;
    else if (['select', 'radio'].includes(type) && field.options?.length) record[key] = optionValue(field.options[0]);
    else if (type === 'multiselect' || type === 'checkboxes') record[key] = [];
    else record[key] = '';
  }
  return record;
}

/** @param {any} option */
function optionValue(option) {
  return option && typeof option === 'object' ? option.value ?? option.key ?? '' : option;
}

/** Field types a record search looks into (their stored value is plain text). */
const SEARCHED = ['text', 'textarea', 'email', 'phone', 'url', 'serial', 'select', 'radio', 'user'];
/** Field types not shown as columns of the record picker (lists, files, long text, ids). */
const NOT_SHOWN = ['line_items', 'attachment', 'image', 'signature', 'rich_text', 'textarea', 'relation', 'people', 'multiselect', 'checkbox'];

/** Field types compared as numbers by the records list (and formulas with such a result). */
const NUMERIC = ['number', 'money', 'percent', 'rating'];

/**
 * A typed number (`800000`, `800,000.00`, `-3.5`) as a JSON number, else null.
 * @param {string} text
 */
export function typedNumber(text) {
  const plain = text.trim().replace(/[,，\s]/g, '');
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(plain) || plain.replace(/\D/g, '').length > 15) return null;
  return Number(plain);
}

/**
 * The records list API's `filter` (a condition tree, decision 0002) for a text typed into the
 * record picker: any searchable field contains it; a serial equals it; and when it is a number,
 * a number field (or a formula with a number result) equals it exactly; null for an empty
 * text (the latest records).
 * @param {{key: string, type: string, result?: string}[]} fields
 * @param {string} text
 * @returns {Record<string, any> | null}
 */
export function recordSearchFilter(fields, text) {
  const wanted = text.trim();
  if (!wanted) return null;
  /** @type {Record<string, any>[]} */
  const any = fields.filter((f) => SEARCHED.includes(f.type)).map((f) => ({ field: f.key, op: 'contains', value: wanted }));
  const number = typedNumber(wanted);
  for (const f of fields) {
    const numeric = NUMERIC.includes(f.type) || (f.type === 'formula' && NUMERIC.includes(f.result || ''));
    if (numeric && number !== null) any.push({ field: f.key, op: 'eq', value: number });
  }
  return { any };
}

/**
 * The record id a typed text names (`12`, `#12`), else null.
 * @param {string} text
 */
export function recordIdOf(text) {
  const match = /^#?\s*(\d{1,15})$/.exec(text.trim());
  const id = match ? Number(match[1]) : 0;
  return id > 0 && Number.isSafeInteger(id) ? id : null;
}

/**
 * Up to `max` fields worth showing as the record picker's columns (short scalar values).
 * @param {{key: string, type: string}[]} fields
 * @param {number} [max]
 */
export function recordColumns(fields, max = 3) {
  return fields.filter((f) => !NOT_SHOWN.includes(f.type)).slice(0, max);
}

/**
 * A stored value as short text for the picker.
 * @param {unknown} value
 * @param {number} [max]
 */
export function shortValue(value, max = 24) {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
