// @ts-check
/**
 * The flow canvas: SVG drawn from the model, Pointer Events turned into commands. Keeps only view
 * state (pan, zoom, selection, the problems and the test-run trace shown). Redraws on
 * `model.changed`; a node being dragged or an edge being drawn is shown live and becomes one
 * command when the pointer is released.
 *
 * Selection: a click selects one node or edge; Shift+click adds or removes one; Shift+drag on the
 * background draws a rubber band selecting the nodes it touches (and the edges between them);
 * dragging a selected node moves every selected node, as one `nodes.move` command.
 *
 * A selected edge shows a handle at each end: drag the arrow's end onto another node, or the
 * tail onto another exit (or a node with one exit), and it is re-routed as one
 * `edge.reconnect` command when the rules allow it. Two pointers on the canvas (a touch
 * screen's pinch) zoom around their middle and pan with it.
 */

import { pick } from '../core/i18n.js';
import * as commands from './commands.js';
import { FlowModel } from './model.js';
import { canConnect, canReconnect } from './rules.js';
import { inBox, moveSelection } from './selection.js';

const SVG = 'http://www.w3.org/2000/svg';
export const GRID = 20;
export const NODE_W = 168;
export const NODE_H = 60;
/** A glyph per node type (ones the common sans fonts have). */
export const ICONS = /** @type {Record<string, string>} */ ({
  start: '▶', end: '■', approval: '✔', cc: '✉', condition: '◇', parallel: '⇉',
  join: '⋈', action: '⚡', wait: '◷', subflow: '↳',
});

/**
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Element | string | null | false | undefined)} kids
 */
function s(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) el.setAttribute(name, String(value));
  }
  for (const kid of kids) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
  }
  return el;
}

/** @param {number} v */
export const snap = (v) => Math.round(v / GRID) * GRID;

/**
 * @param {string} text
 * @param {number} max
 */
function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A node's height: taller when it has many exits (a subflow's six).
 * @param {string[]} ports
 */
export function nodeHeight(ports) {
  return Math.max(NODE_H, (ports.length + 1) * 16);
}

/**
 * Where a node's exit `port` sits (canvas units).
 * @param {{position?: {x: number, y: number}}} node
 * @param {string[]} ports
 * @param {string} port
 */
export function portPoint(node, ports, port) {
  const { x, y } = node.position || { x: 0, y: 0 };
  const i = Math.max(0, ports.indexOf(port));
  return { x: x + NODE_W, y: y + (nodeHeight(ports) * (i + 1)) / (ports.length + 1) };
}

/**
 * @param {HTMLElement} host
 * @param {{model: FlowModel, history: ReturnType<typeof import('../core/history.js').createHistory>, bus: import('../core/bus.js').Bus,
 *   portsOf: (type: string) => string[], typeLabel: (type: string) => string, say: (key: string, params?: any) => string,
 *   lang: string, readOnly: boolean}} options
 */
export function createView(host, { model, history, bus, portsOf, typeLabel, say, lang, readOnly }) {
  const view = { tx: 40, ty: 40, k: 1 };
  /** @type {{nodes: Set<string>, edges: Set<string>}} */
  let chosen = { nodes: new Set(), edges: new Set() };
  /** The one selected node or edge (what the panel shows), null for none or several. */
  const single = () => {
    const count = chosen.nodes.size + chosen.edges.size;
    if (count !== 1) return null;
    const [node] = chosen.nodes;
    if (node) return { kind: /** @type {const} */ ('node'), id: node };
    const [edge] = chosen.edges;
    return { kind: /** @type {const} */ ('edge'), id: edge };
  };
  /** @type {{nodes: Record<string, any[]>, edges: Record<string, any[]>}} */
  let problems = { nodes: {}, edges: {} };
  /** @type {ReturnType<typeof import('./trace.js').overlay> | null} */
  let trace = null;
  /** @type {Record<string, {x: number, y: number}>} positions shown while dragging */
  const live = {};

  const gridPattern = s('pattern', { id: 'fd-grid', width: GRID, height: GRID, patternUnits: 'userSpaceOnUse' },
    s('circle', { cx: 1, cy: 1, r: 1, class: 'fd-grid-dot' }));
  const defs = s('defs', {}, gridPattern,
    s('marker', { id: 'fd-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 10, markerHeight: 10, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'fd-arrow' })));
  const background = s('rect', { class: 'fd-bg', width: '100%', height: '100%', fill: 'url(#fd-grid)' });
  const edgeLayer = s('g', { class: 'fd-edges' });
  const nodeLayer = s('g', { class: 'fd-nodes' });
  const handleLayer = s('g', { class: 'fd-handles' });
  const ghost = s('path', { class: 'fd-ghost', d: '' });
  const band = s('rect', { class: 'fd-band', x: 0, y: 0, width: 0, height: 0 });
  const viewport = s('g', { class: 'fd-viewport' }, edgeLayer, nodeLayer, handleLayer, ghost, band);
  const svg = /** @type {SVGSVGElement} */ (s('svg', { class: 'fd-svg', role: 'application' }, defs, background, viewport));
  host.appendChild(svg);

  function applyTransform() {
    viewport.setAttribute('transform', `translate(${view.tx} ${view.ty}) scale(${view.k})`);
    gridPattern.setAttribute('patternTransform', `translate(${view.tx} ${view.ty}) scale(${view.k})`);
    host.dataset.zoom = view.k.toFixed(2);
  }

  /** @param {{clientX: number, clientY: number}} e */
  function toCanvas(e) {
    const rect = svg.getBoundingClientRect();
    return { x: (e.clientX - rect.left - view.tx) / view.k, y: (e.clientY - rect.top - view.ty) / view.k };
  }

  /** @param {string} id */
  const posOf = (id) => live[id] || model.node(id).position || { x: 0, y: 0 };

  /** @param {{x: number, y: number}} a @param {{x: number, y: number}} b */
  function curve(a, b) {
    const dx = Math.max(40, Math.abs(b.x - a.x) / 2);
    return `M${a.x},${a.y} C${a.x + dx},${a.y} ${b.x - dx},${b.y} ${b.x},${b.y}`;
  }

  /** @param {import('./model.js').FlowEdge} edge */
  function edgeText(edge) {
    const parts = [];
    if (edge.label) parts.push(pick(edge.label, lang));
    else if (edge.default === true) parts.push(say('default_branch'));
    else if (typeof edge.order === 'number') parts.push(`#${edge.order}`);
    const verdict = trace?.conditions.find((c) => c.edge === edge.id);
    if (verdict) {
      const seen = Object.entries(verdict.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
      parts.push(`${verdict.result ? '✓' : '✗'}${seen ? ` ${seen}` : ''}`);
    }
    return parts.join(' · ');
  }

  function drawEdges() {
    edgeLayer.replaceChildren();
    handleLayer.replaceChildren();
    for (const edge of model.edges) {
      if (!model.hasNode(edge.from) || !model.hasNode(edge.to)) continue;
      const source = { ...model.node(edge.from), position: posOf(edge.from) };
      const a = portPoint(source, portsOf(source.type), FlowModel.portOf(edge));
      const t = posOf(edge.to);
      const b = { x: t.x, y: t.y + NODE_H / 2 };
      const d = curve(a, b);
      const issues = problems.edges[edge.id] || [];
      const classes = ['fd-edge'];
      if (chosen.edges.has(edge.id)) classes.push('fd-edge--selected');
      if (trace?.edges.includes(edge.id)) classes.push('fd-edge--taken');
      if (issues.length) classes.push('fd-edge--problem');
      const label = edgeText(edge);
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6 };
      const g = s('g', { class: classes.join(' '), 'data-edge-id': edge.id },
        s('path', { class: 'fd-edge__hit', d }),
        s('path', { class: 'fd-edge__line', d, 'marker-end': 'url(#fd-arrow)' }),
        label ? s('text', { class: 'fd-edge__label', x: mid.x, y: mid.y, 'text-anchor': 'middle' }, label) : null,
        issues.length
          ? s('g', { class: 'fd-problem', 'data-problem-code': issues[0].code, transform: `translate(${mid.x + 4} ${mid.y + 10})` },
            s('title', {}, issues.map((p) => p.message).join('\n')),
            s('circle', { r: 8 }), s('text', { 'text-anchor': 'middle', y: 4 }, '!'))
          : null);
      g.addEventListener('pointerdown', (e) => {
        e.stopPropagation();
        if (e.shiftKey) toggle('edges', edge.id);
        else select({ kind: 'edge', id: edge.id });
      });
      if (!readOnly && chosen.edges.has(edge.id) && chosen.edges.size + chosen.nodes.size === 1) {
        // above the nodes, a little inside the edge: its ends touch the exit and the node, which
        // keep their own gestures (drawing a new edge from the exit)
        const ends = s('g', { class: 'fd-edge-ends', 'data-edge-handles': edge.id });
        const inset = Math.min(16, Math.abs(b.x - a.x) / 3);
        for (const [end, at] of /** @type {const} */ ([['from', { x: a.x + inset, y: a.y }], ['to', { x: b.x - inset, y: b.y }]])) {
          const handle = s('circle', { class: `fd-edge-end fd-edge-end--${end}`, 'data-edge-end': end, cx: at.x, cy: at.y, r: 7 });
          handle.addEventListener('pointerdown', (e) => startReconnect(/** @type {PointerEvent} */ (e), edge.id, end, end === 'from' ? b : a));
          ends.appendChild(handle);
        }
        handleLayer.appendChild(ends);
      }
      edgeLayer.appendChild(g);
    }
  }

  function drawNodes() {
    nodeLayer.replaceChildren();
    for (const node of model.nodes) {
      const { x, y } = posOf(node.id);
      const ports = portsOf(node.type);
      const issues = problems.nodes[node.id] || [];
      const step = trace?.nodes.find((n) => n.id === node.id);
      const classes = ['fd-node', `fd-node--${node.type}`];
      if (chosen.nodes.has(node.id)) classes.push('fd-node--selected');
      if (step) classes.push('fd-node--taken');
      if (trace?.stopped?.node === node.id) classes.push('fd-node--stopped');
      if (issues.length) classes.push('fd-node--problem');
      const height = nodeHeight(ports);
      const named = ports.length > 1; // exits named inside the node, on its right
      const max = (lang === 'en' ? 16 : 9) - (named ? (lang === 'en' ? 5 : 3) : 0);
      const g = s('g', { class: classes.join(' '), 'data-node-id': node.id, 'data-node-type': node.type, transform: `translate(${x} ${y})` },
        s('rect', { class: 'fd-node__box', width: NODE_W, height, rx: 10 }),
        s('text', { class: 'fd-node__icon', x: 12, y: height / 2 + 6 }, ICONS[node.type] || '●'),
        s('text', { class: 'fd-node__type', x: 34, y: height / 2 - 8 }, clip(typeLabel(node.type), 16)),
        s('text', { class: 'fd-node__label', x: 34, y: height / 2 + 12 }, clip(pick(node.label, lang) || node.id, max)),
        s('circle', { class: 'fd-node__in', cx: 0, cy: NODE_H / 2, r: 4 }));
      ports.forEach((port) => {
        const p = portPoint({ position: { x: 0, y: 0 } }, ports, port);
        const handle = s('g', { class: `fd-port fd-port--${port}`, 'data-port': port, transform: `translate(${p.x} ${p.y})` },
          s('title', {}, port), s('circle', { r: 6 }),
          named ? s('text', { class: 'fd-port__label', x: -10, y: 3, 'text-anchor': 'end' }, port) : null);
        handle.addEventListener('pointerdown', (e) => startConnect(e, node.id, port));
        g.appendChild(handle);
      });
      if (step) {
        g.appendChild(s('g', { class: 'fd-step', transform: `translate(${NODE_W - 4} 2)`, 'data-step': step.step },
          s('circle', { r: 11 }), s('text', { 'text-anchor': 'middle', y: 4 }, String(step.step))));
      }
      // One badge per problem code, its messages as the tooltip.
      [...new Set(issues.map((p) => p.code))].forEach((code, i) => {
        const messages = issues.filter((p) => p.code === code).map((p) => p.message);
        g.appendChild(s('g', { class: 'fd-problem', 'data-problem-code': code, transform: `translate(${4 + i * 20} 2)` },
          s('title', {}, messages.join('\n')), s('circle', { r: 9 }), s('text', { 'text-anchor': 'middle', y: 4 }, '!')));
      });
      g.addEventListener('pointerdown', (e) => startDrag(e, node.id));
      nodeLayer.appendChild(g);
    }
  }

  function draw() {
    drawEdges();
    drawNodes();
    applyTransform();
  }

  /**
   * Select one node or edge (`{kind, id}`), several (`{nodes, edges}`), or nothing (null).
   * @param {{kind: 'node' | 'edge', id: string} | {nodes?: string[], edges?: string[]} | null} next
   */
  function select(next) {
    if (!next) chosen = { nodes: new Set(), edges: new Set() };
    else if ('kind' in next) chosen = { nodes: new Set(next.kind === 'node' ? [next.id] : []), edges: new Set(next.kind === 'edge' ? [next.id] : []) };
    else chosen = { nodes: new Set(next.nodes || []), edges: new Set(next.edges || []) };
    draw();
    host.dataset.selected = String(chosen.nodes.size + chosen.edges.size);
    bus.emit('selection.changed', single());
  }

  /** Shift+click: add or take away one node or edge. @param {'nodes' | 'edges'} kind @param {string} id */
  function toggle(kind, id) {
    const next = { nodes: [...chosen.nodes], edges: [...chosen.edges] };
    next[kind] = next[kind].includes(id) ? next[kind].filter((x) => x !== id) : [...next[kind], id];
    select(next);
  }

  /** @param {PointerEvent} e @param {string} id */
  function startDrag(e, id) {
    if (e.button !== 0) return;
    e.stopPropagation();
    if (e.shiftKey) {
      toggle('nodes', id);
      if (!chosen.nodes.has(id)) return;
    } else if (!chosen.nodes.has(id)) {
      select({ kind: 'node', id });
    }
    const group = [...chosen.nodes].filter((n) => model.hasNode(n));
    const start = toCanvas(e);
    const pinches = pinchCount;
    let moved = false;
    /** @type {{x: number, y: number}} */
    let delta = { x: 0, y: 0 };
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      if (readOnly || ev.pointerId !== e.pointerId || pinchCount !== pinches) return;
      const at = toCanvas(ev);
      const origin = model.node(id).position || { x: 0, y: 0 };
      // the grabbed node snaps to the grid; the others keep their distance to it
      delta = { x: snap(origin.x + at.x - start.x) - origin.x, y: snap(origin.y + at.y - start.y) - origin.y };
      if (!moved && !delta.x && !delta.y) return;
      moved = true;
      for (const n of group) {
        const p = model.node(n).position || { x: 0, y: 0 };
        live[n] = { x: p.x + delta.x, y: p.y + delta.y };
      }
      draw();
    };
    /** @param {PointerEvent} ev */
    const up = (ev) => {
      if (ev.pointerId !== e.pointerId) return;
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      for (const n of group) delete live[n];
      const planned = moved && pinchCount === pinches ? moveSelection(model, group, delta) : null;
      if (planned && group.length === 1) {
        const to = planned.args.positions[id];
        history.run(commands.moveNode, { id, x: to.x, y: to.y });
      } else if (planned) {
        history.run(planned.command, planned.args);
      } else if (!moved && !e.shiftKey && chosen.nodes.size + chosen.edges.size > 1) {
        select({ kind: 'node', id }); // a plain click inside a selection picks that node alone
      } else {
        draw();
      }
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  /** Shift+drag on the background: select what the band touches (added to the selection). @param {PointerEvent} e */
  function startBand(e) {
    const from = toCanvas(e);
    const before = { nodes: [...chosen.nodes], edges: [...chosen.edges] };
    /** @param {PointerEvent} ev */
    const boxOf = (ev) => {
      const to = toCanvas(ev);
      return { x: Math.min(from.x, to.x), y: Math.min(from.y, to.y), w: Math.abs(to.x - from.x), h: Math.abs(to.y - from.y) };
    };
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      const box = boxOf(ev);
      band.setAttribute('x', String(box.x));
      band.setAttribute('y', String(box.y));
      band.setAttribute('width', String(box.w));
      band.setAttribute('height', String(box.h));
    };
    /** @param {PointerEvent} ev */
    const up = (ev) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      band.setAttribute('width', '0');
      band.setAttribute('height', '0');
      const inside = inBox(model, boxOf(ev), (node) => ({ w: NODE_W, h: nodeHeight(portsOf(node.type)) }));
      select({ nodes: [...new Set([...before.nodes, ...inside.nodes])], edges: [...new Set([...before.edges, ...inside.edges])] });
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  /**
   * Drag one end of edge `id` (`'to'`: the arrow, `'from'`: the tail); `fixed` is the other end.
   * Released over a node (the arrow) or an exit (the tail), it becomes one `edge.reconnect`.
   * @param {PointerEvent} e @param {string} id @param {'from' | 'to'} end @param {{x: number, y: number}} fixed
   */
  function startReconnect(e, id, end, fixed) {
    e.stopPropagation();
    if (readOnly || e.button !== 0) return;
    const pinches = pinchCount;
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      if (ev.pointerId !== e.pointerId || pinchCount !== pinches) return;
      const at = toCanvas(ev);
      ghost.setAttribute('d', end === 'to' ? curve(fixed, at) : curve(at, fixed));
    };
    /** @param {PointerEvent} ev */
    const up = (ev) => {
      if (ev.pointerId !== e.pointerId) return;
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      ghost.setAttribute('d', '');
      if (pinchCount !== pinches) return;
      const hit = document.elementFromPoint(ev.clientX, ev.clientY);
      const nodeEl = hit?.closest('[data-node-id]');
      const target = nodeEl?.getAttribute('data-node-id');
      if (!target) return;
      /** @type {{from?: string, port?: string, to?: string}} */
      let change;
      if (end === 'to') {
        change = { to: target };
      } else {
        const exits = portsOf(model.node(target).type);
        const port = hit?.closest('[data-port]')?.getAttribute('data-port') || (exits.length === 1 ? exits[0] : null);
        if (!port) {
          bus.emit('notice', say('cannot_connect', { reason: say('reason_pick_exit') }));
          return;
        }
        change = { from: target, port };
      }
      const verdict = canReconnect(model, id, change, portsOf);
      if (!verdict.ok) {
        if (verdict.reason !== 'unchanged') bus.emit('notice', say('cannot_connect', { reason: say(`reason_${verdict.reason}`) }));
        return;
      }
      history.run(commands.reconnect, { id, ...change });
      select({ kind: 'edge', id });
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  // ---- two pointers: pinch zoom (touch screens), panning with the pinch's middle ----
  /** @type {Map<number, {x: number, y: number}>} */
  const pointers = new Map();
  /** @type {{distance: number, k: number, anchor: {x: number, y: number}} | null} */
  let pinch = null;
  /** Counts pinches started, so a drag that a second finger turned into a pinch is dropped. */
  let pinchCount = 0;
  /** The two pointers' middle (svg client coordinates) and distance. */
  function pinchGeometry() {
    const rect = svg.getBoundingClientRect();
    const [p, q] = [...pointers.values()];
    return {
      mid: { x: (p.x + q.x) / 2 - rect.left, y: (p.y + q.y) / 2 - rect.top },
      distance: Math.max(1, Math.hypot(p.x - q.x, p.y - q.y)),
    };
  }
  svg.addEventListener('pointerdown', (e) => {
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size !== 2) return;
    const { mid, distance } = pinchGeometry();
    pinch = { distance, k: view.k, anchor: { x: (mid.x - view.tx) / view.k, y: (mid.y - view.ty) / view.k } };
    pinchCount += 1;
    ghost.setAttribute('d', '');
    for (const id of Object.keys(live)) delete live[id];
    host.dataset.pinching = 'true';
  }, { capture: true });
  svg.addEventListener('pointermove', (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (!pinch || pointers.size !== 2) return;
    const { mid, distance } = pinchGeometry();
    const k = Math.min(3, Math.max(0.2, pinch.k * (distance / pinch.distance)));
    view.k = k;
    view.tx = mid.x - pinch.anchor.x * k;
    view.ty = mid.y - pinch.anchor.y * k;
    applyTransform();
  });
  /** @param {PointerEvent} e */
  const release = (e) => {
    pointers.delete(e.pointerId);
    if (pointers.size < 2 && pinch) {
      pinch = null;
      delete host.dataset.pinching;
      draw();
    }
  };
  svg.addEventListener('pointerup', release);
  svg.addEventListener('pointercancel', release);
  window.addEventListener('pointerup', release);

  /** @param {PointerEvent} e @param {string} from @param {string} port */
  function startConnect(e, from, port) {
    e.stopPropagation();
    if (readOnly || e.button !== 0) return;
    const node = model.node(from);
    const a = portPoint(node, portsOf(node.type), port);
    /** @param {PointerEvent} ev */
    const move = (ev) => ghost.setAttribute('d', curve(a, toCanvas(ev)));
    /** @param {PointerEvent} ev */
    const up = (ev) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      ghost.setAttribute('d', '');
      const hit = document.elementFromPoint(ev.clientX, ev.clientY);
      const target = hit?.closest('[data-node-id]')?.getAttribute('data-node-id');
      if (!target || target === from) return;
      const verdict = canConnect(model, from, port, target, portsOf);
      if (!verdict.ok) {
        bus.emit('notice', say('cannot_connect', { reason: say(`reason_${verdict.reason}`) }));
        return;
      }
      const undo = history.run(commands.connect, { from, port, to: target });
      select({ kind: 'edge', id: undo.remove });
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  svg.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    if (e.shiftKey) {
      e.preventDefault();
      startBand(e);
      return;
    }
    const start = { x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty };
    const pinches = pinchCount;
    let moved = false;
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      if (ev.pointerId !== e.pointerId || pinchCount !== pinches) return;
      if (Math.abs(ev.clientX - start.x) + Math.abs(ev.clientY - start.y) > 3) moved = true;
      view.tx = start.tx + ev.clientX - start.x;
      view.ty = start.ty + ev.clientY - start.y;
      applyTransform();
    };
    /** @param {PointerEvent} ev */
    const up = (ev) => {
      if (ev.pointerId !== e.pointerId) return;
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      if (!moved && pinchCount === pinches && chosen.nodes.size + chosen.edges.size) select(null);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  });

  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const rect = svg.getBoundingClientRect();
    zoomAt(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.clientX - rect.left, e.clientY - rect.top);
  }, { passive: false });

  /** @param {number} factor @param {number} cx @param {number} cy */
  function zoomAt(factor, cx, cy) {
    const k = Math.min(3, Math.max(0.2, view.k * factor));
    view.tx = cx - ((cx - view.tx) * k) / view.k;
    view.ty = cy - ((cy - view.ty) * k) / view.k;
    view.k = k;
    applyTransform();
  }

  function fit() {
    const rect = svg.getBoundingClientRect();
    if (!model.nodes.length || !rect.width) return;
    const xs = model.nodes.map((n) => n.position?.x ?? 0);
    const ys = model.nodes.map((n) => n.position?.y ?? 0);
    const box = { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs) + NODE_W, h: Math.max(...ys) - Math.min(...ys) + NODE_H };
    const pad = 60;
    view.k = Math.min(1.2, Math.max(0.2, Math.min((rect.width - pad) / box.w, (rect.height - pad) / box.h)));
    view.tx = (rect.width - box.w * view.k) / 2 - box.x * view.k;
    view.ty = (rect.height - box.h * view.k) / 2 - box.y * view.k;
    applyTransform();
  }

  bus.on('model.changed', () => {
    const nodes = [...chosen.nodes].filter((id) => model.hasNode(id));
    const edges = [...chosen.edges].filter((id) => model.hasEdge(id));
    if (nodes.length !== chosen.nodes.size || edges.length !== chosen.edges.size) select({ nodes, edges });
    else draw();
  });

  draw();
  return {
    draw,
    fit,
    select,
    /** @param {number} factor */
    zoom(factor) {
      const rect = svg.getBoundingClientRect();
      zoomAt(factor, rect.width / 2, rect.height / 2);
    },
    /** The one selected node or edge, null for none or several. */
    selection: single,
    /** Every selected node and edge. */
    selected: () => ({ nodes: [...chosen.nodes], edges: [...chosen.edges] }),
    /** @param {{nodes: Record<string, any[]>, edges: Record<string, any[]>}} placed */
    setProblems(placed) {
      problems = placed;
      draw();
    },
    /** @param {ReturnType<typeof import('./trace.js').overlay> | null} next */
    setTrace(next) {
      trace = next;
      host.classList.toggle('fd-canvas--tracing', Boolean(next));
      draw();
    },
    /** A client point → canvas units, snapped; null when outside the canvas. @param {number} clientX @param {number} clientY */
    dropPoint(clientX, clientY) {
      const rect = svg.getBoundingClientRect();
      if (clientX < rect.left || clientX > rect.right || clientY < rect.top || clientY > rect.bottom) return null;
      const at = toCanvas({ clientX, clientY });
      return { x: snap(at.x - NODE_W / 2), y: snap(at.y - NODE_H / 2) };
    },
    center() {
      const rect = svg.getBoundingClientRect();
      return this.dropPoint(rect.left + rect.width / 2, rect.top + rect.height / 2) || { x: 0, y: 0 };
    },
  };
}
