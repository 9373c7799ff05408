// @ts-check
/**
 * What the canvas allows: may this exit connect to that node, may this node type be dropped.
 * Pure; answers `{ok: true}` or `{ok: false, reason}` with a reason code the view translates.
 * The server validator (builder/validate/flows.py) stays the authority; these rules only keep
 * the obvious mistakes off the canvas.
 */

import { FlowModel, portsOf } from './model.js';

/** Node types whose one exit may fan out to several nodes. */
const FAN_OUT = new Set(['condition', 'parallel']);

/**
 * @param {FlowModel} model
 * @param {string} from
 * @param {string} port
 * @param {string} to
 * @param {(type: string) => string[]} [ports] the exits per node type (default: the built-in table)
 * @param {string | null} [moving] an edge being re-routed: not counted as already there
 * @returns {{ok: true} | {ok: false, reason: string}}
 */
export function canConnect(model, from, port, to, ports = portsOf, moving = null) {
  if (!model.hasNode(from) || !model.hasNode(to)) return { ok: false, reason: 'unknown_node' };
  if (from === to) return { ok: false, reason: 'self_loop' };
  const source = model.node(from);
  const target = model.node(to);
  if (!ports(source.type).includes(port)) return { ok: false, reason: 'unknown_port' };
  if (target.type === 'start') return { ok: false, reason: 'into_start' };
  const same = model.outgoing(from).filter((e) => FlowModel.portOf(e) === port && e.id !== moving);
  if (same.some((e) => e.to === to)) return { ok: false, reason: 'duplicate_edge' };
  if (same.length && !FAN_OUT.has(source.type)) return { ok: false, reason: 'port_taken' };
  return { ok: true };
}

/**
 * May edge `id` be re-routed to `change` (another source exit, another target)? The rules of
 * `canConnect`, the edge itself not counted; an unchanged edge answers `unchanged`.
 * @param {FlowModel} model
 * @param {string} id
 * @param {{from?: string, port?: string, to?: string}} change
 * @param {(type: string) => string[]} [ports]
 * @returns {{ok: true} | {ok: false, reason: string}}
 */
export function canReconnect(model, id, change, ports = portsOf) {
  if (!model.hasEdge(id)) return { ok: false, reason: 'unknown_node' };
  const edge = model.edge(id);
  const from = change.from ?? edge.from;
  const port = change.port ?? (change.from !== undefined && change.from !== edge.from ? 'out' : FlowModel.portOf(edge));
  const to = change.to ?? edge.to;
  if (from === edge.from && to === edge.to && port === FlowModel.portOf(edge)) return { ok: false, reason: 'unchanged' };
  return canConnect(model, from, port, to, ports, id);
}

/**
 * @param {FlowModel} model
 * @param {string} type
 * @returns {{ok: true} | {ok: false, reason: string}}
 */
export function canAdd(model, type) {
  if (type === 'start' && model.nodes.some((n) => n.type === 'start')) {
    return { ok: false, reason: 'one_start' };
  }
  return { ok: true };
}
