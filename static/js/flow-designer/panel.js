// @ts-check
/**
 * The property panel: the flow (trigger), a node (label, config from its type's config schema;
 * action nodes pick an action and edit its params from the action's schema) or an edge (label,
 * and for a condition's branches: the condition builder, order, default). Every edit is a command.
 */

import { conditionBuilder } from '../core/condition-builder.js';
import { h } from '../core/dom.js';
import { pick } from '../core/i18n.js';
import { schemaForm } from '../core/schema-form.js';
import * as commands from './commands.js';
import * as approvalEditors from './approvers.js';

/**
 * @typedef {{key: string, label: any, config_schema: any, ports?: string[], example_config?: any}} Entry
 * @typedef {{nodes: Entry[], actions: Entry[], triggers: Entry[]}} Palette
 */

/**
 * @param {HTMLElement} host
 * @param {{model: import('./model.js').FlowModel, history: any, bus: any, palette: Palette, say: (k: string, p?: any) => string,
 *   lang: string, readOnly: boolean, problemsOf: (kind: 'node' | 'edge' | 'flow', id?: string) => any[],
 *   fields?: import('../core/condition-tree.js').FieldInfo[], formula?: any}} options  fields: the flow's form
 *   (conditions); formula: the condition builder's formula editor support (functions, evaluate)
 */
export function createPanel(host, { model, history, bus, palette, say, lang, readOnly, problemsOf, fields = [], formula }) {
  /** @type {{kind: 'node' | 'edge', id: string} | null} */
  let selection = null;
  let editing = false; // a change made here: the panel keeps its inputs (and their focus)

  /** @param {any} command @param {any} args */
  function run(command, args) {
    editing = true;
    try {
      history.run(command, args);
    } finally {
      editing = false;
    }
  }

  /** @param {string} text */
  const title = (text) => h('h2', { class: 'fd-panel__title' }, text);

  /**
   * Two inputs for a translatable text; an empty text removes the key.
   * @param {any} value @param {(next: any) => void} onChange
   */
  function textInputs(value, onChange) {
    const current = value && typeof value === 'object' ? value : {};
    /** @param {string} locale @param {string} word */
    const input = (locale, word) =>
      h('label', { class: 'fd-field' }, h('span', {}, say(word)),
        h('input', {
          type: 'text', value: current[locale] || '', disabled: readOnly, 'data-label-locale': locale,
          onChange: (/** @type {Event} */ e) => {
            const next = { ...current, [locale]: /** @type {HTMLInputElement} */ (e.target).value.trim() };
            if (!next[locale]) delete next[locale];
            onChange(Object.keys(next).length ? next : null);
          },
        }));
    return [input('zh-CN', 'label_zh'), input('en', 'label_en')];
  }

  /** @param {any[]} list */
  function problemList(list) {
    if (!list.length) return null;
    return h('ul', { class: 'fd-problems' },
      list.map((p) => h('li', { class: 'fd-problems__item', 'data-problem-code': p.code }, p.message)));
  }

  /** A schema-driven form; a read-only panel shows the JSON. @param {any} schema @param {any} value @param {(v: any) => void} onChange */
  function configForm(schema, value, onChange) {
    if (readOnly) return h('pre', { class: 'fd-json' }, JSON.stringify(value ?? {}, null, 2));
    return schemaForm(schema || { type: 'object' }, value ?? {}, { onChange, locale: lang });
  }

  /** @param {string} id */
  function nodePanel(id) {
    const node = model.node(id);
    const entry = palette.nodes.find((n) => n.key === node.type);
    const config = node.config || {};
    const parts = [
      title(`${say('node')} · ${pick(entry?.label, lang) || node.type}`),
      h('p', { class: 'fd-muted' }, `${say('id')}: ${node.id}`),
      problemList(problemsOf('node', id)),
      ...textInputs(node.label, (label) => run(commands.setLabel, { id, label })),
      h('h3', {}, say('config')),
    ];
    if (node.type === 'start') {
      parts.push(...triggerParts());
    } else if (node.type === 'action') {
      const actions = palette.actions;
      const action = actions.find((a) => a.key === config.action);
      parts.push(
        h('label', { class: 'fd-field' }, h('span', {}, say('type')),
          h('select', {
            disabled: readOnly, 'data-config': 'action',
            onChange: (/** @type {Event} */ e) => {
              const key = /** @type {HTMLSelectElement} */ (e.target).value;
              run(commands.setNodeConfig, { id, config: { action: key, params: {} } });
              render();
            },
          }, actions.map((a) => h('option', { value: a.key, selected: a.key === config.action }, `${pick(a.label, lang)} (${a.key})`)))),
        configForm(action?.config_schema, config.params, (params) =>
          run(commands.setNodeConfig, { id, config: { ...model.node(id).config, params } })),
      );
    } else if (node.type === 'approval' || node.type === 'cc') {
      parts.push(...approvalParts(id, node.type, entry));
    } else if ((entry?.config_schema?.properties && Object.keys(entry.config_schema.properties).length) || Object.keys(config).length) {
      parts.push(configForm(entry?.config_schema, config, (next) => run(commands.setNodeConfig, { id, config: next })));
    }
    if (!readOnly) {
      parts.push(h('button', { type: 'button', class: 'fw-button fd-danger', 'data-action': 'delete-node',
        onClick: () => run(commands.removeNode, { id }) }, say('delete')));
    }
    return parts;
  }

  /**
   * Approval and cc nodes: approver pickers, mode, deadline, field permissions (approvers.js);
   * the approval's other settings (empty, return_to, resume) stay schema-driven.
   * @param {string} id @param {string} type @param {Entry | undefined} entry
   */
  function approvalParts(id, type, entry) {
    const config = model.node(id).config || {};
    const context = approvalEditors.bootContext();
    const ui = { say, lang, readOnly };
    /** @param {any} next */
    const change = (next) => {
      run(commands.setNodeConfig, { id, config: next });
      render();
    };
    if (type === 'cc') {
      return [h('h4', {}, say('recipients')), approvalEditors.approverEditor(config, 'recipients', context, ui, change)];
    }
    const handled = ['mode', 'ratio', 'approvers', 'field_permissions', 'deadline', 'remind', 'on_timeout'];
    const properties = { ...(entry?.config_schema?.properties || {}) };
    for (const key of handled) delete properties[key];
    const rest = Object.fromEntries(Object.entries(config).filter(([key]) => !handled.includes(key)));
    return [
      h('h4', {}, say('approvers')),
      approvalEditors.approverEditor(config, 'approvers', context, ui, change),
      approvalEditors.modeEditor(config, ui, change),
      h('h4', {}, say('deadline_title')),
      approvalEditors.deadlineEditor(config, context.fields, ui, change),
      h('h4', {}, say('field_permissions')),
      approvalEditors.permissionTable(config, context.fields, ui, change),
      h('h4', {}, say('more_settings')),
      configForm({ type: 'object', properties }, rest, (next) => {
        const current = model.node(id).config || {};
        /** @type {Record<string, any>} */
        const merged = {}; // the keys keep their places
        for (const [key, value] of Object.entries(current)) {
          if (handled.includes(key)) merged[key] = value;
          else if (next && key in next) merged[key] = next[key];
        }
        for (const [key, value] of Object.entries(next || {})) if (!(key in merged)) merged[key] = value;
        run(commands.setNodeConfig, { id, config: merged });
      }),
    ];
  }

  /** @param {string} id */
  function edgePanel(id) {
    const edge = model.edge(id);
    const source = model.node(edge.from);
    const parts = [
      title(`${say('edge')} · ${edge.from} → ${edge.to}`),
      h('p', { class: 'fd-muted' }, `${say('id')}: ${edge.id} · ${say('port')}: ${edge.port || 'out'}`),
      problemList(problemsOf('edge', id)),
      ...textInputs(edge.label, (label) => run(commands.setEdgeCondition, { id, patch: { label } })),
    ];
    if (source.type === 'condition') {
      const isDefault = edge.default === true;
      parts.push(
        h('label', { class: 'fd-check' }, h('input', {
          type: 'checkbox', checked: isDefault, disabled: readOnly, 'data-edge-default': '',
          onChange: (/** @type {Event} */ e) => {
            const on = /** @type {HTMLInputElement} */ (e.target).checked;
            const others = model.outgoing(edge.from).filter((x) => x.id !== id && typeof x.order === 'number');
            const order = Math.max(-1, ...others.map((x) => Number(x.order))) + 1;
            const patch = on ? { default: true, condition: null, order: null } : { default: null, condition: { all: [] }, order };
            run(commands.setEdgeCondition, { id, patch });
            render();
          },
        }), say('default_branch')),
        h('label', { class: 'fd-field' }, h('span', {}, say('order')), h('input', {
          type: 'number', min: 0, step: 1, value: edge.order ?? '', disabled: readOnly || isDefault, 'data-edge-order': '',
          onChange: (/** @type {Event} */ e) => {
            const text = /** @type {HTMLInputElement} */ (e.target).value;
            run(commands.setEdgeCondition, { id, patch: { order: text === '' ? null : Math.max(0, Math.trunc(Number(text))) } });
          },
        })),
        h('div', { class: 'fd-field', 'data-edge-condition': '' }, h('span', {}, say('condition')),
          isDefault
            ? h('p', { class: 'fd-muted' }, say('default_branch'))
            : conditionBuilder(edge.condition ?? { all: [] }, {
              fields, locale: lang, name: 'edge-condition', disabled: readOnly, formula,
              onChange: (condition) => run(commands.setEdgeCondition, { id, patch: { condition } }),
            })),
      );
    }
    if (!readOnly) {
      parts.push(h('button', { type: 'button', class: 'fw-button fd-danger', 'data-action': 'delete-edge',
        onClick: () => run(commands.disconnect, { id }) }, say('delete')));
    }
    return parts;
  }

  /** The automation trigger (on the flow, edited from the flow panel and the start node's). */
  function triggerParts() {
    const trigger = model.doc.trigger || null;
    const entry = trigger ? palette.triggers.find((t) => t.key === trigger.type) : null;
    const { type: _type, ...settings } = trigger || {};
    const parts = [
      h('label', { class: 'fd-field' }, h('span', {}, say('trigger')),
        h('select', {
          disabled: readOnly, 'data-trigger-type': '',
          onChange: (/** @type {Event} */ e) => {
            const key = /** @type {HTMLSelectElement} */ (e.target).value;
            run(commands.setTrigger, { trigger: key ? { type: key } : null });
            render();
          },
        }, h('option', { value: '' }, say('no_trigger')),
        palette.triggers.map((t) => h('option', { value: t.key, selected: t.key === trigger?.type }, `${pick(t.label, lang)} (${t.key})`)))),
    ];
    const properties = { ...(entry?.config_schema?.properties || {}) };
    const hasCondition = 'condition' in properties;
    delete properties.condition; // edited with the condition builder below
    if (trigger && Object.keys(properties).length) {
      const { condition: _condition, ...rest } = settings;
      parts.push(h('h3', {}, say('trigger_config')),
        configForm({ ...entry?.config_schema, properties }, rest, (next) => {
          const condition = model.doc.trigger?.condition;
          run(commands.setTrigger, { trigger: { type: trigger.type, ...next, ...(condition === undefined ? {} : { condition }) } });
        }));
    }
    if (trigger && hasCondition) {
      parts.push(h('div', { class: 'fd-field', 'data-trigger-condition': '' }, h('span', {}, say('condition')),
        conditionBuilder(settings.condition ?? null, {
          fields, locale: lang, name: 'trigger-condition', disabled: readOnly, formula,
          onChange: (condition) => {
            const { condition: _old, ...current } = model.doc.trigger || { type: trigger.type };
            const kind = condition.all ? 'all' : 'any';
            const empty = !condition[kind]?.length; // an empty condition: always
            run(commands.setTrigger, { trigger: empty ? current : { ...current, condition } });
          },
        })));
    }
    return parts;
  }

  function flowPanel() {
    return [
      title(`${say('flow')} · ${pick(model.doc.title, lang) || model.doc.key || ''}`),
      h('p', { class: 'fd-muted' }, say('nothing_selected')),
      problemList(problemsOf('flow')),
      ...triggerParts(),
    ];
  }

  function render() {
    /** @type {any[]} */
    let parts;
    if (selection?.kind === 'node' && model.hasNode(selection.id)) parts = nodePanel(selection.id);
    else if (selection?.kind === 'edge' && model.hasEdge(selection.id)) parts = edgePanel(selection.id);
    else parts = flowPanel();
    host.replaceChildren(...parts.filter(Boolean));
  }

  bus.on('selection.changed', (/** @type {any} */ next) => {
    selection = next;
    render();
  });
  bus.on('model.changed', () => {
    if (!editing) render();
  });
  render();
  return { render };
}
