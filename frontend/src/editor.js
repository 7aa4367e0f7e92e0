// The business plan's live editor: CodeMirror 6 bound to the plan's shared Yjs
// text, synced over the y-websocket protocol, with everyone's cursors, a
// presence list, a connection status and a live preview rendered by the server.
//
// Progressive enhancement: the page ships the server-rendered plan inside
// #plan-editor; it is replaced by the editor only once the live document has
// synced, so without JS (or without a connection) the plan stays readable.
//
// Strict CSP: no inline style attributes. Dynamic colours go through the CSSOM
// (element.style.x = …, which CSP allows); CodeMirror's own <style> element
// carries the per-request nonce from <meta name="csp-nonce">.
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import { Compartment, EditorState } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  ViewPlugin,
  WidgetType,
  drawSelection,
  keymap,
} from "@codemirror/view";
import { defaultKeymap } from "@codemirror/commands";
import { markdownKeymap, markdownLanguage } from "@codemirror/lang-markdown";
import { HighlightStyle, LanguageSupport, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";

const TEXT_NAME = "markdown"; // realtime/store.py TEXT_NAME
const RESYNC_MS = 20000; // heal any update the channel layer dropped
const PREVIEW_DELAY_MS = 400;
const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
const FALLBACK_COLOR = "#0b5394";

// English defaults; a page may override them (translated) with
// {{ strings|json_script:"plan-editor-i18n" }}.
const STRINGS = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline: your changes are kept and sent when you reconnect.",
  forbidden: "You cannot open this plan",
  closed: "The live document was closed. Reload the page to try again.",
  tooLarge: "That change would make the plan too long, so it was not saved. Reload the page.",
  presence: "In this document",
  you: "(you)",
  editorHeading: "Edit",
  editorLabel: "Business plan (Markdown)",
  readOnlyNote: "You can read this plan; only the team's editors can change it.",
  editorHelp: "Markdown. Tab moves to the next control; Ctrl+Z undoes.",
  previewHeading: "Preview",
  previewFailed: "The preview could not be updated.",
};

// --- Colours -----------------------------------------------------------------

function safeColor(value) {
  return typeof value === "string" && COLOR_RE.test(value) ? value : FALLBACK_COLOR;
}

function luminance(hex) {
  const channel = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** Black or white, whichever contrasts more with the background (always ≥ 4.5:1). */
export function textColorOn(hex) {
  const l = luminance(safeColor(hex));
  const withWhite = 1.05 / (l + 0.05);
  const withBlack = (l + 0.05) / 0.05;
  return withBlack >= withWhite ? "#000000" : "#ffffff";
}

/** Map the y-websocket wsPath "/ws/docs/12/" to (serverUrl, roomname). */
export function providerAddress(origin, wsPath) {
  const trailing = wsPath.endsWith("/");
  const trimmed = trailing ? wsPath.slice(0, -1) : wsPath;
  const cut = trimmed.lastIndexOf("/");
  // y-websocket connects to serverUrl + "/" + roomname, so this is exactly wsPath.
  return {
    serverUrl: origin + trimmed.slice(0, cut),
    roomname: trimmed.slice(cut + 1) + (trailing ? "/" : ""),
  };
}

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) {
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

// --- Remote cursors ------------------------------------------------------------
// Replaces y-codemirror.next's yRemoteSelections, which sets style="" attributes
// (blocked by the CSP) and shows names only on mouse hover. Here the name label
// is always shown, its text colour chosen for contrast.

class RemoteCaret extends WidgetType {
  constructor(color, name) {
    super();
    this.color = color;
    this.name = name;
  }

  toDOM() {
    const caret = el("span", { class: "cm-ySelectionCaret", "aria-hidden": "true" });
    caret.style.borderColor = this.color;
    const label = el("span", { class: "cm-ySelectionInfo" }, [this.name]);
    label.style.backgroundColor = this.color;
    label.style.color = textColorOn(this.color);
    caret.append("\u2060", label, "\u2060");
    return caret;
  }

  eq(other) {
    return other.color === this.color && other.name === this.name;
  }

  get estimatedHeight() {
    return -1;
  }

  ignoreEvent() {
    return true;
  }
}

function remoteSelections(ytext, awareness) {
  return ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.decorations = Decoration.none;
        this.listener = ({ added, updated, removed }) => {
          const ids = added.concat(updated, removed);
          if (ids.some((id) => id !== awareness.clientID)) {
            // An empty transaction makes update() recompute the decorations.
            view.dispatch({});
          }
        };
        awareness.on("change", this.listener);
      }

      destroy() {
        awareness.off("change", this.listener);
      }

      update(update) {
        this.publishOwnCursor(update);
        this.decorations = this.build(update.view);
      }

      publishOwnCursor(update) {
        const local = awareness.getLocalState();
        if (local == null) return;
        const hasFocus = update.view.hasFocus && document.hasFocus();
        if (!hasFocus) return; // keep the last position so others still see it
        const sel = update.state.selection.main;
        const anchor = Y.createRelativePositionFromTypeIndex(ytext, sel.anchor);
        const head = Y.createRelativePositionFromTypeIndex(ytext, sel.head);
        const cur = local.cursor;
        if (
          cur == null ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(cur.anchor), anchor) ||
          !Y.compareRelativePositions(Y.createRelativePositionFromJSON(cur.head), head)
        ) {
          awareness.setLocalStateField("cursor", { anchor, head });
        }
      }

      build(view) {
        const ydoc = ytext.doc;
        const ranges = [];
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === awareness.clientID) return;
          const cursor = state.cursor;
          if (cursor == null || cursor.anchor == null || cursor.head == null) return;
          let anchor;
          let head;
          try {
            anchor = Y.createAbsolutePositionFromRelativePosition(
              Y.createRelativePositionFromJSON(cursor.anchor), ydoc);
            head = Y.createAbsolutePositionFromRelativePosition(
              Y.createRelativePositionFromJSON(cursor.head), ydoc);
          } catch (_e) {
            return; // a malformed peer state must not break the editor
          }
          if (anchor == null || head == null || anchor.type !== ytext || head.type !== ytext) return;
          const len = view.state.doc.length;
          const a = Math.min(anchor.index, len);
          const h = Math.min(head.index, len);
          const user = state.user || {};
          const color = safeColor(user.color);
          const name = typeof user.name === "string" && user.name ? user.name : "?";
          const from = Math.min(a, h);
          const to = Math.max(a, h);
          if (from < to) {
            // CodeMirror applies a decoration's style through the CSSOM (cssText),
            // which the CSP allows; the colour is validated above.
            ranges.push(
              Decoration.mark({
                class: "cm-ySelection",
                attributes: { style: `background-color: ${color}33` },
              }).range(from, to),
            );
          }
          ranges.push(
            Decoration.widget({ widget: new RemoteCaret(color, name), side: h - a > 0 ? -1 : 1 })
              .range(h),
          );
        });
        return Decoration.set(ranges, true);
      }
    },
    { decorations: (v) => v.decorations },
  );
}

// --- Highlighting (AA colours on white) ------------------------------------------

const highlight = HighlightStyle.define([
  { tag: tags.heading, fontWeight: "700" },
  { tag: tags.strong, fontWeight: "700" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: [tags.link, tags.url], color: "#0b5394", textDecoration: "underline" },
  { tag: tags.monospace, fontFamily: "ui-monospace, monospace", color: "#7a2e0e" },
  { tag: [tags.processingInstruction, tags.contentSeparator, tags.quote], color: "#4a5460" },
]);

// --- The page ------------------------------------------------------------------

function readStrings() {
  const node = document.getElementById("plan-editor-i18n");
  if (!node) return STRINGS;
  try {
    return { ...STRINGS, ...JSON.parse(node.textContent) };
  } catch (_e) {
    return STRINGS;
  }
}

function cspNonce() {
  const meta = document.querySelector('meta[name="csp-nonce"]');
  return meta ? meta.content : "";
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function start(root) {
  const t = readStrings();
  const wsPath = root.dataset.wsPath;
  if (!wsPath) return;
  const canEdit = root.dataset.canEdit === "true";
  const previewUrl = root.dataset.previewUrl;
  const me = {
    name: root.dataset.userName || "?",
    color: safeColor(root.dataset.userColor),
  };

  // Status and presence come first, so a refusal or an outage is announced
  // while the server-rendered plan stays in place.
  const status = el("p", { class: "coedit-status", role: "status", "aria-live": "polite" }, [
    t.connecting,
  ]);
  const people = el("ul", { class: "coedit-people" });
  const presence = el("section", { class: "coedit-presence", "aria-labelledby": "coedit-presence-h" }, [
    el("h2", { id: "coedit-presence-h", class: "coedit-small-heading" }, [t.presence]),
    people,
  ]);
  const bar = el("div", { class: "coedit-bar" }, [status, presence]);
  root.prepend(bar);
  root.classList.add("coedit-live");

  const ydoc = new Y.Doc();
  const ytext = ydoc.getText(TEXT_NAME);
  const origin = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  const { serverUrl, roomname } = providerAddress(origin, wsPath);
  const provider = new WebsocketProvider(serverUrl, roomname, ydoc, {
    connect: false,
    resyncInterval: RESYNC_MS,
    // Tabs of one browser go through the server too, which decides who may write.
    disableBc: true,
  });
  const awareness = provider.awareness;
  awareness.setLocalStateField("user", { name: me.name, color: me.color });

  let view = null;
  let everConnected = false;
  let terminal = false;

  function setStatus(text, kind) {
    if (status.textContent !== text) status.textContent = text;
    status.dataset.state = kind;
  }

  function renderPresence() {
    const seen = new Map();
    awareness.getStates().forEach((state, clientId) => {
      const user = state.user;
      if (!user || typeof user.name !== "string") return;
      const color = safeColor(user.color);
      const key = `${user.name}\u0000${color}`;
      const mine = clientId === awareness.clientID;
      if (!seen.has(key) || mine) seen.set(key, { name: user.name, color, mine });
    });
    const entries = [...seen.values()].sort(
      (a, b) => Number(b.mine) - Number(a.mine) || a.name.localeCompare(b.name),
    );
    people.replaceChildren(
      ...entries.map((p) => {
        const swatch = el("span", { class: "coedit-swatch", "aria-hidden": "true" });
        swatch.style.backgroundColor = p.color;
        const item = el("li", { class: "coedit-person" }, [swatch, p.name]);
        if (p.mine) item.append(" ", el("span", { class: "coedit-you" }, [t.you]));
        return item;
      }),
    );
  }
  awareness.on("change", renderPresence);
  renderPresence();

  // --- Preview ---
  let previewRegion = null;
  const previewError = el("p", { class: "coedit-preview-error", hidden: "" }, [t.previewFailed]);
  let previewTimer = 0;
  let previewAbort = null;

  async function refreshPreview() {
    // Offline, the request would only fail; "online" asks again.
    if (!previewRegion || !previewUrl || !navigator.onLine) return;
    if (previewAbort) previewAbort.abort();
    const controller = new AbortController();
    previewAbort = controller;
    try {
      const response = await fetch(previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
        body: new URLSearchParams({ text: ytext.toString() }),
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`preview: HTTP ${response.status}`);
      const html = await response.text();
      if (controller.signal.aborted) return;
      // The server's renderer sanitizes the fragment (one Markdown renderer).
      previewRegion.innerHTML = html;
      previewRegion.removeAttribute("aria-busy");
      previewError.hidden = true;
    } catch (error) {
      if (error.name === "AbortError") return;
      previewError.hidden = false;
      previewRegion.removeAttribute("aria-busy");
    }
  }
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY_MS);
  }
  ytext.observe(schedulePreview);

  // --- The editor, built on the first sync ---
  const access = new Compartment();
  const readOnly = () => [
    EditorState.readOnly.of(true),
    EditorView.editable.of(false),
    // Still reachable by keyboard, to read and scroll.
    EditorView.contentAttributes.of({ tabindex: "0", "aria-readonly": "true" }),
  ];

  function buildEditor() {
    const rendered = root.querySelector("#plan-rendered");
    const extensions = [
      yCollab(ytext, null), // sync and undo; cursors come from remoteSelections
      remoteSelections(ytext, awareness),
      // No Tab binding anywhere, so Tab leaves the editor. (markdown() would also
      // pull in HTML/CSS/JS parsers for embedded code: ~150 kB for nothing here.)
      keymap.of([...markdownKeymap, ...yUndoManagerKeymap, ...defaultKeymap]),
      new LanguageSupport(markdownLanguage),
      syntaxHighlighting(highlight),
      drawSelection(),
      EditorView.lineWrapping,
      EditorView.cspNonce.of(cspNonce()),
      EditorView.contentAttributes.of({
        "aria-label": t.editorLabel,
        "aria-describedby": "coedit-help",
        spellcheck: "true",
        autocapitalize: "sentences",
      }),
    ];
    extensions.push(access.of(canEdit ? [] : readOnly()));
    const host = el("div", { class: "coedit-editor" });
    const help = el("p", { id: "coedit-help", class: "coedit-help" }, [
      canEdit ? t.editorHelp : t.readOnlyNote,
    ]);
    const editorPane = el("section", { class: "coedit-pane", "aria-labelledby": "coedit-editor-h" }, [
      el("h2", { id: "coedit-editor-h", class: "coedit-small-heading" }, [t.editorHeading]),
      help,
      host,
    ]);
    previewRegion = el("div", { id: "plan-preview", class: "prose coedit-preview", "aria-busy": "true" });
    if (rendered) previewRegion.append(...rendered.childNodes);
    const previewPane = el("section", { class: "coedit-pane", "aria-labelledby": "coedit-preview-h" }, [
      el("h2", { id: "coedit-preview-h", class: "coedit-small-heading" }, [t.previewHeading]),
      previewError,
      previewRegion,
    ]);
    const panes = el("div", { class: "coedit-panes" }, [editorPane, previewPane]);
    if (rendered) rendered.replaceWith(panes);
    else root.append(panes);

    view = new EditorView({
      state: EditorState.create({ doc: ytext.toString(), extensions }),
      parent: host,
    });
    refreshPreview();
  }

  provider.on("sync", (synced) => {
    if (synced && view === null && !terminal) buildEditor();
  });

  provider.on("status", ({ status: s }) => {
    if (terminal) return;
    if (s === "connected") {
      everConnected = true;
      setStatus(t.connected, "connected");
    } else if (!navigator.onLine) {
      setStatus(t.offline, "offline");
    } else {
      setStatus(everConnected ? t.reconnecting : t.connecting, "connecting");
    }
  });

  // y-websocket 3.1 stops reconnecting after a 4400-4499 close and emits "closed".
  provider.on("closed", ({ code }) => {
    terminal = true;
    const message = { 4403: t.forbidden, 4413: t.tooLarge }[code] || t.closed;
    setStatus(message, "closed");
    if (view) view.dispatch({ effects: access.reconfigure(readOnly()) });
    provider.disconnect();
  });

  // The browser knows first: drop the dead socket at once and reconnect when the
  // network returns (the server's SyncStep1 then pulls edits made meanwhile).
  window.addEventListener("offline", () => {
    if (terminal) return;
    provider.disconnect();
    setStatus(t.offline, "offline");
  });
  window.addEventListener("online", () => {
    if (terminal) return;
    setStatus(t.reconnecting, "connecting");
    provider.connect();
    schedulePreview();
  });
  window.addEventListener("pagehide", (event) => {
    if (!event.persisted) provider.disconnect(); // tells the others we left
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && !terminal && navigator.onLine) provider.connect();
  });

  if (navigator.onLine) provider.connect();
  else setStatus(t.offline, "offline");
}

if (typeof document !== "undefined") {
  const root = document.getElementById("plan-editor");
  if (root) start(root);
}
