// @ts-check
/**
 * The flow designer's edits. Each command's `run(model, args)` applies one edit to the
 * `FlowModel` and returns the args that take it back (history.js keeps them), so undo runs the
 * same command again. Structural commands therefore accept their own inverse: `node.add` with
 * `{remove}` removes, `node.remove` with `{restore}` puts back, and so on.
 */

import { FlowModel } from './model.js';

/** @typedef {{name: string, run(model: FlowModel, args: any): any}} Command */

/** @type {Command} */
export const addNode = {
  name: 'node.add',
  /** @param {{type?: string, x?: number, y?: number, id?: string, label?: any, config?: any, remove?: string, restore?: any}} args */
  run(model, args) {
    if (args.remove) return { restore: model.removeNode(args.remove) };
    if (args.restore) return { remove: model.restoreNode(args.restore) };
    const id = model.addNode(String(args.type), args.x || 0, args.y || 0, {
      id: args.id,
      label: args.label,
      config: args.config,
    });
    return { remove: id };
  },
};

/** @type {Command} */
export const removeNode = {
  name: 'node.remove',
  /** @param {{id?: string, restore?: any}} args */
  run(model, args) {
    if (args.restore) return { id: model.restoreNode(args.restore) };
    return { restore: model.removeNode(String(args.id)) };
  },
};

/** @type {Command} */
export const moveNode = {
  name: 'node.move',
  /** @param {{id: string, x: number | null, y: number | null, at?: number | null}} args */
  run(model, { id, x, y, at = null }) {
    const old = model.moveNode(id, x === null || y === null ? null : { x, y }, at);
    return old.value ? { id, x: old.value.x, y: old.value.y } : { id, x: null, y: null, at: old.at };
  },
};

/** @type {Command} */
export const setNodeConfig = {
  name: 'node.config',
  /** @param {{id: string, config: any, at?: number | null}} args */
  run(model, { id, config, at = null }) {
    const old = model.setNodeConfig(id, config, at);
    return { id, config: old.value, at: old.at };
  },
};

/** @type {Command} */
export const setLabel = {
  name: 'node.label',
  /** @param {{id: string, label: any, at?: number | null}} args */
  run(model, { id, label, at = null }) {
    const old = model.setLabel(id, label, at);
    return { id, label: old.value, at: old.at };
  },
};

/** @type {Command} */
export const connect = {
  name: 'edge.connect',
  /** @param {{from?: string, port?: string, to?: string, id?: string, remove?: string, restore?: any}} args */
  run(model, args) {
    if (args.remove) return { restore: model.disconnect(args.remove) };
    if (args.restore) return { remove: model.restoreEdge(args.restore) };
    const id = model.connect(String(args.from), String(args.port), String(args.to), { id: args.id });
    return { remove: id };
  },
};

/** @type {Command} */
export const disconnect = {
  name: 'edge.remove',
  /** @param {{id?: string, restore?: any}} args */
  run(model, args) {
    if (args.restore) return { id: model.restoreEdge(args.restore) };
    return { restore: model.disconnect(String(args.id)) };
  },
};

/**
 * Drag an edge's end elsewhere: `{id, from?, port?, to?}`; undone with `{id, edge}` (the edge
 * as it was, put back whole), so run, undo and redo give back the exact text.
 * @type {Command}
 */
export const reconnect = {
  name: 'edge.reconnect',
  /** @param {{id: string, from?: string, port?: string, to?: string, edge?: any}} args */
  run(model, args) {
    if (args.edge) return { id: args.id, edge: model.replaceEdge(args.edge) };
    const { id, from, port, to } = args;
    return { id, edge: model.reconnect(String(id), { from, port, to }) };
  },
};

/** @type {Command} */
export const setEdgeCondition = {
  name: 'edge.condition',
  /** @param {{id: string, patch: Record<string, any>, at?: Record<string, number | null>}} args */
  run(model, { id, patch, at = {} }) {
    return { id, ...model.setEdgeCondition(id, patch, at) };
  },
};

/** @type {Command} */
export const setTrigger = {
  name: 'flow.trigger',
  /** @param {{trigger: any, at?: number | null}} args */
  run(model, { trigger, at = null }) {
    const old = model.setTrigger(trigger, at);
    return { trigger: old.value, at: old.at };
  },
};

/** @type {Command} */
export const layout = {
  name: 'flow.layout',
  /** @param {{positions: Record<string, {x: number, y: number} | null>, at?: Record<string, number | null>}} args */
  run(model, { positions, at = {} }) {
    /** @type {Record<string, {x: number, y: number} | null>} */
    const old = {};
    /** @type {Record<string, number | null>} */
    const where = {};
    for (const [id, position] of Object.entries(positions)) {
      if (!model.hasNode(id)) continue;
      const before = model.moveNode(id, position, at[id] ?? null);
      old[id] = before.value;
      where[id] = before.at;
    }
    return { positions: old, at: where };
  },
};

/**
 * Several nodes moved together (a dragged selection): `{positions}` like `flow.layout`, one step.
 * @type {Command}
 */
export const moveNodes = {
  name: 'nodes.move',
  /** @param {{positions: Record<string, {x: number, y: number} | null>, at?: Record<string, number | null>}} args */
  run(model, args) {
    return layout.run(model, args);
  },
};

/**
 * Replace the whole definition (restore a version as the draft): `{doc}`; undo gets the old
 * document back the same way, so it is one step in the history.
 * @type {Command}
 */
export const replaceAll = {
  name: 'flow.replace',
  /** @param {{doc: any}} args */
  run(model, { doc }) {
    const undo = { doc: model.doc };
    model.doc = new FlowModel(doc).doc;
    return undo;
  },
};

/** Commands by name, for `batch`. */
export const COMMANDS = Object.fromEntries(
  [addNode, removeNode, moveNode, moveNodes, setNodeConfig, setLabel, connect, disconnect, reconnect, setEdgeCondition, setTrigger, layout, replaceAll].map(
    (c) => [c.name, c],
  ),
);

/**
 * Several edits as one (deleting a selection): run in order, undone in reverse order; when
 * one fails, those already run are taken back and the error rethrown.
 * @type {Command}
 */
export const batch = {
  name: 'batch',
  /** @param {{steps: {name: string, args: any}[]}} args */
  run(model, { steps }) {
    /** @type {{name: string, args: any}[]} */
    const undo = [];
    try {
      for (const step of steps) {
        const command = COMMANDS[step.name];
        if (!command) throw new Error(`unknown command ${step.name}`);
        undo.unshift({ name: step.name, args: command.run(model, step.args) });
      }
    } catch (error) {
      for (const step of undo) COMMANDS[step.name].run(model, step.args); // all or nothing
      throw error;
    }
    return { steps: undo };
  },
};
