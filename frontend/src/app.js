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
