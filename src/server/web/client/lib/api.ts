/**
 * Calls to hashwatch's own API from the page scripts, with one result shape: the JSON answer, or a
 * calm message to show. The API's `{error: {code, message}}` messages are written for people, so
 * they are shown as they are; a network failure gets a sentence of our own.
 */

/** The outcome of an API call: data on success, or an error code and a message for the person. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; code: string; message: string };

/** Shown when the server cannot be reached at all. */
export const OFFLINE_MESSAGE =
  'We could not reach hashwatch just now. Please check your connection and try again; nothing you entered was lost.';

/** Shown when the server answers with something that is not our error shape. */
export const UNEXPECTED_MESSAGE =
  'Something went wrong on our side. Nothing you entered was lost; please try again in a moment.';

/** Pulls `{error: {code, message}}` out of a response body, if it has that shape. */
export function apiError(body: unknown): { code: string; message: string } | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message };
}

/**
 * Sends a same-origin request and reads the JSON answer. Never throws: every failure becomes a
 * message to show. Credentials are not needed (the PIN travels in a header, never in the URL).
 */
export async function callApi<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, code: 'OFFLINE', message: OFFLINE_MESSAGE };
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok && body !== null) return { ok: true, data: body as T };
  const error = apiError(body);
  return error ? { ok: false, ...error } : { ok: false, code: 'UNEXPECTED', message: UNEXPECTED_MESSAGE };
}
