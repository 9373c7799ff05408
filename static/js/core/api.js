// @ts-check
/**
 * JSON over fetch for the pages: sends the session's CSRF token, throws `ApiError` with the
 * server's problems (`{"errors": [{field, code, message}]}`) on any non-2xx answer.
 */

/** @typedef {{field?: string | null, code: string, message: string}} Problem */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Problem[]} problems
   */
  constructor(status, problems) {
    super(problems.map((p) => p.message).join(' ') || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problems = problems;
  }

  /** The first problem's code (or `http_<status>`). */
  get code() {
    return this.problems[0]?.code || `http_${this.status}`;
  }
}

/**
 * One cookie's value from a `document.cookie` string.
 * @param {string} cookies
 * @param {string} name
 * @returns {string | null}
 */
export function readCookie(cookies, name) {
  for (const part of (cookies || '').split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return part.slice(index + 1).trim();
      }
    }
  }
  return null;
}

/**
 * The problems of an error answer body, whatever its shape.
 * @param {unknown} body
 * @param {number} status
 * @returns {Problem[]}
 */
export function problemsOf(body, status) {
  const errors = body && typeof body === 'object' ? /** @type {any} */ (body).errors : null;
  if (Array.isArray(errors) && errors.length) {
    return errors.map((e) => ({
      field: e?.field ?? null,
      code: String(e?.code ?? 'error'),
      message: String(e?.message ?? ''),
    }));
  }
  return [{ field: null, code: `http_${status}`, message: `HTTP ${status}` }];
}

/**
 * Call the API. GET when there is no `body` (JSON) nor `raw` (bytes), else the method given
 * (default POST).
 * @param {string} path
 * @param {{method?: string, body?: unknown, raw?: Blob, headers?: Record<string, string>, fetchImpl?: typeof fetch, cookies?: string}} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const { body, raw, fetchImpl = globalThis.fetch } = options;
  const method = options.method || (body === undefined && raw === undefined ? 'GET' : 'POST');
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const cookies = options.cookies ?? (typeof document !== 'undefined' ? document.cookie : '');
    const token = readCookie(cookies, 'fw_csrf');
    if (token) headers['X-CSRF-Token'] = token;
  }
  const response = await fetchImpl(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, problemsOf(data, response.status));
  return data;
}

export const get = (/** @type {string} */ path) => api(path);
export const post = (/** @type {string} */ path, /** @type {unknown} */ body = {}) =>
  api(path, { method: 'POST', body });

/**
 * Upload one file as the raw request body (the server streams it): `{id, name, …}` back.
 * @param {string} path
 * @param {File} file
 * @param {{fetchImpl?: typeof fetch, cookies?: string}} [options]
 */
export const upload = (path, file, options = {}) =>
  api(path, {
    ...options,
    method: 'POST',
    raw: file,
    headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-Filename': encodeURIComponent(file.name) },
  });
