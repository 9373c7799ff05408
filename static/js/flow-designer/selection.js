// @ts-check
/**
 * What the canvas does with a selection of several nodes and edges, as commands: delete them
 * (one `batch`), copy them (the nodes and the edges between them) and paste the copy as new
 * nodes and edges with fresh ids, moved by an offset (one `batch` of `node.add` / `edge.connect`
 * restores), move them together (one `nodes.move`). Pure: no DOM, runs under Node.
 */

import * as commands from './commands.js';
import { clone } from './model.js';

/** @typedef {{nodes: string[], edges: string[]}} Selected */
/** @typedef {{nodes: import('./model.js').FlowNode[], edges: import('./model.js').FlowEdge[]}} Clip */
/** @typedef {{command: import('./commands.js').Command, args: any}} Planned */

const SLUG = /^[a-z][a-z0-9_]*$/;
/** Config keys that name another node of the flow (a join's parallel node, an approval's return target). */
const NODE_REFS = ['split', 'return_to'];

/**
 * The command deleting a selection: the nodes (each with its edges) and the selected edges not
 * already going with a node. One item is its own command; several are one `batch`, so one undo
 * brings everything back. Null when nothing is selected (or nothing selected exists).
 * @param {import('./model.js').FlowModel} model
 * @param {Selected} selected
 * @returns {Planned | null}
 */
export function removeSelection(model, selected) {
  const nodes = selected.nodes.filter((id) => model.hasNode(id));
  const gone = new Set(nodes);
  const edges = selected.edges.filter((id) => {
    if (!model.hasEdge(id)) return false;
    const edge = model.edge(id);
    return !gone.has(edge.from) && !gone.has(edge.to);
  });
  const steps = [
    ...edges.map((id) => ({ name: commands.disconnect.name, args: { id } })),
    ...nodes.map((id) => ({ name: commands.removeNode.name, args: { id } })),
  ];
  if (!steps.length) return null;
  if (steps.length === 1) return { command: commands.COMMANDS[steps[0].name], args: steps[0].args };
  return { command: commands.batch, args: { steps } };
}

/**
 * A copy of the selected nodes (a start node left out: a flow has one) and of the edges that
 * run between two of them, in the flow's order.
 * @param {import('./model.js').FlowModel} model
 * @param {string[]} nodeIds
 * @returns {Clip}
 */
export function copySelection(model, nodeIds) {
  const wanted = new Set(nodeIds);
  const nodes = model.nodes.filter((n) => wanted.has(n.id) && n.type !== 'start');
  const kept = new Set(nodes.map((n) => n.id));
  const edges = model.edges.filter((e) => kept.has(e.from) && kept.has(e.to));
  return clone({ nodes, edges });
}

/**
 * A free id from `base` (`approval` → `approval_1`, `approval_2`…), not in the model nor `taken`.
 * @param {string} base @param {(id: string) => boolean} exists @param {Set<string>} taken
 */
function freeId(base, exists, taken) {
  const stem = SLUG.test(base) ? base.slice(0, 56) : 'node';
  for (let n = 1; ; n += 1) {
    const id = `${stem}_${n}`;
    if (!exists(id) && !taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
}

/**
 * The command pasting `clip` into the model: every node a new id (`type_n`) and its position
 * moved by `offset`, every edge a new id from its new ends (`from_to`); config keys naming a
 * copied node (a join's `split`, an approval's `return_to`) follow the copy. One `batch`, so one
 * undo removes all of it. Also the new ids, to select them. Null for an empty clip.
 * @param {import('./model.js').FlowModel} model
 * @param {Clip} clip
 * @param {{x: number, y: number}} offset
 * @returns {(Planned & {nodes: string[], edges: string[]}) | null}
 */
export function pasteClip(model, clip, offset) {
  if (!clip.nodes.length) return null;
  /** @type {Map<string, string>} */
  const ids = new Map();
  /** @type {Set<string>} */
  const taken = new Set();
  for (const node of clip.nodes) ids.set(node.id, freeId(node.type, (id) => model.hasNode(id), taken));
  const steps = [];
  clip.nodes.forEach((source, i) => {
    const node = clone(source);
    node.id = /** @type {string} */ (ids.get(source.id));
    if (node.position) node.position = { x: Math.round(node.position.x + offset.x), y: Math.round(node.position.y + offset.y) };
    if (node.config && typeof node.config === 'object') {
      for (const key of NODE_REFS) {
        const target = node.config[key];
        if (typeof target === 'string' && ids.has(target)) node.config[key] = ids.get(target);
      }
    }
    steps.push({ name: commands.addNode.name, args: { restore: { node, index: model.nodes.length + i, edges: [] } } });
  });
  /** @type {Set<string>} */
  const edgeIds = new Set();
  const newEdges = [];
  clip.edges.forEach((source, j) => {
    const from = ids.get(source.from);
    const to = ids.get(source.to);
    if (!from || !to) return;
    let base = `${from}_${to}`;
    if (!SLUG.test(base) || base.length > 56) base = 'edge';
    let id = base;
    if (base === 'edge' || model.hasEdge(base) || edgeIds.has(base)) id = freeId(base, (x) => model.hasEdge(x), edgeIds);
    else edgeIds.add(base);
    newEdges.push(id);
    const edge = { ...clone(source), id, from, to };
    steps.push({ name: commands.connect.name, args: { restore: { edge, index: model.edges.length + j } } });
  });
  return { command: commands.batch, args: { steps }, nodes: [...ids.values()], edges: newEdges };
}

/**
 * The command moving several nodes together by `delta` (snapped by the caller), one step.
 * @param {import('./model.js').FlowModel} model
 * @param {string[]} nodeIds
 * @param {{x: number, y: number}} delta
 * @returns {Planned | null}
 */
export function moveSelection(model, nodeIds, delta) {
  if (!delta.x && !delta.y) return null;
  /** @type {Record<string, {x: number, y: number}>} */
  const positions = {};
  for (const id of nodeIds) {
    if (!model.hasNode(id)) continue;
    const { x, y } = model.node(id).position || { x: 0, y: 0 };
    positions[id] = { x: x + delta.x, y: y + delta.y };
  }
  if (!Object.keys(positions).length) return null;
  return { command: commands.moveNodes, args: { positions } };
}

/**
 * The node ids inside a rectangle (canvas units; any overlap counts) and the edges whose two
 * ends are among them.
 * @param {import('./model.js').FlowModel} model
 * @param {{x: number, y: number, w: number, h: number}} box
 * @param {(node: import('./model.js').FlowNode) => {w: number, h: number}} size
 * @returns {Selected}
 */
export function inBox(model, box, size) {
  const nodes = model.nodes.filter((node) => {
    const { x, y } = node.position || { x: 0, y: 0 };
    const { w, h } = size(node);
    return x < box.x + box.w && x + w > box.x && y < box.y + box.h && y + h > box.y;
  }).map((n) => n.id);
  const inside = new Set(nodes);
  const edges = model.edges.filter((e) => inside.has(e.from) && inside.has(e.to)).map((e) => e.id);
  return { nodes, edges };
}
