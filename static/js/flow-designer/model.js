// @ts-check
/**
 * The flow definition being designed (flow_definitions/_meta/flow.schema.json) and the pure edits
 * on it. No DOM: runs under Node. Every edit returns what is needed to take it back exactly, so an
 * edit and its undo leave the JSON byte for byte as it was (keys that were absent are deleted,
 * nodes and edges go back to the index they had).
 */

/**
 * @typedef {{x: number, y: number}} Position
 * @typedef {Record<string, string>} Text
 * @typedef {{id: string, type: string, label?: Text, position?: Position, config?: Record<string, any>}} FlowNode
 * @typedef {{id: string, from: string, to: string, port?: string, label?: Text, condition?: any, order?: number, default?: boolean}} FlowEdge
 * @typedef {{node: FlowNode, index: number, edges: {edge: FlowEdge, index: number}[]}} RemovedNode
 * @typedef {{edge: FlowEdge, index: number}} RemovedEdge
 */

export const DEFAULT_PORT = 'out';
export const NODE_TYPES = ['start', 'end', 'approval', 'cc', 'condition', 'parallel', 'join', 'action', 'wait', 'subflow'];
const SLUG = /^[a-z][a-z0-9_]*$/;
const MAX_ID = 64;

/** @type {Record<string, string[]>} */
const BUILTIN_PORTS = {
  approval: ['approved', 'rejected'],
  subflow: ['out', 'approved', 'rejected', 'completed', 'withdrawn', 'failed'],
  end: [],
};

/**
 * The exits of a node type (mirrors runtime/definitions/flow_schema.py `ports`).
 * @param {string} type
 * @returns {string[]}
 */
export function portsOf(type) {
  return BUILTIN_PORTS[type] || [DEFAULT_PORT];
}

/**
 * A deep copy of plain JSON.
 * @template T
 * @param {T} value
 * @returns {T}
 */
export function clone(value) {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/**
 * Set `obj[key]` to `value`, or delete the key when `value` is null/undefined. Returns the old
 * value (null when the key was absent) and the key's old index, so that undoing puts a deleted
 * key back where it was: `at` places a key that is absent now at that index (JSON key order).
 * @param {Record<string, any>} obj
 * @param {string} key
 * @param {any} value
 * @param {number | null} [at]
 * @returns {{value: any, at: number | null}}
 */
function put(obj, key, value, at = null) {
  const keys = Object.keys(obj);
  const index = keys.indexOf(key);
  const old = { value: index >= 0 ? obj[key] : null, at: index >= 0 ? index : null };
  if (value === null || value === undefined) {
    delete obj[key];
  } else if (index >= 0 || at === null || at >= keys.length) {
    obj[key] = clone(value);
  } else {
    const tail = keys.slice(at).map((k) => [k, obj[k]]);
    for (const [k] of tail) delete obj[k];
    obj[key] = clone(value);
    for (const [k, v] of tail) obj[k] = v;
  }
  return old;
}

/**
 * The config a new node of `type` starts with: valid where a sensible default exists.
 * @param {string} type
 * @param {FlowModel} model
 * @returns {Record<string, any>}
 */
export function defaultConfig(type, model) {
  switch (type) {
    case 'end':
      return { outcome: 'completed' };
    case 'approval':
      return { mode: 'single', approvers: [{ type: 'department_head', levels: 1 }] };
    case 'cc':
      return { recipients: [{ type: 'submitter' }] };
    case 'join': {
      const split = model.doc.nodes.find((n) => n.type === 'parallel');
      return split ? { split: split.id } : {};
    }
    case 'action':
      return { action: 'notify', params: { to: [{ type: 'submitter' }], title: '' } };
    case 'wait':
      return { duration: 'P1D' };
    default:
      return {};
  }
}

const EDGE_KEYS = ['condition', 'order', 'default', 'label'];

/**
 * Sort key for applying a patch: removals first, then keys by the index they go back to.
 * @param {Record<string, any>} patch
 * @param {Record<string, number | null>} at
 * @param {string} key
 */
function order(patch, at, key) {
  if (patch[key] === null || patch[key] === undefined) return -1;
  return at[key] ?? Number.MAX_SAFE_INTEGER;
}

export class FlowModel {
  /** @param {Record<string, any>} definition */
  constructor(definition) {
    /** @type {Record<string, any> & {nodes: FlowNode[], edges: FlowEdge[]}} */
    this.doc = clone(definition || {});
    if (!Array.isArray(this.doc.nodes)) this.doc.nodes = [];
    if (!Array.isArray(this.doc.edges)) this.doc.edges = [];
  }

  /** The definition as plain JSON (a copy). */
  toJSON() {
    return clone(this.doc);
  }

  get nodes() {
    return this.doc.nodes;
  }

  get edges() {
    return this.doc.edges;
  }

  /** @param {string} id */
  node(id) {
    const node = this.doc.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  /** @param {string} id */
  hasNode(id) {
    return this.doc.nodes.some((n) => n.id === id);
  }

  /** @param {string} id */
  edge(id) {
    const edge = this.doc.edges.find((e) => e.id === id);
    if (!edge) throw new Error(`no edge ${id}`);
    return edge;
  }

  /** @param {string} id */
  hasEdge(id) {
    return this.doc.edges.some((e) => e.id === id);
  }

  /** @param {string} id */
  edgesOf(id) {
    return this.doc.edges.filter((e) => e.from === id || e.to === id);
  }

  /** @param {string} id */
  outgoing(id) {
    return this.doc.edges.filter((e) => e.from === id);
  }

  /** @param {FlowEdge} edge */
  static portOf(edge) {
    return edge.port || DEFAULT_PORT;
  }

  /**
   * A free node id for `type`: `approval_1`, `approval_2`, …
   * @param {string} type
   */
  newNodeId(type) {
    const base = SLUG.test(type) ? type.slice(0, MAX_ID - 4) : 'node';
    for (let n = 1; ; n += 1) {
      const id = `${base}_${n}`;
      if (!this.hasNode(id)) return id;
    }
  }

  /**
   * A free edge id from its ends: `start_route`, else `start_route_2`, … (`edge_n` when long).
   * @param {string} from
   * @param {string} to
   */
  newEdgeId(from, to) {
    let base = `${from}_${to}`;
    if (base.length > MAX_ID - 4 || !SLUG.test(base)) base = 'edge';
    if (base !== 'edge' && !this.hasEdge(base)) return base;
    for (let n = base === 'edge' ? 1 : 2; ; n += 1) {
      const id = `${base}_${n}`;
      if (!this.hasEdge(id)) return id;
    }
  }

  /**
   * Add a node at the end of `nodes`; its id.
   * @param {string} type
   * @param {number} x
   * @param {number} y
   * @param {{id?: string, label?: Text, config?: Record<string, any>}} [options]
   */
  addNode(type, x, y, options = {}) {
    if (!NODE_TYPES.includes(type)) throw new Error(`unknown node type ${type}`);
    const id = options.id && !this.hasNode(options.id) ? options.id : this.newNodeId(type);
    /** @type {FlowNode} */
    const node = { id, type };
    if (options.label) node.label = clone(options.label);
    node.position = { x: Math.round(x), y: Math.round(y) };
    node.config = clone(options.config || defaultConfig(type, this));
    this.doc.nodes.push(node);
    return id;
  }

  /**
   * Remove a node and every edge touching it; what `restoreNode` needs to put them back.
   * @param {string} id
   * @returns {RemovedNode}
   */
  removeNode(id) {
    const index = this.doc.nodes.findIndex((n) => n.id === id);
    if (index < 0) throw new Error(`no node ${id}`);
    /** @type {{edge: FlowEdge, index: number}[]} */
    const edges = [];
    this.doc.edges.forEach((edge, i) => {
      if (edge.from === id || edge.to === id) edges.push({ edge, index: i });
    });
    this.doc.edges = this.doc.edges.filter((e) => e.from !== id && e.to !== id);
    const [node] = this.doc.nodes.splice(index, 1);
    return clone({ node, index, edges });
  }

  /**
   * Undo `removeNode`: the node and its edges back at their indices; the node's id.
   * @param {RemovedNode} removed
   */
  restoreNode(removed) {
    if (this.hasNode(removed.node.id)) throw new Error(`node ${removed.node.id} exists`);
    this.doc.nodes.splice(Math.min(removed.index, this.doc.nodes.length), 0, clone(removed.node));
    for (const { edge, index } of [...removed.edges].sort((a, b) => a.index - b.index)) {
      this.doc.edges.splice(Math.min(index, this.doc.edges.length), 0, clone(edge));
    }
    return removed.node.id;
  }

  /**
   * Move a node; its old position (null when it had none) and that key's index. A null
   * position removes the key; `at` puts an absent key back at its old index.
   * @param {string} id
   * @param {Position | null} position
   * @param {number | null} [at]
   * @returns {{value: Position | null, at: number | null}}
   */
  moveNode(id, position, at = null) {
    const node = this.node(id);
    const value = position ? { x: Math.round(position.x), y: Math.round(position.y) } : null;
    return put(node, 'position', value, at);
  }

  /**
   * @param {string} id
   * @param {Record<string, any> | null} config
   * @param {number | null} [at]
   */
  setNodeConfig(id, config, at = null) {
    return put(this.node(id), 'config', config, at);
  }

  /**
   * A label with no text at all is removed.
   * @param {string} id
   * @param {Text | null} label
   * @param {number | null} [at]
   */
  setLabel(id, label, at = null) {
    const clean = label && Object.values(label).some((v) => v) ? label : null;
    return put(this.node(id), 'label', clean, at);
  }

  /**
   * Connect `from`'s exit `port` to `to`; the new edge's id. The default port is left implicit.
   * A condition node's first branch is its default; later ones get an always-true condition
   * and the next order, to be edited.
   * @param {string} from
   * @param {string} port
   * @param {string} to
   * @param {{id?: string}} [options]
   */
  connect(from, port, to, options = {}) {
    const source = this.node(from);
    this.node(to);
    const id = options.id && !this.hasEdge(options.id) ? options.id : this.newEdgeId(from, to);
    /** @type {FlowEdge} */
    const edge = { id, from, to };
    if (port && port !== DEFAULT_PORT) edge.port = port;
    if (source.type === 'condition') {
      const siblings = this.outgoing(from);
      if (!siblings.some((e) => e.default === true)) {
        edge.default = true;
      } else {
        const orders = siblings.map((e) => (typeof e.order === 'number' ? e.order : -1));
        edge.condition = { all: [] };
        edge.order = Math.max(-1, ...orders) + 1;
      }
    }
    this.doc.edges.push(edge);
    return id;
  }

  /**
   * Remove one edge; what `restoreEdge` needs.
   * @param {string} id
   * @returns {RemovedEdge}
   */
  disconnect(id) {
    const index = this.doc.edges.findIndex((e) => e.id === id);
    if (index < 0) throw new Error(`no edge ${id}`);
    const [edge] = this.doc.edges.splice(index, 1);
    return clone({ edge, index });
  }

  /**
   * Re-route an edge: another source (`from`, its exit `port`) or another target (`to`); its id,
   * label, condition, order and default stay, and so do its keys' places (an exit that becomes
   * the default `out` stays implicit when it was, a new named exit is added last). Returns the
   * edge as it was, which `replaceEdge` puts back.
   * @param {string} id
   * @param {{from?: string, port?: string, to?: string}} change
   * @returns {FlowEdge}
   */
  reconnect(id, change) {
    const index = this.doc.edges.findIndex((e) => e.id === id);
    if (index < 0) throw new Error(`no edge ${id}`);
    const old = this.doc.edges[index];
    const from = change.from ?? old.from;
    const to = change.to ?? old.to;
    this.node(from);
    this.node(to);
    const port = change.port ?? (change.from !== undefined && change.from !== old.from ? DEFAULT_PORT : FlowModel.portOf(old));
    /** @type {FlowEdge} */
    const next = {};
    for (const [key, value] of Object.entries(old)) {
      if (key === 'from') next.from = from;
      else if (key === 'to') next.to = to;
      else if (key === 'port') next.port = port;
      else /** @type {any} */ (next)[key] = clone(value);
    }
    if (!('port' in old) && port !== DEFAULT_PORT) next.port = port;
    this.doc.edges[index] = next;
    return clone(old);
  }

  /**
   * Put an edge back as it was (the inverse of `reconnect`), in its place; what was there.
   * @param {FlowEdge} edge
   * @returns {FlowEdge}
   */
  replaceEdge(edge) {
    const index = this.doc.edges.findIndex((e) => e.id === edge.id);
    if (index < 0) throw new Error(`no edge ${edge.id}`);
    const old = this.doc.edges[index];
    this.doc.edges[index] = clone(edge);
    return clone(old);
  }

  /** @param {RemovedEdge} removed */
  restoreEdge(removed) {
    if (this.hasEdge(removed.edge.id)) throw new Error(`edge ${removed.edge.id} exists`);
    this.doc.edges.splice(Math.min(removed.index, this.doc.edges.length), 0, clone(removed.edge));
    return removed.edge.id;
  }

  /**
   * Set a branch's `condition`, `order`, `default` and `label` (null removes the key). Returns
   * the patch that undoes it: the old values, and in `at` the old index of each key that was
   * there (so a removed key comes back in its place).
   * @param {string} id
   * @param {{condition?: any, order?: number | null, default?: boolean | null, label?: Text | null}} patch
   * @param {Record<string, number | null>} [at]
   */
  setEdgeCondition(id, patch, at = {}) {
    const edge = this.edge(id);
    /** @type {Record<string, any>} */
    const old = {};
    /** @type {Record<string, number | null>} */
    const where = {};
    // Removals first, then additions by ascending old index, so each lands where it was.
    // The old indices are read before any change, so they are those of the original object.
    const original = Object.keys(edge);
    const keys = EDGE_KEYS.filter((k) => k in patch).sort((a, b) => order(patch, at, a) - order(patch, at, b));
    for (const key of keys) {
      old[key] = put(edge, key, /** @type {any} */ (patch)[key], at[key] ?? null).value;
      where[key] = original.includes(key) ? original.indexOf(key) : null;
    }
    return { patch: old, at: where };
  }

  /**
   * Set (or with null remove) the automation trigger; the old one (or null) and its index.
   * @param {Record<string, any> | null} trigger
   * @param {number | null} [at]
   */
  setTrigger(trigger, at = null) {
    return put(this.doc, 'trigger', trigger, at);
  }
}
