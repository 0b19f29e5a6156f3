// History API routing: '/join/:token' patterns, link interception, one listener for changes.

const routes = [];
let onChange = () => {};

/** Register a route. `options` is kept on the match (e.g. {public: true, layout: 'bare'}). */
export function route(pattern, view, options = {}) {
  const names = [];
  const source = pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        names.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  routes.push({ pattern, regex: new RegExp(`^${source}/?$`), names, view, options });
}

/** Find the route for a path: {view, options, params, query, path} or null. */
export function match(location = window.location) {
  const path = location.pathname;
  for (const r of routes) {
    const found = r.regex.exec(path);
    if (!found) continue;
    const params = {};
    r.names.forEach((name, i) => {
      params[name] = decodeURIComponent(found[i + 1]);
    });
    const query = Object.fromEntries(new URLSearchParams(location.search));
    return { ...r, params, query, path };
  }
  return null;
}

/** The current path with its query, to come back to after signing in. */
export function here() {
  return window.location.pathname + window.location.search;
}

/** Only same-site paths are accepted as a place to return to. */
export function safeNext(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
  if (value.startsWith('/api/') || value.startsWith('/static/')) return '/';
  return value;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) window.history.replaceState({}, '', path);
  else window.history.pushState({}, '', path);
  onChange();
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest('a[href]');
  if (!link || link.target === '_blank' || link.hasAttribute('download')) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/static/')) return;
  event.preventDefault();
  if (url.pathname + url.search !== here()) navigate(url.pathname + url.search);
}

/** Start listening; `render` is called on every change of location. */
export function start(render) {
  onChange = render;
  window.addEventListener('popstate', () => onChange());
  document.addEventListener('click', onClick);
  onChange();
}
