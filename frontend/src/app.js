// Clusterhub's page behaviour. Pages work without it; it adds htmx partial
// updates and small progressive enhancements. No inline scripts anywhere: the
// Content-Security-Policy forbids them.
import htmx from "htmx.org";

window.htmx = htmx;
// Strict CSP: htmx must not inject <style> or evaluate attribute code.
htmx.config.includeIndicatorStyles = false;
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;

// Send Django's CSRF token with every htmx request (the cookie is HttpOnly,
// so the token comes from the page's meta tag).
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});

// After htmx swaps a region, move focus to it so screen-reader and keyboard
// users land on the new content rather than being left on a removed node.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  if (target && target.dataset.focusOnSwap !== undefined) {
    target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: false });
  }
});

// Forms marked data-confirm ask before submitting (no inline onsubmit).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm) {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  }
}, true);

// Filter forms marked data-autosubmit submit themselves when a select changes.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement || field instanceof HTMLInputElement) {
    const form = field.form;
    if (form && form.dataset.autosubmit !== undefined && field.type !== "text" && field.type !== "search") {
      form.requestSubmit();
    }
  }
});

// --- Live regions ----------------------------------------------------------
// An element with data-live-url (a WebSocket path) and data-live-refresh (the
// page that renders it) re-fetches itself over HTTP when the server says that
// something changed. The socket carries notices only ({"event": ...}), so
// every access check stays in the views. data-live-events limits the notices
// a region reacts to (by their "what"); data-live-announce is read out
// politely after an update. A region waits while the person is working in it
// (focus inside, or an open <details>), and catches up when they leave. While
// its socket is open a region carries data-live-state="connected".
const GIVE_UP = new Set([4400, 4403]); // refused: reconnecting cannot help
const liveSockets = new Map(); // ws path -> {regions, socket, attempts, ...}
const refreshTimers = new Map();
const waiting = new Set(); // region ids to refresh once the person is done

function sameOrigin(url) {
  try {
    return new URL(url, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

function markState(region, live) {
  if (live && live.socket && live.socket.readyState === WebSocket.OPEN) {
    region.dataset.liveState = "connected";
  } else {
    delete region.dataset.liveState;
  }
}

// Each render masks the CSRF token anew: not a change worth a swap.
function comparable(region) {
  return region.outerHTML.replace(/(name="csrfmiddlewaretoken" value=")[^"]*"/g, '$1"');
}

function isBusy(region) {
  const active = document.activeElement;
  if (active && active !== region && region.contains(active)) return true;
  return region.querySelector("details[open]") !== null;
}

function announce(text) {
  const status = document.getElementById("live-status");
  if (!status || !text) return;
  status.textContent = "";
  window.setTimeout(() => { status.textContent = text; }, 100);
}

async function refreshRegion(id) {
  const region = document.getElementById(id);
  if (!region) return;
  if (isBusy(region)) { waiting.add(id); return; }
  waiting.delete(id);
  let html;
  try {
    const response = await fetch(region.dataset.liveRefresh, {
      credentials: "same-origin",
      headers: { "X-Live-Refresh": "true" },
    });
    // A 404/403 or a redirect to the login page: leave the region alone.
    if (!response.ok || !sameOrigin(response.url)) return;
    html = await response.text();
  } catch {
    return;
  }
  const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
  const current = document.getElementById(id);
  if (!fresh || !current) return;
  markState(fresh, liveSockets.get(current.dataset.liveUrl));
  if (comparable(fresh) === comparable(current)) return;
  if (isBusy(current)) { waiting.add(id); return; }
  current.replaceWith(fresh);
  htmx.process(fresh);
  announce(fresh.dataset.liveAnnounce);
}

function scheduleRefresh(id) {
  window.clearTimeout(refreshTimers.get(id));
  // Coalesce a burst of notices into one request.
  refreshTimers.set(id, window.setTimeout(() => {
    refreshTimers.delete(id);
    refreshRegion(id);
  }, 150));
}

function connectLive(live) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${window.location.host}${live.path}`);
  live.socket = socket;
  const eachRegion = (fn) => live.regions.forEach((id) => {
    const region = document.getElementById(id);
    if (region) fn(region, id);
  });
  socket.addEventListener("open", () => {
    eachRegion((region) => markState(region, live));
    // After a drop, notices may have been missed: catch up once.
    if (live.attempts > 0) live.regions.forEach(scheduleRefresh);
    live.attempts = 0;
  });
  socket.addEventListener("message", (event) => {
    let notice;
    try {
      notice = JSON.parse(event.data);
    } catch {
      return;
    }
    for (const id of [...live.regions]) {
      const region = document.getElementById(id);
      if (!region) { live.regions.delete(id); continue; }
      const wanted = (region.dataset.liveEvents || "").split(/\s+/).filter(Boolean);
      if (wanted.length && !wanted.includes(notice.what)) continue;
      scheduleRefresh(id);
    }
  });
  socket.addEventListener("close", (event) => {
    live.socket = null;
    eachRegion((region) => markState(region, live));
    if (live.stopped || GIVE_UP.has(event.code)) { live.stopped = true; return; }
    // Exponential backoff with jitter, at most about 30 s apart.
    const delay = Math.min(30000, 1000 * 2 ** live.attempts) * (0.5 + Math.random() / 2);
    live.attempts += 1;
    live.timer = window.setTimeout(() => connectLive(live), delay);
  });
}

function watchLiveRegions(root) {
  const selector = "[data-live-url][data-live-refresh]";
  const found = root.querySelectorAll ? [...root.querySelectorAll(selector)] : [];
  if (root.matches && root.matches(selector)) found.push(root);
  for (const region of found) {
    const path = region.dataset.liveUrl;
    if (!region.id || !path.startsWith("/ws/") || !sameOrigin(region.dataset.liveRefresh)) continue;
    let live = liveSockets.get(path);
    if (!live) {
      live = { path, regions: new Set(), socket: null, attempts: 0, stopped: false, timer: null };
      liveSockets.set(path, live);
      connectLive(live);
    }
    live.regions.add(region.id);
    markState(region, live);
  }
}

function resumeWaiting() {
  // After focusout, activeElement is only settled on the next task.
  window.setTimeout(() => {
    for (const id of [...waiting]) {
      const region = document.getElementById(id);
      if (!region) waiting.delete(id);
      else if (!isBusy(region)) refreshRegion(id);
    }
  }, 0);
}

htmx.onLoad(watchLiveRegions);
document.addEventListener("focusout", resumeWaiting);
document.addEventListener("toggle", resumeWaiting, true); // <details> closing
window.addEventListener("pagehide", () => {
  for (const live of liveSockets.values()) {
    live.stopped = true;
    window.clearTimeout(live.timer);
    if (live.socket) live.socket.close(1000);
  }
  liveSockets.clear();
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted) watchLiveRegions(document.body); // back from the bfcache
});
