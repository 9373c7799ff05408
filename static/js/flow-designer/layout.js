// @ts-check
/**
 * Auto-layout: layered left to right by the longest path from the start, each layer spread
 * vertically around the middle. Pure: returns positions, the caller applies them as one command.
 */

/**
 * @typedef {{id: string, type: string}} LayoutNode
 * @typedef {{from: string, to: string}} LayoutEdge
 */

export const COLUMN = 240;
export const ROW = 130;

/**
 * @param {LayoutNode[]} nodes
 * @param {LayoutEdge[]} edges
 * @param {{column?: number, row?: number}} [spacing]
 * @returns {Record<string, {x: number, y: number}>}
 */
export function autoLayout(nodes, edges, { column = COLUMN, row = ROW } = {}) {
  const ids = nodes.map((n) => n.id);
  const known = new Set(ids);
  /** @type {Map<string, string[]>} */
  const next = new Map(ids.map((id) => [id, []]));
  for (const edge of edges) {
    if (known.has(edge.from) && known.has(edge.to)) next.get(edge.from)?.push(edge.to);
  }
  // Drop the edges that close a cycle (found depth-first from the start, then from the rest).
  const start = nodes.find((n) => n.type === 'start')?.id;
  const roots = start ? [start, ...ids.filter((id) => id !== start)] : ids;
  /** @type {Map<string, number>} 1 = on the stack, 2 = done */
  const state = new Map();
  /** @type {string[]} post-order */
  const order = [];
  /** @type {Set<string>} "from>to" of back edges */
  const back = new Set();
  for (const root of roots) {
    if (state.has(root)) continue;
    /** @type {[string, number][]} */
    const stack = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const kids = next.get(top[0]) || [];
      if (top[1] < kids.length) {
        const kid = kids[top[1]];
        top[1] += 1;
        if (!state.has(kid)) {
          state.set(kid, 1);
          stack.push([kid, 0]);
        } else if (state.get(kid) === 1) {
          back.add(`${top[0]}>${kid}`);
        }
      } else {
        state.set(top[0], 2);
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  // Longest path in the remaining DAG: visit in reverse post-order (a topological order).
  /** @type {Map<string, number>} */
  const layer = new Map(ids.map((id) => [id, 0]));
  for (const id of [...order].reverse()) {
    for (const kid of next.get(id) || []) {
      if (back.has(`${id}>${kid}`)) continue;
      layer.set(kid, Math.max(layer.get(kid) || 0, (layer.get(id) || 0) + 1));
    }
  }
  // Within a layer keep the order nodes were met depth-first from the start (reverse post-order).
  const rank = new Map([...order].reverse().map((id, i) => [id, i]));
  /** @type {Map<number, string[]>} */
  const columns = new Map();
  for (const id of ids) {
    const l = layer.get(id) || 0;
    if (!columns.has(l)) columns.set(l, []);
    columns.get(l)?.push(id);
  }
  /** @type {Record<string, {x: number, y: number}>} */
  const positions = {};
  const tallest = Math.max(0, ...[...columns.values()].map((m) => m.length));
  for (const [l, members] of columns) {
    members.sort((a, b) => (rank.get(a) || 0) - (rank.get(b) || 0));
    const top = ((tallest - members.length) * row) / 2;
    members.forEach((id, i) => {
      positions[id] = { x: l * column, y: Math.round(top + i * row) };
    });
  }
  return positions;
}
