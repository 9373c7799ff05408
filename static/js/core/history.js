// @ts-check
/**
 * Undo / redo for a canvas. Every edit is a command `{name, run(model, args) → undoArgs}`: running
 * it returns the args that undo it, so undoing re-runs the same command with those args, and what
 * that returns is the args that redo it. Nothing else edits the model. Pure: no DOM.
 */

/**
 * @typedef {{name: string, run(model: any, args: any): any}} Command
 * @typedef {{command: Command, args: any}} Entry
 * @typedef {{emit(name: string, payload?: any): void}} BusLike
 */

/**
 * @param {any} model
 * @param {{limit?: number, bus?: BusLike}} [options]
 */
export function createHistory(model, { limit = 500, bus } = {}) {
  /** @type {Entry[]} */
  let done = [];
  /** @type {Entry[]} */
  let undone = [];

  /** @param {string} name */
  const changed = (name) => bus?.emit('model.changed', { command: name });

  return {
    /**
     * Run a command, remember how to undo it, forget what could be redone.
     * @param {Command} command
     * @param {any} args
     */
    run(command, args) {
      const undoArgs = command.run(model, args);
      done.push({ command, args: undoArgs });
      if (done.length > limit) done = done.slice(done.length - limit);
      undone = [];
      changed(command.name);
      return undoArgs;
    },
    /** @returns {boolean} whether there was something to undo */
    undo() {
      const entry = done.pop();
      if (!entry) return false;
      const redoArgs = entry.command.run(model, entry.args);
      undone.push({ command: entry.command, args: redoArgs });
      changed(entry.command.name);
      return true;
    },
    /** @returns {boolean} whether there was something to redo */
    redo() {
      const entry = undone.pop();
      if (!entry) return false;
      const undoArgs = entry.command.run(model, entry.args);
      done.push({ command: entry.command, args: undoArgs });
      changed(entry.command.name);
      return true;
    },
    canUndo: () => done.length > 0,
    canRedo: () => undone.length > 0,
    clear() {
      done = [];
      undone = [];
    },
    /** How many edits can be undone. */
    size: () => done.length,
  };
}
