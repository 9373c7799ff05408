// The top bar: the unread notification count next to 通知 (one small API call per page).
import { get } from '../core/api.js';

/**
 * The badge text for `count` unread notifications ('' hides the badge).
 * @param {number} count
 */
export function badgeText(count) {
  if (!Number.isInteger(count) || count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}

if (typeof document !== 'undefined') {
  const badge = /** @type {HTMLElement | null} */ (document.querySelector('[data-unread]'));
  if (badge) {
    get('/api/notifications?unread=true&limit=1')
      .then((answer) => {
        const text = badgeText(answer?.unread ?? 0);
        badge.textContent = text;
        badge.hidden = !text;
      })
      .catch(() => {});
  }
}
