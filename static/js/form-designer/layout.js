// @ts-check
/**
 * A form's `layout` (decision 0002) and pure edits of it: sections at the top level, and tabs
 * items whose tabs hold field keys and sections. Every function returns a new array and copies
 * only along the path it changes; nothing handed in is mutated. No DOM: runs under Node.
 *
 * Places. A field's place is the list it sits in plus its position there:
 * - `{section, index}`: the top-level section `layout[section]`;
 * - `{section, tab, index}`: the items of `layout[section].tabs[tab]` (field keys and sections
 *   mixed; `index` counts both);
 * - `{section, tab, sub, index}`: the section `layout[section].tabs[tab].items[sub]`.
 */
import { clone, setKey } from './json.js';

/** @typedef {{index: number, section?: number, tab?: number, sub?: number}} Place */
/** @typedef {{section: number, tab?: number}} SectionList  a top-level position, or a tab's items */
/** @typedef {Record<string, any>} Item */

export const SECTION_KEY_ORDER = ['type', 'key', 'title', 'columns', 'collapsed', 'items'];
export const TAB_KEY_ORDER = ['key', 'title', 'items'];

/** @param {any} item */
export const isSection = (item) => Boolean(item) && typeof item === 'object' && item.type === 'section';
/** @param {any} item */
export const isTabs = (item) => Boolean(item) && typeof item === 'object' && item.type === 'tabs';

/**
 * Whether two places name the same list.
 * @param {Place} a
 * @param {Place} b
 */
export function sameList(a, b) {
  return a.section === b.section && a.tab === b.tab && a.sub === b.sub;
}

/**
 * The items of the list a place points into.
 * @param {Item[]} layout
 * @param {Place | {section: number, tab?: number, sub?: number}} place
 * @returns {any[]}
 */
export function listAt(layout, place) {
  const item = layout[/** @type {number} */ (place.section)];
  if (place.tab === undefined) {
    if (!isSection(item)) throw new Error(`no section ${place.section}`);
    return item.items || [];
  }
  const tab = isTabs(item) ? item.tabs?.[place.tab] : undefined;
  if (!tab) throw new Error(`no tab ${place.section}/${place.tab}`);
  if (place.sub === undefined) return tab.items || [];
  const sub = tab.items?.[place.sub];
  if (!isSection(sub)) throw new Error(`no section ${place.section}/${place.tab}/${place.sub}`);
  return sub.items || [];
}

/**
 * A copy of `layout` where the list at `place` is replaced by what `edit` makes of a copy of it.
 * @param {Item[]} layout
 * @param {{section?: number, tab?: number, sub?: number}} place
 * @param {(items: any[]) => void} edit  edits the copy in place
 */
export function editList(layout, place, edit) {
  const items = [...listAt(layout, /** @type {Place} */ (place))];
  edit(items);
  const next = [...layout];
  const at = /** @type {number} */ (place.section);
  if (place.tab === undefined) {
    next[at] = { ...next[at], items };
    return next;
  }
  next[at] = editTab(next[at], place.tab, (tab) => {
    if (place.sub === undefined) return { ...tab, items };
    const tabItems = [...tab.items];
    tabItems[/** @type {number} */ (place.sub)] = { ...tabItems[/** @type {number} */ (place.sub)], items };
    return { ...tab, items: tabItems };
  });
  return next;
}

/**
 * @param {Item} tabsItem
 * @param {number} tab
 * @param {(tab: Item) => Item} edit
 */
function editTab(tabsItem, tab, edit) {
  const tabs = [...tabsItem.tabs];
  tabs[tab] = edit(tabs[tab]);
  return { ...tabsItem, tabs };
}

/**
 * Where the layout shows `key`, or null.
 * @param {Item[]} layout
 * @param {string} key
 * @returns {Place | null}
 */
export function findKey(layout, key) {
  for (const [section, item] of layout.entries()) {
    if (isSection(item)) {
      const index = (item.items || []).indexOf(key);
      if (index >= 0) return { section, index };
    } else if (isTabs(item)) {
      for (const [tab, { items = [] }] of (item.tabs || []).entries()) {
        for (const [position, entry] of items.entries()) {
          if (entry === key) return { section, tab, index: position };
          if (isSection(entry)) {
            const index = (entry.items || []).indexOf(key);
            if (index >= 0) return { section, tab, sub: position, index };
          }
        }
      }
    }
  }
  return null;
}

/**
 * Insert `key` at `place`.
 * @param {Item[]} layout
 * @param {string} key
 * @param {Place} place
 */
export function insertKey(layout, key, place) {
  return editList(layout, place, (items) => {
    items.splice(Math.max(0, Math.min(place.index, items.length)), 0, key);
  });
}

/**
 * Take `key` out of the list at `place`.
 * @param {Item[]} layout
 * @param {Place} place  where it is now (from findKey)
 */
export function removeKey(layout, place) {
  return editList(layout, place, (items) => items.splice(place.index, 1));
}

/**
 * Move `key` from where it is to `place` (an index after taking it out). A loose key taken out of
 * a tab before the target section of that tab shifts the section's position: `sub` follows.
 * @param {Item[]} layout
 * @param {string} key
 * @param {Place} place
 */
export function moveKey(layout, key, place) {
  const old = findKey(layout, key);
  if (!old) throw new Error(`field ${key} is not in the layout`);
  const target = { ...place };
  if (target.section === undefined) target.section = old.section;
  const looseInSameTab = old.tab !== undefined && old.sub === undefined
    && target.section === old.section && target.tab === old.tab;
  if (looseInSameTab && target.sub !== undefined && old.index < target.sub) target.sub -= 1;
  return insertKey(removeKey(layout, old), key, target);
}

/**
 * Take `key` out of the tabs item at `section` to the top level, just below it: into the
 * top-level section that follows the tabs item (at its start), else into a new section there.
 * @param {Item[]} layout
 * @param {string} key
 * @param {number} section  the tabs item's index
 */
export function moveKeyOut(layout, key, section) {
  const old = findKey(layout, key);
  if (!old) throw new Error(`field ${key} is not in the layout`);
  if (!isTabs(layout[section])) throw new Error(`no tabs item ${section}`);
  const next = removeKey(layout, old);
  if (isSection(next[section + 1])) return insertKey(next, key, { section: section + 1, index: 0 });
  const created = { ...newSection(next), items: [key] };
  next.splice(section + 1, 0, created);
  return next;
}

/**
 * Every mention of `from` renamed to `to`.
 * @param {Item[]} layout
 * @param {string} from
 * @param {string} to
 */
export function renameKey(layout, from, to) {
  const place = findKey(layout, from);
  return place ? editList(layout, place, (items) => { items[place.index] = to; }) : layout;
}

/**
 * Every section of the layout, at the top level and inside tabs.
 * @param {Item[]} layout
 * @returns {Item[]}
 */
export function allSections(layout) {
  return layout.flatMap((item) => (isTabs(item)
    ? (item.tabs || []).flatMap((/** @type {Item} */ tab) => (tab.items || []).filter(isSection))
    : [item]));
}

/**
 * `prefix_N` for the smallest N no key in `taken` uses.
 * @param {Iterable<any>} taken
 * @param {string} prefix
 */
export function freeKey(taken, prefix) {
  const keys = new Set(taken);
  for (let n = 1; ; n += 1) if (!keys.has(`${prefix}_${n}`)) return `${prefix}_${n}`;
}

/**
 * A new, empty section with a key no other section uses.
 * @param {Item[]} layout
 * @param {{title?: Record<string, string>, columns?: number}} [options]
 */
export function newSection(layout, { title, columns = 1 } = {}) {
  /** @type {Item} */
  const section = { type: 'section', key: freeKey(allSections(layout).map((s) => s.key), 'section') };
  if (title) section.title = { ...title };
  section.columns = columns;
  section.items = [];
  return section;
}

/**
 * Add a section to a list of sections: the top level (`list` undefined, `index` in the layout)
 * or a tab's items (`list = {section, tab}`).
 * @param {Item[]} layout
 * @param {{list?: SectionList, index?: number, title?: Record<string, string>, columns?: number}} options
 */
export function addSection(layout, { list, index, title, columns }) {
  const section = newSection(layout, { title, columns });
  if (!list) {
    const next = [...layout];
    next.splice(index ?? next.length, 0, section);
    return next;
  }
  return editList(layout, list, (items) => items.splice(index ?? items.length, 0, section));
}

/**
 * Remove a section. At the top level its fields join the previous top-level section (else the
 * next one, else the first tab); inside a tab they stay where the section was, as loose keys.
 * Returns undefined when nothing is left of the layout.
 * @param {Item[]} layout
 * @param {{list?: SectionList, index: number}} at
 * @returns {Item[] | undefined}
 */
export function removeSection(layout, { list, index }) {
  if (list) {
    const items = listAt(layout, list);
    if (!isSection(items[index])) throw new Error(`no section ${index} in tab ${list.tab}`);
    return editList(layout, list, (copy) => copy.splice(index, 1, ...(items[index].items || [])));
  }
  if (!isSection(layout[index])) throw new Error(`no section ${index}`);
  const next = [...layout];
  const [gone] = next.splice(index, 1);
  const keys = gone.items || [];
  const sections = next.map((item, i) => (isSection(item) ? i : -1)).filter((i) => i >= 0);
  const heir = [...sections].reverse().find((i) => i < index) ?? sections[0];
  if (heir !== undefined) {
    next[heir] = { ...next[heir], items: [...(next[heir].items || []), ...keys] };
    return next;
  }
  const tabs = next.findIndex(isTabs);
  if (tabs >= 0 && next[tabs].tabs?.length) {
    return editList(next, { section: tabs, tab: 0 }, (items) => items.push(...keys));
  }
  return next.length ? next : undefined;
}

/**
 * Set a property of a section (title, columns, collapsed); undefined removes it.
 * @param {Item[]} layout
 * @param {{list?: SectionList, index: number}} at
 * @param {string} name
 * @param {any} value
 */
export function setSection(layout, { list, index }, name, value) {
  const edit = (/** @type {Item} */ section) => {
    if (!isSection(section)) throw new Error(`no section ${index}`);
    return setKey(section, name, clone(value), { order: SECTION_KEY_ORDER });
  };
  if (!list) {
    const next = [...layout];
    next[index] = edit(next[index]);
    return next;
  }
  return editList(layout, list, (items) => { items[index] = edit(items[index]); });
}

/**
 * Add a tab. Without a tabs item yet, one is made holding everything shown now in a first tab
 * (`visible`: the top-level sections, or for a form without layout its visible field keys), so
 * nothing leaves the canvas; the new tab follows it.
 * @param {Item[] | undefined} layout
 * @param {{title: Record<string, string>, firstTitle?: Record<string, string>, index?: number, visible?: string[]}} options
 * @returns {Item[]}
 */
export function addTab(layout, { title, firstTitle, index, visible = [] }) {
  const at = (layout || []).findIndex(isTabs);
  if (layout && at >= 0) {
    const item = layout[at];
    const tab = { key: freeKey((item.tabs || []).map((/** @type {Item} */ t) => t.key), 'tab'), title: { ...title }, items: [] };
    const tabs = [...(item.tabs || [])];
    tabs.splice(index ?? tabs.length, 0, tab);
    const next = [...layout];
    next[at] = { ...item, tabs };
    return next;
  }
  const first = layout ? clone(layout) : [...visible];
  return [{
    type: 'tabs',
    key: 'tabs',
    tabs: [
      { key: 'tab_1', title: { ...(firstTitle || title) }, items: first },
      { key: 'tab_2', title: { ...title }, items: [] },
    ],
  }];
}

/**
 * Remove a tab: its items join the previous tab (the next one for the first). Removing the last
 * tab puts its content back at the top level, loose keys wrapped into sections. Returns
 * undefined when nothing is left of the layout.
 * @param {Item[]} layout
 * @param {number} section  the tabs item's index
 * @param {number} tab
 * @returns {Item[] | undefined}
 */
export function removeTab(layout, section, tab) {
  const item = layout[section];
  if (!isTabs(item) || !item.tabs?.[tab]) throw new Error(`no tab ${section}/${tab}`);
  const tabs = [...item.tabs];
  const [gone] = tabs.splice(tab, 1);
  const next = [...layout];
  if (tabs.length) {
    const heir = Math.max(0, tab - 1);
    tabs[heir] = { ...tabs[heir], items: [...(tabs[heir].items || []), ...(gone.items || [])] };
    next[section] = { ...item, tabs };
    return next;
  }
  /** @type {Item[]} */
  const unwrapped = [];
  /** @type {string[]} */
  let loose = [];
  const flush = () => {
    if (!loose.length) return;
    const taken = [...allSections(next), ...unwrapped].map((s) => s.key);
    unwrapped.push({ type: 'section', key: freeKey(taken, 'section'), columns: 1, items: loose });
    loose = [];
  };
  for (const entry of gone.items || []) {
    if (isSection(entry)) {
      flush();
      unwrapped.push(entry);
    } else {
      loose.push(entry);
    }
  }
  flush();
  next.splice(section, 1, ...unwrapped);
  return next.length ? next : undefined;
}

/**
 * Move a tab to position `to` among its tabs.
 * @param {Item[]} layout
 * @param {number} section
 * @param {number} tab
 * @param {number} to
 */
export function moveTab(layout, section, tab, to) {
  const item = layout[section];
  if (!isTabs(item) || !item.tabs?.[tab]) throw new Error(`no tab ${section}/${tab}`);
  const tabs = [...item.tabs];
  const [moved] = tabs.splice(tab, 1);
  tabs.splice(Math.max(0, Math.min(to, tabs.length)), 0, moved);
  const next = [...layout];
  next[section] = { ...item, tabs };
  return next;
}

/**
 * Set a property of a tab (its title); undefined removes it.
 * @param {Item[]} layout
 * @param {number} section
 * @param {number} tab
 * @param {string} name
 * @param {any} value
 */
export function setTab(layout, section, tab, name, value) {
  const item = layout[section];
  if (!isTabs(item) || !item.tabs?.[tab]) throw new Error(`no tab ${section}/${tab}`);
  if (name === 'items') throw new Error('a tab\'s items change by moving fields and sections');
  const next = [...layout];
  next[section] = editTab(item, tab, (t) => setKey(t, name, clone(value), { order: TAB_KEY_ORDER }));
  return next;
}

/**
 * Move a section (top-level `{section}` or in a tab `{section, tab, sub}`) to the end of a tab's
 * items, or to `index` there.
 * @param {Item[]} layout
 * @param {{section: number, tab?: number, sub?: number}} from
 * @param {{section: number, tab: number, index?: number}} to  `section` is the tabs item
 */
export function moveSection(layout, from, to) {
  const target = { ...to };
  /** @type {Item[]} */
  let next;
  /** @type {Item} */
  let moved;
  if (from.tab === undefined) {
    if (!isSection(layout[from.section])) throw new Error(`no section ${from.section}`);
    next = [...layout];
    [moved] = next.splice(from.section, 1);
    if (target.section > from.section) target.section -= 1;
  } else {
    const items = listAt(layout, { section: from.section, tab: from.tab });
    moved = items[/** @type {number} */ (from.sub)];
    if (!isSection(moved)) throw new Error(`no section ${from.section}/${from.tab}/${from.sub}`);
    next = editList(layout, { section: from.section, tab: from.tab }, (copy) => copy.splice(/** @type {number} */ (from.sub), 1));
  }
  if (!isTabs(next[target.section]) || !next[target.section].tabs?.[target.tab]) throw new Error(`no tab ${to.section}/${to.tab}`);
  return editList(next, { section: target.section, tab: target.tab }, (items) => {
    items.splice(target.index ?? items.length, 0, moved);
  });
}

/**
 * @typedef {object} Group  one list of field cards on the canvas
 * @property {'loose' | 'section'} kind
 * @property {{section: number, tab?: number, sub?: number}} list  the place of its items, without index
 * @property {number} offset  the position of its first key in that list (loose keys in a tab)
 * @property {string[]} keys
 * @property {any} [title]
 * @property {number} columns
 */

/**
 * What the canvas draws for a layout: top-level sections, and tabs items with their tabs, each
 * tab a list of groups (runs of loose keys, sections). An empty tab has one empty loose group.
 * @param {Item[]} layout
 */
export function canvasBlocks(layout) {
  /** @type {({kind: 'section', section: number, group: Group} | {kind: 'tabs', section: number, key?: string, tabs: {tab: number, key?: string, title: any, groups: Group[]}[]})[]} */
  const blocks = [];
  for (const [section, item] of layout.entries()) {
    if (isSection(item)) {
      blocks.push({ kind: 'section', section, group: sectionGroup(item, { section }) });
    } else if (isTabs(item)) {
      blocks.push({
        kind: 'tabs',
        section,
        key: item.key,
        tabs: (item.tabs || []).map((/** @type {Item} */ tab, index) => ({
          tab: index, key: tab.key, title: tab.title, groups: tabGroups(tab, section, index),
        })),
      });
    }
  }
  return blocks;
}

/**
 * @param {Item} section
 * @param {{section: number, tab?: number, sub?: number}} list
 * @returns {Group}
 */
function sectionGroup(section, list) {
  return { kind: 'section', list, offset: 0, keys: [...(section.items || [])], title: section.title, columns: section.columns || 1 };
}

/**
 * @param {Item} tab
 * @param {number} section
 * @param {number} index
 */
function tabGroups(tab, section, index) {
  /** @type {Group[]} */
  const groups = [];
  /** @type {Group | null} */
  let loose = null;
  for (const [position, entry] of (tab.items || []).entries()) {
    if (isSection(entry)) {
      loose = null;
      groups.push(sectionGroup(entry, { section, tab: index, sub: position }));
    } else {
      if (!loose) {
        loose = { kind: 'loose', list: { section, tab: index }, offset: position, keys: [], columns: 1 };
        groups.push(loose);
      }
      loose.keys.push(entry);
    }
  }
  if (!groups.length) groups.push({ kind: 'loose', list: { section, tab: index }, offset: 0, keys: [], columns: 1 });
  return groups;
}
