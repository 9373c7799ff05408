// @ts-check
/**
 * The builder shell (`/builder`): create a new form (opens the designer on an empty draft),
 * duplicate or delete a form or flow, and import an app bundle through the definitions API.
 * Export is a plain link.
 */
import { ApiError, api } from '../core/api.js';

const SLUG = /^[a-z][a-z0-9_]*$/;

/**
 * Why a new form key cannot be used, or '' when it can.
 * @param {string} key
 * @param {string[]} taken
 * @param {Record<string, string>} words
 */
export function newKeyProblem(key, taken, words) {
  if (!SLUG.test(key) || key.length > 64) return words.bad_key;
  if (taken.includes(key)) return words.key_taken;
  return '';
}

/**
 * Fill `{name}` placeholders.
 * @param {string} template
 * @param {Record<string, unknown>} vars
 */
function fill(template, vars) {
  return template.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
}

function start() {
  const root = document.getElementById('fw-builder');
  if (!root) return;
  const words = JSON.parse(document.getElementById('fw-builder-words')?.textContent || '{}');
  const message = /** @type {HTMLElement} */ (root.querySelector('[data-message]'));
  const say = (/** @type {string} */ text, /** @type {string} */ kind) => {
    message.textContent = text;
    message.dataset.kind = kind;
    message.hidden = !text;
  };
  for (const form of root.querySelectorAll('form[data-action="new-form"]')) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const el = /** @type {HTMLFormElement} */ (form);
      const app = el.dataset.app || '';
      const key = /** @type {HTMLInputElement} */ (el.elements.namedItem('key')).value.trim();
      const title = /** @type {HTMLInputElement} */ (el.elements.namedItem('title')).value.trim();
      const section = el.closest('[data-app-key]');
      const taken = [...(section?.querySelectorAll('[data-definition^="forms/"]') || [])].map(
        (li) => (li.getAttribute('data-definition') || '').slice('forms/'.length),
      );
      const problem = newKeyProblem(key, taken, words);
      const error = /** @type {HTMLElement} */ (el.querySelector('[data-error]'));
      error.textContent = problem;
      error.hidden = !problem;
      if (problem) return;
      const query = title ? `?title=${encodeURIComponent(title)}` : '';
      window.location.href = `/builder/${encodeURIComponent(app)}/forms/${encodeURIComponent(key)}${query}`;
    });
  }
  // Duplicate (a new draft, opened in its designer) and delete (refused while in use: the
  // server says by what).
  root.addEventListener('click', async (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest?.('button[data-action]');
    const item = button?.closest('[data-definition]');
    if (!button || !item) return;
    const [kind, key] = (item.getAttribute('data-definition') || '').split('/');
    const app = /** @type {HTMLElement} */ (button).dataset.app || '';
    const path = `/api/apps/${encodeURIComponent(app)}/${kind}/${encodeURIComponent(key)}`;
    try {
      if (button.getAttribute('data-action') === 'duplicate') {
        const newKey = (window.prompt(fill(words.duplicate_ask, { key }), `${key}_copy`) || '').trim();
        if (!newKey) return;
        const problem = newKeyProblem(newKey, [], words);
        if (problem) {
          say(problem, 'error');
          return;
        }
        await api(`${path}/duplicate`, { method: 'POST', body: { key: newKey } });
        window.location.href = `/builder/${encodeURIComponent(app)}/${kind}/${encodeURIComponent(newKey)}`;
      } else if (button.getAttribute('data-action') === 'delete') {
        if (!window.confirm(fill(words.delete_ask, { key }))) return;
        await api(path, { method: 'DELETE' });
        item.remove();
        say(fill(words.deleted, { key }), 'ok');
      }
    } catch (error) {
      say(error instanceof ApiError ? error.message : String(error), 'error');
    }
  });
  const input = /** @type {HTMLInputElement | null} */ (root.querySelector('input[data-action="import"]'));
  input?.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    try {
      const bundle = JSON.parse(await file.text());
      const report = await api('/api/apps/import', { method: 'POST', body: bundle });
      say(fill(words.import_done, { published: report.published.length, unchanged: report.unchanged.length }), 'ok');
      setTimeout(() => window.location.reload(), 1200);
    } catch (error) {
      say(error instanceof ApiError ? error.message : String(error), 'error');
    } finally {
      input.value = '';
    }
  });
}

if (typeof document !== 'undefined') start();
