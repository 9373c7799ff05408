// The notifications page: opening one marks it read; "mark all" marks every unread one.
import { post } from '../core/api.js';

/**
 * Ids of the unread items on the page.
 * @param {ParentNode} root
 * @returns {number[]}
 */
export function unreadIds(root) {
  return [...root.querySelectorAll('.fw-notes__item--unread')].map((el) => Number(/** @type {HTMLElement} */ (el).dataset.notificationId));
}

if (typeof document !== 'undefined') {
  const root = document.getElementById('fw-notes');
  if (root) {
    root.addEventListener('click', async (event) => {
      const target = /** @type {HTMLElement} */ (event.target);
      const item = /** @type {HTMLElement | null} */ (target.closest('.fw-notes__item--unread'));
      if (item && target.closest('a')) {
        await post(`/api/notifications/${item.dataset.notificationId}/read`).catch(() => {});
      }
    });
    root.querySelector('[data-action=mark-all-read]')?.addEventListener('click', async () => {
      for (const id of unreadIds(root)) await post(`/api/notifications/${id}/read`).catch(() => {});
      location.reload();
    });
  }
}
