// @ts-check
/**
 * The test run panel: a sample record (from the form's fields, or picked from the form's
 * records: searched by text or id through the records list API, a few columns shown, a click
 * fills the sample), a submitter, events typed one a line; runs POST …/simulate (nothing is
 * written) and hands the overlay to the canvas, listing the nodes taken, the conditions with the
 * values they saw, the approvers resolved and the effects that would happen.
 *
 * Test hooks: `data-testrun-search`, `data-action=search-records`, `data-testrun-records`
 * (the table), rows `data-record-id`, `data-testrun-picked`.
 */

import { ApiError } from '../core/api.js';
import { append, h } from '../core/dom.js';
import { pick as pickText } from '../core/i18n.js';
import { overlay, parseEvents, placeProblems, recordColumns, recordIdOf, recordSearchFilter, sampleRecord, shortValue } from './trace.js';

const PICKER_ROWS = 8;

/**
 * @param {HTMLElement} host
 * @param {{app: string, key: string, form: string | null, fields: any[], model: import('./model.js').FlowModel,
 *   api: (path: string, options?: any) => Promise<any>, say: (k: string, p?: any) => string,
 *   labelOf: (id: string) => string, onTrace: (trace: ReturnType<typeof overlay> | null) => void,
 *   lang?: string, prepare?: () => Promise<boolean>}} options
 *   `prepare`: runs before each test run (the designer saves its draft); false stops the run
 */
export function createTestRun(host, { app, key, form, fields, model, api, say, labelOf, onTrace, lang, prepare }) {
  const record = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'fd-code', rows: 8, 'data-testrun-record': '' },
    JSON.stringify(sampleRecord(fields), null, 2)));
  const search = /** @type {HTMLInputElement} */ (h('input', {
    type: 'search', 'data-testrun-search': '', placeholder: say('search_records'), 'aria-label': say('search_records'),
    onKeydown: (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter') { e.preventDefault(); void find(); } },
  }));
  const found = h('div', { class: 'fd-picker' });
  const picked = h('p', { class: 'fd-muted', 'data-testrun-picked': '', hidden: true });
  const columns = recordColumns(fields);
  const submitter = /** @type {HTMLInputElement} */ (h('input', { type: 'text', 'data-testrun-submitter': '', placeholder: 'north_a' }));
  const events = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'fd-code', rows: 3, 'data-testrun-events': '', placeholder: 'approve zhao' }));
  const message = h('p', { class: 'fd-error', role: 'alert', hidden: true });
  const output = h('div', { class: 'fd-testrun__result', 'data-testrun-result': '' });

  /** @param {string} text */
  function fail(text) {
    message.textContent = text;
    message.hidden = false;
  }

  /** What the last search listed: its rows, the filter, and the cursor of the next page. */
  /** @type {{items: any[], query: URLSearchParams | null, next: string | null}} */
  let listed = { items: [], query: null, next: null };

  /**
   * Search the form's records (text in its text fields, a number in its number fields, or an
   * id) and list them; `more` fetches the next page of the same search below them.
   * @param {boolean} [more]
   */
  async function find(more = false) {
    message.hidden = true;
    if (!form) return;
    const base = `/api/apps/${app}/forms/${form}/records`;
    try {
      if (more) {
        if (!listed.query || !listed.next) return;
        const query = new URLSearchParams(listed.query);
        query.set('cursor', listed.next);
        const page = await api(`${base}?${query}`);
        const seen = new Set(listed.items.map((r) => r.id));
        listed = { ...listed, items: [...listed.items, ...(page?.items || []).filter((/** @type {any} */ r) => !seen.has(r.id))], next: page?.next_cursor || null };
        showRecords(listed.items, listed.next !== null);
        return;
      }
      const text = search.value;
      const filter = recordSearchFilter(fields, text);
      const query = new URLSearchParams({ limit: String(PICKER_ROWS) });
      if (filter) query.set('filter', JSON.stringify(filter));
      /** @type {any[]} */
      let items = [];
      let next = null;
      if (!filter || filter.any.length) {
        const page = await api(`${base}?${query}`);
        items = page?.items || [];
        next = page?.next_cursor || null;
      }
      const id = recordIdOf(text);
      if (id !== null && !items.some((r) => r.id === id)) {
        try {
          items = [await api(`${base}/${id}`), ...items];
        } catch (error) {
          if (!(error instanceof ApiError) || error.status !== 404) throw error;
        }
      }
      listed = { items, query: !filter || filter.any.length ? query : null, next };
      showRecords(items, next !== null);
    } catch (error) {
      fail(error instanceof ApiError ? error.message : String(error));
    }
  }

  /** @param {any[]} items @param {boolean} [hasMore] */
  function showRecords(items, hasMore = false) {
    if (!items.length) {
      found.replaceChildren(h('p', { class: 'fd-muted', 'data-testrun-records': '' }, say('no_records')));
      return;
    }
    const moreButton = hasMore
      ? h('button', { type: 'button', class: 'fw-button', 'data-action': 'more-records', onClick: () => find(true) }, say('more_records'))
      : null;
    found.replaceChildren(h('table', { class: 'fd-picker__table', 'data-testrun-records': '', 'data-count': String(items.length) },
      h('thead', {}, h('tr', {}, h('th', {}, '#'), columns.map((f) => h('th', {}, pickText(/** @type {any} */ (f).label, lang) || f.key)), h('th', {}, ''))),
      h('tbody', {}, items.map((item) => h('tr', { 'data-record-id': String(item.id), onClick: () => use(item) },
        h('td', {}, String(item.id)),
        columns.map((f) => h('td', { title: shortValue(item.data?.[f.key], 200) }, shortValue(item.data?.[f.key]))),
        h('td', {}, h('button', { type: 'button', class: 'fw-button fw-button--link', 'data-action': 'use-record' }, say('use_record')))))),
    ), moreButton);
  }

  /** Fill the sample record with a picked record's data. @param {any} item */
  function use(item) {
    record.value = JSON.stringify(item.data ?? {}, null, 2);
    picked.textContent = say('picked_record', { id: item.id });
    picked.hidden = false;
    for (const row of found.querySelectorAll('[data-record-id]')) {
      row.classList.toggle('fd-picker__row--picked', row.getAttribute('data-record-id') === String(item.id));
    }
  }

  async function run() {
    message.hidden = true;
    if (prepare && !(await prepare())) {
      fail(say('fix_before_run'));
      return;
    }
    /** @type {any} */
    let sample;
    try {
      sample = JSON.parse(record.value || '{}');
    } catch {
      fail(say('json_invalid'));
      return;
    }
    const parsed = parseEvents(events.value);
    if (parsed.bad.length) {
      fail(say('bad_event', { line: parsed.bad[0] }));
      return;
    }
    const body = { record: sample, events: parsed.events, ...(submitter.value.trim() ? { submitter: submitter.value.trim() } : {}) };
    try {
      const result = await api(`/api/apps/${app}/flows/${key}/simulate`, { method: 'POST', body });
      const shown = overlay(result, model.toJSON(), sample);
      onTrace(shown);
      show(shown);
    } catch (error) {
      fail(error instanceof ApiError ? error.problems.map((p) => `${p.field ? `${p.field}: ` : ''}${p.message}`).join(' ') : String(error));
    }
  }

  /** @param {ReturnType<typeof overlay>} shown */
  function show(shown) {
    /** @param {any} v */
    const json = (v) => JSON.stringify(v);
    const stop = shown.stopped;
    // `append` skips the absent parts (null) and flattens lists; replaceChildren would print them.
    output.replaceChildren();
    append(output, [
      h('p', {}, `${say('status')}: `, h('strong', { 'data-testrun-status': shown.status }, shown.status)),
      h('p', { class: 'fd-muted' }, say('nothing_written')),
      stop ? h('p', { class: 'fd-error fd-testrun__stopped', role: 'alert', 'data-testrun-stopped': stop.cause || stop.code }, stopText(stop)) : null,
      shown.problems.length
        ? h('div', { class: 'fd-testrun__problems', 'data-testrun-problems': String(shown.problems.length) },
          h('p', {}, say('run_with_problems', { count: shown.problems.length })),
          h('ul', {}, shown.problems.map((p) => h('li', { 'data-problem-code': p.code }, problemText(p)))))
        : null,
      shown.errors.map((e) => h('p', { class: 'fd-error', 'data-testrun-error': e.code }, say('step_error', { n: e.step, message: e.message || e.code }))),
      h('h3', {}, say('steps_taken')),
      h('ol', { class: 'fd-trace' }, shown.nodes.map((n) => h('li', { 'data-trace-node': n.id }, `${labelOf(n.id)} (${n.id})`))),
      h('h3', {}, say('conditions_seen')),
      h('ul', { class: 'fd-trace' }, shown.conditions.map((c) => h('li', { 'data-trace-edge': c.edge, class: c.result ? 'fd-held' : 'fd-not-held' },
        `${c.edge}: ${c.default ? say('default_taken') : c.result ? say('held') : say('not_held')}`,
        Object.keys(c.values).length ? ` — ${Object.entries(c.values).map(([k, v]) => `${k} = ${json(v)}`).join(', ')}` : ''))),
      h('h3', {}, say('approvers_resolved')),
      h('ul', { class: 'fd-trace' }, shown.approvers.map((a) => h('li', {}, `${a.node ? labelOf(a.node) : ''}: ${a.users.join(', ') || '—'}`))),
      h('h3', {}, say('effects')),
      h('ul', { class: 'fd-trace' }, shown.effects.map((e) => h('li', { 'data-trace-effect': e.effect }, effectText(e)))),
    ]);
  }

  /** Why a draft's run stopped, in the page language. @param {Record<string, any>} stop */
  function stopText(stop) {
    if (stop.cause === 'dangling_edge') {
      return say('stopped_dangling', { node: `${labelOf(stop.node)} (${stop.node})`, edge: stop.edge, target: stop.target });
    }
    if (stop.cause === 'no_start') return say('stopped_no_start');
    return say('stopped_other', { message: stop.message || stop.cause || '' });
  }

  /** A problem of the draft, with the node or edge it is on. @param {Record<string, any>} p */
  function problemText(p) {
    const placed = placeProblems([p], model.toJSON());
    const node = Object.keys(placed.nodes)[0];
    const edge = Object.keys(placed.edges)[0];
    const where = node ? `${labelOf(node)} (${node}): ` : edge ? `${edge}: ` : '';
    return `${where}${p.message}`;
  }

  /** @param {Record<string, any>} e */
  function effectText(e) {
    if (e.effect === 'create_task') return `create_task → ${e.assignee} (${e.node})`;
    if (e.effect === 'run_action') return `run_action ${e.action} (${e.node}) ${JSON.stringify(e.params)}`;
    if (e.effect === 'notify') return `notify → ${(e.to || []).join(', ')} ${e.template || ''}`;
    if (e.effect === 'finish') return `finish: ${e.outcome}`;
    const { effect, ...rest } = e;
    return `${effect} ${JSON.stringify(rest)}`;
  }

  host.replaceChildren();
  append(host, [
    h('h2', { class: 'fd-panel__title' }, say('test_run')),
    form ? h('div', { class: 'fd-field' }, h('span', {}, say('pick_record')),
      h('span', { class: 'fd-row' }, search, h('button', { type: 'button', class: 'fw-button', 'data-action': 'search-records', onClick: () => find() }, say('search'))),
      found, picked) : null,
    h('label', { class: 'fd-field' }, h('span', {}, say('sample_record')), record),
    h('label', { class: 'fd-field' }, h('span', {}, say('submitter')), submitter),
    h('label', { class: 'fd-field' }, h('span', {}, say('events')), events),
    h('div', { class: 'fd-row' },
      h('button', { type: 'button', class: 'fw-button fw-button--primary', 'data-action': 'run-test', onClick: run }, say('run')),
      h('button', { type: 'button', class: 'fw-button', 'data-action': 'clear-test', onClick: () => {
        onTrace(null);
        output.replaceChildren();
      } }, say('clear'))),
    message,
    output,
  ]);
  return { run };
}
