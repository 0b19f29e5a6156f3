// The one way to talk to the server: JSON in and out, CSRF header on writes, errors as ApiError.

import { currentLang, t } from './i18n.js';

const BASE = '/api/v1';
const UNSAFE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** A refusal from the server: `message` is already in the user's language. */
export class ApiError extends Error {
  constructor(status, code, message, fields = {}, params = {}, retryAfter = null, fieldCodes = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
    this.fieldCodes = fieldCodes || {}; // {name: 'too_short'}: the stable codes behind `fields`
    this.params = params || {};
    this.retryAfter = retryAfter;
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return '';
}

async function readError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body && body.error) || {};
  const retry = Number(response.headers.get('Retry-After')) || null;
  const code = error.code || `http_${response.status}`;
  const message = error.message || t('errors.unexpected');
  return new ApiError(response.status, code, message, error.fields, error.params, retry, error.field_codes);
}

/**
 * Call the API. Throws ApiError on any refusal; a 401 outside sign-in also tells the app
 * (event `parta:signed-out`) so it can send the person to the sign-in page.
 */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const csrf = cookie('parta_csrf');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', t('errors.network'));
  }
  if (!response.ok) {
    const error = await readError(response);
    if (response.status === 401 && !path.startsWith('/auth/') && path !== '/me') {
      window.dispatchEvent(new CustomEvent('parta:signed-out'));
    }
    throw error;
  }
  if (response.status === 204) return {};
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : {};
}

/**
 * Send one file as multipart (field `file`) with upload progress, which fetch cannot report.
 * Returns {promise, abort}: the promise gives the JSON answer or throws ApiError
 * (code 'aborted' after abort()); onProgress(fraction 0…1) follows the upload. `fields`:
 * more form fields sent along (name → value).
 */
export function upload(path, file, onProgress, fields = {}) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', BASE + path);
    xhr.responseType = 'text';
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', currentLang());
    const csrf = cookie('parta_csrf');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body || {});
        return;
      }
      const error = (body && body.error) || {};
      if (xhr.status === 401) window.dispatchEvent(new CustomEvent('parta:signed-out'));
      reject(new ApiError(xhr.status, error.code || `http_${xhr.status}`, error.message || t('errors.unexpected'),
        error.fields, error.params));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', t('errors.network'))));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', '')));
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      if (value !== null && value !== undefined) form.append(name, String(value));
    }
    form.append('file', file, file.name || 'file');
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

/** Build a query string from the non-empty values: qs({role: 'student'}) → '?role=student'. */
export function qs(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
