// @ts-check
/**
 * The test run panel: a sample record (from the form's fields, or loaded from an existing
 * record), a submitter, events typed one a line; runs POST …/simulate (nothing is written) and
 * hands the overlay to the canvas, listing the nodes taken, the conditions with the values they
 * saw, the approvers resolved and the effects that would happen.
 */

import { ApiError } from '../core/api.js';
import { h } from '../core/dom.js';
import { overlay, parseEvents, sampleRecord } from './trace.js';

/**
 * @param {HTMLElement} host
 * @param {{app: string, key: string, form: string | null, fields: any[], model: import('./model.js').FlowModel,
 *   api: (path: string, options?: any) => Promise<any>, say: (k: string, p?: any) => string,
 *   labelOf: (id: string) => string, onTrace: (trace: ReturnType<typeof overlay> | null) => void}} options
 */
export function createTestRun(host, { app, key, form, fields, model, api, say, labelOf, onTrace }) {
  const record = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'fd-code', rows: 8, 'data-testrun-record': '' },
    JSON.stringify(sampleRecord(fields), null, 2)));
  const recordId = /** @type {HTMLInputElement} */ (h('input', { type: 'number', min: 1, class: 'fd-short', 'data-testrun-record-id': '' }));
  const submitter = /** @type {HTMLInputElement} */ (h('input', { type: 'text', 'data-testrun-submitter': '', placeholder: 'north_a' }));
  const events = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'fd-code', rows: 3, 'data-testrun-events': '', placeholder: 'approve zhao' }));
  const message = h('p', { class: 'fd-error', role: 'alert', hidden: true });
  const output = h('div', { class: 'fd-testrun__result', 'data-testrun-result': '' });

  /** @param {string} text */
  function fail(text) {
    message.textContent = text;
    message.hidden = false;
  }

  async function load() {
    message.hidden = true;
    if (!form || !recordId.value) return;
    try {
      const found = await api(`/api/apps/${app}/forms/${form}/records/${Number(recordId.value)}`);
      record.value = JSON.stringify(found?.data ?? found, null, 2);
    } catch (error) {
      fail(error instanceof ApiError ? error.message : String(error));
    }
  }

  async function run() {
    message.hidden = true;
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
    output.replaceChildren(
      h('p', {}, `${say('status')}: `, h('strong', { 'data-testrun-status': shown.status }, shown.status)),
      h('p', { class: 'fd-muted' }, say('nothing_written')),
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
    );
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

  host.replaceChildren(
    h('h2', { class: 'fd-panel__title' }, say('test_run')),
    h('label', { class: 'fd-field' }, h('span', {}, say('record_id')),
      h('span', { class: 'fd-row' }, recordId, h('button', { type: 'button', class: 'fw-button', onClick: load }, say('load')))),
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
  );
  return { run };
}
