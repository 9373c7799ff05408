// @ts-check
/**
 * The flow canvas: SVG drawn from the model, Pointer Events turned into commands. Keeps only view
 * state (pan, zoom, selection, the problems and the test-run trace shown). Redraws on
 * `model.changed`; a node being dragged or an edge being drawn is shown live and becomes one
 * command when the pointer is released.
 */

import { pick } from '../core/i18n.js';
import * as commands from './commands.js';
import { FlowModel } from './model.js';
import { canConnect } from './rules.js';

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
  /** @type {{kind: 'node' | 'edge', id: string} | null} */
  let selection = null;
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
  const ghost = s('path', { class: 'fd-ghost', d: '' });
  const viewport = s('g', { class: 'fd-viewport' }, edgeLayer, nodeLayer, ghost);
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
    for (const edge of model.edges) {
      if (!model.hasNode(edge.from) || !model.hasNode(edge.to)) continue;
      const source = { ...model.node(edge.from), position: posOf(edge.from) };
      const a = portPoint(source, portsOf(source.type), FlowModel.portOf(edge));
      const t = posOf(edge.to);
      const b = { x: t.x, y: t.y + NODE_H / 2 };
      const d = curve(a, b);
      const issues = problems.edges[edge.id] || [];
      const classes = ['fd-edge'];
      if (selection?.kind === 'edge' && selection.id === edge.id) classes.push('fd-edge--selected');
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
        select({ kind: 'edge', id: edge.id });
      });
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
      if (selection?.kind === 'node' && selection.id === node.id) classes.push('fd-node--selected');
      if (step) classes.push('fd-node--taken');
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

  /** @param {{kind: 'node' | 'edge', id: string} | null} next */
  function select(next) {
    selection = next;
    draw();
    bus.emit('selection.changed', selection);
  }

  /** @param {PointerEvent} e @param {string} id */
  function startDrag(e, id) {
    if (e.button !== 0) return;
    e.stopPropagation();
    if (selection?.kind !== 'node' || selection.id !== id) select({ kind: 'node', id });
    if (readOnly) return;
    const start = toCanvas(e);
    const origin = { ...(model.node(id).position || { x: 0, y: 0 }) };
    let moved = false;
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      const at = toCanvas(ev);
      const x = snap(origin.x + at.x - start.x);
      const y = snap(origin.y + at.y - start.y);
      if (!moved && x === origin.x && y === origin.y) return;
      moved = true;
      live[id] = { x, y };
      draw();
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      const to = live[id];
      delete live[id];
      if (moved && to && (to.x !== origin.x || to.y !== origin.y)) history.run(commands.moveNode, { id, x: to.x, y: to.y });
      else draw();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

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
    const start = { x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty };
    let moved = false;
    /** @param {PointerEvent} ev */
    const move = (ev) => {
      if (Math.abs(ev.clientX - start.x) + Math.abs(ev.clientY - start.y) > 3) moved = true;
      view.tx = start.tx + ev.clientX - start.x;
      view.ty = start.ty + ev.clientY - start.y;
      applyTransform();
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      if (!moved && selection) select(null);
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
    if (selection?.kind === 'node' && !model.hasNode(selection.id)) select(null);
    else if (selection?.kind === 'edge' && !model.hasEdge(selection.id)) select(null);
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
    selection: () => selection,
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
