// @ts-check
/**
 * A tiny synchronous event bus shared by a canvas's modules: `on(name, fn)` returns the function
 * that removes that listener; `emit(name, payload)` calls the listeners in the order they joined.
 * A listener that throws does not stop the others; the first error is rethrown after all ran.
 */

/**
 * @typedef {(payload: any) => void} Listener
 * @typedef {{on(name: string, fn: Listener): () => void, emit(name: string, payload?: any): void}} Bus
 */

/** @returns {Bus} */
export function createBus() {
  /** @type {Map<string, Set<Listener>>} */
  const listeners = new Map();
  return {
    on(name, fn) {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(fn);
      return () => {
        listeners.get(name)?.delete(fn);
      };
    },
    emit(name, payload) {
      const set = listeners.get(name);
      if (!set) return;
      /** @type {unknown} */
      let failure = null;
      for (const fn of [...set]) {
        try {
          fn(payload);
        } catch (error) {
          if (failure === null) failure = error;
        }
      }
      if (failure !== null) throw failure;
    },
  };
}
