// @ts-check
/**
 * Words for the canvases in zh-CN and en: the page language, message lookup with `{name}`
 * placeholders, and translatable texts (`{"zh-CN": …, "en": …}`) of definitions. No DOM needed
 * outside `locale()`, which reads `<html lang>`.
 */

export const LOCALES = ['zh-CN', 'en'];
export const DEFAULT_LOCALE = 'zh-CN';

/**
 * The page language: `<html lang>` when it is one we speak, else zh-CN.
 * @param {{documentElement?: {lang?: string}} | undefined} [doc]
 * @returns {string}
 */
export function locale(doc = typeof document !== 'undefined' ? document : undefined) {
  const lang = doc?.documentElement?.lang || '';
  if (LOCALES.includes(lang)) return lang;
  const base = lang.split('-')[0].toLowerCase();
  if (base === 'zh') return 'zh-CN';
  if (base === 'en') return 'en';
  return DEFAULT_LOCALE;
}

/**
 * Fill `{name}` placeholders; unknown names stay as they are.
 * @param {string} template
 * @param {Record<string, unknown>} [params]
 */
export function format(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (all, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : all,
  );
}

/**
 * A message in the page language (falling back to zh-CN, then en, then the key itself).
 * @param {Record<string, Record<string, string>>} messages  `{ 'zh-CN': {...}, en: {...} }`
 * @param {string} key
 * @param {Record<string, unknown>} [params]
 * @param {string} [lang]  defaults to `locale()`
 */
export function t(messages, key, params, lang = locale()) {
  const text =
    messages[lang]?.[key] ?? messages[DEFAULT_LOCALE]?.[key] ?? messages.en?.[key] ?? key;
  return format(text, params);
}

/**
 * A definition's translatable text (`{"zh-CN": "线索", "en": "Lead"}` or a plain string) in `lang`.
 * @param {unknown} text
 * @param {string} [lang]
 * @returns {string}
 */
export function pick(text, lang = locale()) {
  if (text && typeof text === 'object' && !Array.isArray(text)) {
    const map = /** @type {Record<string, unknown>} */ (text);
    const found = map[lang] ?? map[DEFAULT_LOCALE] ?? map.en ?? Object.values(map)[0];
    return found === undefined || found === null ? '' : String(found);
  }
  return text === null || text === undefined ? '' : String(text);
}
