// @ts-check
/**
 * The todo page: tabs (mine / cc / submitted), the task list, and a panel for one task with the
 * record's fields (per the node's field permissions), the history and the approval buttons.
 * Pure helpers are exported for tests; the DOM part starts only in a browser.
 */
import { ApiError, get, post, upload } from '../core/api.js';
import { append, h } from '../core/dom.js';

const MINUTE = 60_000;
const HIDDEN_TYPES = new Set(['formula', 'serial']);

/**
 * A label (text or {"zh-CN", "en"}) in the page language.
 * @param {unknown} label
 * @param {string} lang
 */
export function pick(label, lang) {
  if (label && typeof label === 'object') {
    const map = /** @type {Record<string, string>} */ (label);
    return map[lang] ?? map['zh-CN'] ?? map.en ?? Object.values(map)[0] ?? '';
  }
  return label === null || label === undefined ? '' : String(label);
}

/**
 * Fill `{name}` placeholders.
 * @param {string} template
 * @param {Record<string, string | number>} vars
 */
export function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
}

/**
 * How long ago `iso` was, in words ("3 小时").
 * @param {string | null | undefined} iso
 * @param {number} now  epoch milliseconds
 * @param {Record<string, string>} w
 */
export function ageText(iso, now, w) {
  if (!iso) return '';
  const minutes = Math.floor((now - Date.parse(iso)) / MINUTE);
  if (!Number.isFinite(minutes)) return '';
  if (minutes < 1) return w.just_now;
  if (minutes < 60) return fill(w.minutes, { n: minutes });
  if (minutes < 24 * 60) return fill(w.hours, { n: Math.floor(minutes / 60) });
  return fill(w.days, { n: Math.floor(minutes / (24 * 60)) });
}

/**
 * The due date as local "MM-DD HH:mm" and whether it has passed.
 * @param {string | null | undefined} iso
 * @param {number} now
 * @returns {{text: string, overdue: boolean}}
 */
export function dueInfo(iso, now) {
  if (!iso) return { text: '', overdue: false };
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return { text: '', overdue: false };
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  const text = `${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}`;
  return { text, overdue: at.getTime() < now };
}

/**
 * The fields the panel shows: hidden ones dropped, each with its mode (read_only | editable).
 * Fields the node says nothing about are read only; computed fields are never editable.
 * @param {any[]} fields  the form's field definitions
 * @param {Record<string, any>} data
 * @param {Record<string, string>} permissions
 */
export function panelFields(fields, data, permissions) {
  const shown = [];
  for (const field of fields || []) {
    const permission = permissions?.[field.key];
    if (permission === 'hidden' || (field.hidden && permission !== 'editable')) continue;
    const editable = permission === 'editable' && !HIDDEN_TYPES.has(field.type);
    const value = data?.[field.key];
    if (!editable && (value === null || value === undefined || value === '')) continue;
    shown.push({ field, value, mode: editable ? 'editable' : 'read_only' });
  }
  return shown;
}

/**
 * The values that differ from the record's (what an approver changed).
 * @param {Record<string, any>} original
 * @param {Record<string, any>} edited
 */
export function changedValues(original, edited) {
  /** @type {Record<string, any>} */
  const changed = {};
  for (const [key, value] of Object.entries(edited)) {
    const before = original?.[key];
    if (String(before ?? '') !== String(value ?? '')) changed[key] = value === '' ? null : value;
  }
  return changed;
}

/**
 * The body of POST /api/tasks/{id}/complete.
 * @param {{outcome: string, comment?: string, data?: Record<string, any>, version?: number, toNode?: string, attachments?: string[]}} args
 */
export function completeBody({ outcome, comment = '', data = {}, version, toNode = '', attachments = [] }) {
  /** @type {Record<string, any>} */
  const body = { outcome, comment: comment.trim() };
  if (Object.keys(data).length) body.data = data;
  if (Number.isInteger(version)) body.version = version;
  if (toNode) body.to_node = toNode;
  if (attachments.length) body.attachments = attachments;
  return body;
}

/**
 * Where a return may send the record: earlier approval nodes of this instance (latest last), then
 * the submitter. An empty value means the node's own setting (by default the previous node).
 * @param {any[]} trace  the instance trace
 * @param {any[]} nodes  the flow's nodes
 * @param {string} current  the node of the task being decided
 * @param {(id: string) => string} nodeLabel
 * @param {Record<string, string>} w
 * @returns {{value: string, label: string}[]}
 */
export function returnTargets(trace, nodes, current, nodeLabel, w) {
  const approvals = new Set((nodes || []).filter((n) => n.type === 'approval').map((n) => n.id));
  const earlier = [];
  for (const entry of trace || []) {
    const id = entry.node;
    if (entry.kind !== 'entered' || id === current || !approvals.has(id)) continue;
    const at = earlier.indexOf(id);
    if (at >= 0) earlier.splice(at, 1);
    earlier.push(id);
  }
  return [
    { value: '', label: w.return_default ?? 'default' },
    ...earlier.map((id) => ({ value: id, label: nodeLabel(id) })),
    { value: 'submitter', label: w.return_submitter ?? 'submitter' },
  ];
}

// Types whose server-formatted text (record.display) reads best: money, dates, phones …
const SERVER_FORMATTED = new Set(['money', 'number', 'percent', 'date', 'datetime', 'phone', 'rating', 'boolean', 'region', 'formula']);

/**
 * A field value as text (select labels, line item counts, relation ids).
 * @param {any} field
 * @param {any} value
 * @param {string} lang
 * @param {string} [display]  the server's formatted text for the value, when it has one
 */
export function showValue(field, value, lang, display) {
  if (value === null || value === undefined) return '';
  if (display && SERVER_FORMATTED.has(field?.type)) return display;
  const options = field?.config?.options;
  if (Array.isArray(options)) {
    const label = (/** @type {any} */ v) => pick(options.find((o) => o.value === v)?.label ?? v, lang);
    return Array.isArray(value) ? value.map(label).join(', ') : label(value);
  }
  if (field?.type === 'line_items' && Array.isArray(value)) {
    const columns = field.config?.columns || [];
    return value.map((row) => columns.map((/** @type {any} */ c) => row?.[c.key] ?? '').join(' · ')).join('\n');
  }
  if (field?.type === 'relation') return `#${value}`;
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Readable history lines from an instance trace: approvers, votes, transfers, errors.
 * @param {any[]} trace
 * @param {Record<string, string>} w
 * @param {(node: string | null) => string} nodeLabel
 * @param {any[]} [tasks]  the instance's tasks: a vote shows the files of its task
 * @returns {{seq: number, at: string, node: string, text: string, comment: string, kind: string, files: any[]}[]}
 */
export function historyLines(trace, w, nodeLabel, tasks = []) {
  const files = new Map((tasks || []).map((t) => [t.key, t.attachments || []]));
  const lines = [];
  for (const entry of trace || []) {
    const d = entry.data || {};
    let text = '';
    if (entry.kind === 'vote' && d.by && d.outcome) {
      text = `${d.by} ${w[`outcome_${d.outcome}`] || d.outcome}`;
    } else if (entry.kind === 'approver' && d.action === 'transfer') {
      text = `${d.by} ${w.trace_transfer} ${d.to}`;
    } else if (entry.kind === 'approver' && d.action === 'add_signer') {
      text = `${d.by} ${w.add_signer}: ${(d.users || []).join(', ')} (${w[d.position] || d.position})`;
    } else if (entry.kind === 'approver' && Array.isArray(d.users)) {
      text = `${w.trace_approver}: ${d.users.join(', ')}`;
    } else if (entry.kind === 'error') {
      text = `${w.trace_error}: ${d.message || d.code || ''}`;
    }
    if (text) {
      lines.push({
        seq: entry.seq,
        at: entry.at,
        node: nodeLabel(entry.node),
        text,
        comment: d.comment || '',
        kind: entry.kind,
        files: entry.kind === 'vote' && d.task ? files.get(d.task) || [] : [],
      });
    }
  }
  return lines;
}

/**
 * May `user` act on `task` (decide it, transfer it, add signers)?
 * @param {any} task
 * @param {string} user
 */
export function canDecide(task, user) {
  return task?.status === 'open' && task?.kind === 'approve' && task?.assignee === user;
}

/**
 * May `user` mark `task` done (a todo an automation gave them)?
 * @param {any} task
 * @param {string} user
 */
export function canFinish(task, user) {
  return task?.status === 'open' && task?.kind === 'todo' && task?.assignee === user;
}

// ------------------------------------------------------------------------------------------
// The page (browser only)

/** @param {HTMLElement} root */
function start(root) {
  const words = JSON.parse(document.getElementById('fw-todo-words')?.textContent || '{}');
  /** @param {string} key */
  const w = (key) => words[key] ?? key;
  const lang = root.dataset.lang || 'zh-CN';
  const me = root.dataset.user || '';
  const list = /** @type {HTMLElement} */ (document.getElementById('fw-todo-items'));
  const panel = /** @type {HTMLElement} */ (document.getElementById('fw-todo-panel'));
  const message = /** @type {HTMLElement} */ (root.querySelector('.fw-todo__message'));
  const batch = /** @type {HTMLButtonElement} */ (root.querySelector('[data-action=batch-approve]'));
  const selectAll = /** @type {HTMLInputElement} */ (root.querySelector('[data-action=select-all]'));
  const statusSelect = /** @type {HTMLSelectElement} */ (root.querySelector('[data-action=status]'));
  const state = { box: root.dataset.box || 'mine', tasks: /** @type {any[]} */ ([]), selected: new Set() };
  /** @type {Map<string, Promise<any>>} */
  const forms = new Map();
  /** @type {Promise<any[]> | null} */
  let users = null;

  /** @param {string} text @param {boolean} [bad] */
  const say = (text, bad = false) => {
    message.textContent = text;
    message.hidden = !text;
    message.classList.toggle('fw-todo__message--error', bad);
  };
  /** @param {unknown} error */
  const fail = (error) => say(error instanceof ApiError ? error.message : String(error), true);

  /** A definition (cached; for labels): `{fields}` or `{nodes}` stand in when it cannot load. */
  const definition = (/** @type {string} */ app, /** @type {string} */ kind, /** @type {string} */ key) => {
    const path = `/api/apps/${app}/${kind}/${key}`;
    if (!forms.has(path)) {
      forms.set(path, get(path).then((r) => r.definition).catch(() => ({ fields: [], nodes: [] })));
    }
    return /** @type {Promise<any>} */ (forms.get(path));
  };

  const syncBatch = () => {
    batch.disabled = state.selected.size === 0;
    selectAll.checked = state.selected.size > 0 && state.selected.size === selectable().length;
  };
  const selectable = () => state.tasks.filter((t) => canDecide(t, me));

  async function loadList() {
    const params = new URLSearchParams({ box: state.box, status: statusSelect.value });
    try {
      state.tasks = (await get(`/api/tasks?${params}`)).items || [];
    } catch (error) {
      fail(error);
      return;
    }
    state.selected.clear();
    const now = Date.now();
    list.replaceChildren(
      ...(state.tasks.length ? state.tasks.map((t) => row(t, now)) : [h('li', { class: 'fw-todo__empty' }, w('empty'))]),
    );
    syncBatch();
  }

  /** @param {any} task @param {number} now */
  function row(task, now) {
    const due = dueInfo(task.due_at, now);
    const box = canDecide(task, me)
      ? h('input', {
          type: 'checkbox',
          class: 'fw-todo__check',
          'aria-label': task.record?.title || `#${task.id}`,
          onClick: (/** @type {Event} */ e) => e.stopPropagation(),
          onChange: (/** @type {Event} */ e) => {
            const on = /** @type {HTMLInputElement} */ (e.target).checked;
            on ? state.selected.add(task.id) : state.selected.delete(task.id);
            syncBatch();
          },
        })
      : h('span', { class: 'fw-todo__check' });
    return h(
      'li',
      { class: 'fw-todo__item', dataset: { taskId: String(task.id), status: task.status }, tabindex: '0',
        onClick: () => openTask(task), onKeydown: (/** @type {KeyboardEvent} */ e) => e.key === 'Enter' && openTask(task) },
      box,
      h('div', { class: 'fw-todo__main' },
        h('div', { class: 'fw-todo__title' }, task.record?.title || `#${task.record?.id ?? task.id}`,
          task.kind === 'cc' ? h('span', { class: 'fw-todo__badge' }, w('kind_cc')) : null,
          task.kind === 'todo' ? h('span', { class: 'fw-todo__badge' }, w('kind_todo')) : null,
          task.priority === 'high' ? h('span', { class: 'fw-todo__badge fw-todo__badge--urgent' }, w('priority_high')) : null),
        h('div', { class: 'fw-todo__meta' },
          h('span', null, pick(task.flow_title ?? task.flow, lang), ' · ', pick(task.node_label ?? task.node, lang)),
          task.submitter ? h('span', null, `${w('submitter')}: ${task.submitter}`) : null,
          state.box !== 'mine' ? h('span', null, `${w('assignee')}: ${task.assignee ?? ''}`) : null,
          h('span', null, `${w('age')} ${ageText(task.created_at, now, words)}`),
          due.text ? h('span', { class: due.overdue && task.status === 'open' ? 'fw-todo__due fw-todo__due--over' : 'fw-todo__due' },
            `${due.overdue && task.status === 'open' ? w('overdue') : w('due')} ${due.text}`) : null,
          task.status !== 'open' ? h('span', null, w(`task_${task.status}`)) : null)),
    );
  }

  /** @param {any} task */
  async function openTask(task) {
    for (const el of list.querySelectorAll('.fw-todo__item--active')) el.classList.remove('fw-todo__item--active');
    list.querySelector(`[data-task-id="${task.id}"]`)?.classList.add('fw-todo__item--active');
    panel.hidden = false;
    panel.replaceChildren(h('p', null, w('loading')));
    root.classList.add('fw-todo--panel-open');
    try {
      const instance = await get(`/api/instances/${task.instance_id}?lang=${lang}`);
      const [doc, flow] = await Promise.all([
        definition(instance.record.app, 'forms', instance.record.form),
        definition(instance.app, 'flows', instance.flow),
      ]);
      renderPanel(task, instance, doc, flow);
    } catch (error) {
      panel.replaceChildren();
      fail(error);
    }
  }

  function closePanel() {
    panel.hidden = true;
    panel.replaceChildren();
    root.classList.remove('fw-todo--panel-open');
  }

  /** @param {any} task @param {any} instance @param {any} doc @param {any} flow */
  function renderPanel(task, instance, doc, flow) {
    const data = instance.record?.data || {};
    const decide = canDecide(task, me) && instance.status === 'running';
    const finish = canFinish(task, me);
    const permissions = decide ? instance.field_permissions || {} : {};
    /** @type {Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>} */
    const inputs = new Map();
    const fieldRows = panelFields(doc.fields, data, permissions).map(({ field, value, mode }) => {
      const label = pick(field.label ?? field.key, lang);
      if (mode === 'editable') {
        const input = editor(field, value);
        inputs.set(field.key, input);
        return h('div', { class: 'fw-todo__field fw-todo__field--edit', dataset: { fieldKey: field.key } }, h('label', null, label, input));
      }
      const rows = instance.record?.display_rows?.[field.key];
      const shown = field.type === 'line_items' && Array.isArray(rows)
        ? lineItemsTable(field, rows)
        : showValue(field, value, lang, instance.record?.display?.[field.key]);
      return h('div', { class: 'fw-todo__field', dataset: { fieldKey: field.key } }, h('dt', null, label), h('dd', null, shown));
    });
    const labels = Object.fromEntries((flow.nodes || []).map((/** @type {any} */ n) => [n.id, n.label]));
    const nodeLabel = (/** @type {string | null} */ id) => (id ? pick(labels[id] ?? (id === task.node ? task.node_label : id), lang) : '');
    const history = historyLines(instance.trace, words, nodeLabel, instance.tasks);
    const comment = h('textarea', { class: 'fw-todo__comment', rows: '3', maxlength: '2000' });
    const fileInput = /** @type {HTMLInputElement} */ (h('input', { type: 'file', multiple: true, class: 'fw-todo__files', 'aria-label': w('attach') }));
    const extra = h('div', { class: 'fw-todo__extra' });
    const commentText = () => /** @type {HTMLTextAreaElement} */ (comment).value;

    /** @param {string} outcome @param {string} [toNode] */
    const complete = (outcome, toNode = '') => act(async () => {
      const edited = Object.fromEntries([...inputs].map(([key, input]) => [key, input.value]));
      const attachments = [];
      for (const file of fileInput.files || []) attachments.push((await upload(`/api/tasks/${task.id}/files`, file)).id);
      const body = completeBody({ outcome, comment: commentText(), data: outcome === 'approve' ? changedValues(data, edited) : {}, version: task.version, toNode, attachments });
      return post(`/api/tasks/${task.id}/complete`, body);
    });
    const chooseReturn = () => {
      const targets = returnTargets(instance.trace, flow.nodes, task.node, (id) => nodeLabel(id), words);
      const select = /** @type {HTMLSelectElement} */ (h('select', { class: 'fw-todo__picker', 'aria-label': w('return_to') },
        targets.map((t) => h('option', { value: t.value }, t.label))));
      extra.replaceChildren(h('div', { class: 'fw-todo__pick' }, h('label', null, w('return_to'), select),
        h('button', { type: 'button', class: 'fw-button fw-button--primary', dataset: { action: 'confirm' }, onClick: () => complete('return', select.value) }, w('confirm')),
        h('button', { type: 'button', class: 'fw-button', dataset: { action: 'cancel' }, onClick: () => extra.replaceChildren() }, w('cancel'))));
    };
    const actions = [];
    if (decide) {
      actions.push(
        button('approve', () => complete('approve'), true),
        button('reject', () => complete('reject')),
        button('return', chooseReturn),
        button('transfer', () => pickUsers(extra, false, (chosen) => act(() => post(`/api/tasks/${task.id}/transfer`, { user: chosen[0] })))),
        button('add_signer', () => pickUsers(extra, true, (chosen, position) => act(() => post(`/api/tasks/${task.id}/add-signer`, { users: chosen, position })))),
      );
    }
    if (finish) actions.push(button('finish', () => complete('done'), true));
    if (instance.submitter === me && instance.status === 'running') {
      actions.push(
        button('urge', () => act(() => post(`/api/tasks/${task.id}/urge`))),
        button('withdraw', () => act(() => post(`/api/instances/${instance.id}/withdraw`))),
      );
    }
    const record = instance.record || {};
    panel.replaceChildren();
    append(panel, [
      h('button', { type: 'button', class: 'fw-todo__back fw-button', onClick: closePanel }, `← ${w('back')}`),
      h('h2', { class: 'fw-todo__panel-title' }, task.record?.title || `#${record.id}`),
      h('p', { class: 'fw-todo__meta' },
        h('span', { class: `fw-todo__state fw-todo__state--${instance.status}` }, w(`instance_${instance.status}`)),
        h('span', null, pick(task.node_label ?? task.node, lang)),
        h('span', null, `${w('submitter')}: ${instance.submitter ?? ''}`),
        h('a', { href: `/apps/${record.app}/${record.form}/${record.id}` }, w('open_record'))),
      h('h3', null, w('fields')),
      h('dl', { class: 'fw-todo__fields' }, fieldRows),
      h('h3', null, w('history')),
      h('ol', { class: 'fw-todo__history' }, history.map((line) =>
        h('li', { dataset: { kind: line.kind } },
          h('div', null, h('strong', null, line.node), ' ', line.text),
          line.comment ? h('blockquote', null, line.comment) : null,
          line.files.length ? h('ul', { class: 'fw-todo__attachments' }, line.files.map((/** @type {any} */ f) =>
            h('li', null, h('a', { href: `/api/files/${encodeURIComponent(f.id)}`, download: f.name }, f.name)))) : null,
          h('time', null, dueInfo(line.at, 0).text)))),
      actions.length ? h('div', { class: 'fw-todo__actions' },
        decide || finish ? h('label', { class: 'fw-todo__comment-label' }, w('comment'), comment) : null,
        decide || finish ? h('label', { class: 'fw-todo__files-label' }, w('attach'), fileInput) : null,
        h('div', { class: 'fw-todo__buttons' }, actions), extra) : null,
    ]);
  }

  /** @param {any} field @param {string[][]} rows */
  function lineItemsTable(field, rows) {
    const columns = field.config?.columns || [];
    return h('table', { class: 'fw-todo__rows' },
      h('thead', null, h('tr', null, columns.map((/** @type {any} */ c) => h('th', null, pick(c.label ?? c.key, lang))))),
      h('tbody', null, rows.map((cells) => h('tr', null, cells.map((cell) => h('td', null, cell))))));
  }

  /** @param {string} key @param {() => void} onClick @param {boolean} [primary] */
  function button(key, onClick, primary = false) {
    return h('button', { type: 'button', class: primary ? 'fw-button fw-button--primary' : 'fw-button', dataset: { action: key.replace('_', '-') }, onClick }, w(key));
  }

  /** @param {any} field @param {any} value */
  function editor(field, value) {
    const options = field.config?.options;
    if (Array.isArray(options)) {
      return /** @type {HTMLSelectElement} */ (h('select', { name: field.key }, h('option', { value: '' }, ''),
        options.map((o) => h('option', { value: o.value, selected: o.value === value }, pick(o.label ?? o.value, lang)))));
    }
    if (field.type === 'textarea' || field.type === 'rich_text') {
      const area = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: field.key, rows: '3' }));
      area.value = value ?? '';
      return area;
    }
    const type = { date: 'date', number: 'text', money: 'text', email: 'email', url: 'url' }[/** @type {string} */ (field.type)] || 'text';
    return /** @type {HTMLInputElement} */ (h('input', { name: field.key, type, value: value ?? '', inputmode: ['number', 'money'].includes(field.type) ? 'decimal' : null }));
  }

  /**
   * Show a user picker under the buttons; `onPick(usernames, position)` on confirm.
   * @param {HTMLElement} where @param {boolean} many
   * @param {(chosen: string[], position: string) => void} onPick
   */
  async function pickUsers(where, many, onPick) {
    users ??= get('/api/users').then((r) => r.items || []);
    const people = (await users).filter((u) => u.is_active && u.username !== me);
    const select = /** @type {HTMLSelectElement} */ (h('select', { class: 'fw-todo__picker', multiple: many, 'aria-label': w('pick_user'), size: many ? '5' : null },
      many ? null : h('option', { value: '' }, w('pick_user')),
      people.map((u) => h('option', { value: u.username }, `${u.name} (${u.username})`))));
    const position = /** @type {HTMLSelectElement} */ (h('select', { 'aria-label': w('add_signer') }, h('option', { value: 'after' }, w('after')), h('option', { value: 'before' }, w('before'))));
    const chosen = () => [...select.selectedOptions].map((o) => o.value).filter(Boolean);
    where.replaceChildren(h('div', { class: 'fw-todo__pick' }, select, many ? position : null,
      h('button', { type: 'button', class: 'fw-button fw-button--primary', dataset: { action: 'confirm' }, onClick: () => chosen().length && onPick(chosen(), position.value) }, w('confirm')),
      h('button', { type: 'button', class: 'fw-button', dataset: { action: 'cancel' }, onClick: () => where.replaceChildren() }, w('cancel'))));
  }

  /** @param {() => Promise<any>} call */
  async function act(call) {
    for (const b of panel.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = true;
    try {
      await call();
      say(w('done_ok'));
      closePanel();
      await loadList();
    } catch (error) {
      fail(error);
      for (const b of panel.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = false;
    }
  }

  batch.addEventListener('click', async () => {
    const chosen = state.tasks.filter((t) => state.selected.has(t.id));
    batch.disabled = true;
    const results = await Promise.allSettled(
      chosen.map((t) => post(`/api/tasks/${t.id}/complete`, completeBody({ outcome: 'approve', version: t.version }))),
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    const done = fill(w('batch_done'), { n: results.length - failed });
    say(failed ? `${done}; ${fill(w('batch_failed'), { n: failed })}` : done, failed > 0);
    closePanel();
    await loadList();
  });
  selectAll.addEventListener('change', () => {
    state.selected = new Set(selectAll.checked ? selectable().map((t) => t.id) : []);
    for (const input of list.querySelectorAll('[data-task-id]')) {
      const box = input.querySelector('input.fw-todo__check');
      if (box) /** @type {HTMLInputElement} */ (box).checked = state.selected.has(Number(/** @type {HTMLElement} */ (input).dataset.taskId));
    }
    syncBatch();
  });
  statusSelect.addEventListener('change', () => { closePanel(); loadList(); });
  for (const tab of root.querySelectorAll('[data-box]')) {
    if (!(tab instanceof HTMLAnchorElement)) continue;
    tab.addEventListener('click', (event) => {
      event.preventDefault();
      state.box = tab.dataset.box || 'mine';
      for (const other of root.querySelectorAll('a[data-box]')) other.setAttribute('aria-selected', String(other === tab));
      history.replaceState(null, '', `/todo?box=${state.box}`);
      say('');
      closePanel();
      loadList();
    });
  }
  loadList();
}

if (typeof document !== 'undefined') {
  const root = document.getElementById('fw-todo');
  if (root) start(root);
}
