// @ts-check
/**
 * The builder shell (`/builder`): create an app (an empty bundle through the import API), a new
 * form or flow (opens its designer on an empty draft), duplicate or delete a form or flow, and
 * import an app bundle through the definitions API.
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
  // New form / new flow: checked here, then the designer opens on an empty draft of that key.
  for (const kind of /** @type {const} */ (['forms', 'flows'])) {
    const action = kind === 'forms' ? 'new-form' : 'new-flow';
    for (const form of root.querySelectorAll(`form[data-action="${action}"]`)) {
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const el = /** @type {HTMLFormElement} */ (form);
        const app = el.dataset.app || '';
        const key = /** @type {HTMLInputElement} */ (el.elements.namedItem('key')).value.trim();
        const title = /** @type {HTMLInputElement} */ (el.elements.namedItem('title')).value.trim();
        const section = el.closest('[data-app-key]');
        const taken = [...(section?.querySelectorAll(`[data-definition^="${kind}/"]`) || [])].map(
          (li) => (li.getAttribute('data-definition') || '').slice(kind.length + 1),
        );
        const problem = newKeyProblem(key, taken, words);
        const error = /** @type {HTMLElement} */ (el.querySelector('[data-error]'));
        error.textContent = problem;
        error.hidden = !problem;
        if (problem) return;
        const params = new URLSearchParams();
        if (title) params.set('title', title);
        const target = /** @type {HTMLSelectElement | null} */ (el.elements.namedItem('form'));
        if (target) params.set('form', target.value);
        const query = params.toString() ? `?${params}` : '';
        window.location.href = `/builder/${encodeURIComponent(app)}/${kind}/${encodeURIComponent(key)}${query}`;
      });
    }
  }
  // New app: an empty bundle (its manifest only) through the import API.
  const newApp = /** @type {HTMLFormElement | null} */ (root.querySelector('form[data-action="new-app"]'));
  newApp?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = /** @type {HTMLInputElement} */ (newApp.elements.namedItem('key')).value.trim();
    const title = /** @type {HTMLInputElement} */ (newApp.elements.namedItem('title')).value.trim() || key;
    const taken = [...root.querySelectorAll('[data-app-key]')].map((el) => el.getAttribute('data-app-key') || '');
    const error = /** @type {HTMLElement} */ (newApp.querySelector('[data-error]'));
    const problem = newKeyProblem(key, taken, words);
    error.textContent = problem;
    error.hidden = !problem;
    if (problem) return;
    try {
      await api('/api/apps/import', {
        method: 'POST',
        body: { format: 1, app: { format: 1, key, title: { 'zh-CN': title, en: title } }, definitions: {} },
      });
      say(fill(words.app_created, { key }), 'ok');
      setTimeout(() => window.location.reload(), 600);
    } catch (failure) {
      say(failure instanceof ApiError ? failure.message : String(failure), 'error');
    }
  });
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
