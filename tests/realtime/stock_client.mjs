// The stock y-websocket client against our server, for
// tests/realtime/test_stock_client.py. yjs and y-websocket are loaded from
// frontend/node_modules exactly as `npm ci` installed them (the published
// packages, resolved by Node from frontend/package.json); only the
// WebSocket is ours (node_websocket.mjs), to send a browser's Origin and
// Cookie headers.
//
//   node stock_client.mjs converge '<json>'  two editors (and a reader) type
//   node stock_client.mjs refused '<json>'   clients the server refuses
//
// Prints one JSON line: what each client saw.

import { createRequire } from "node:module";
import path from "node:path";

import { withHeaders } from "./node_websocket.mjs";

const [mode, json] = process.argv.slice(2);
const input = JSON.parse(json);
const require = createRequire(path.join(input.frontend, "package.json"));
const Y = require("yjs");
const { WebsocketProvider } = require("y-websocket");
const versions = {
  yjs: require("yjs/package.json").version,
  "y-websocket": require("y-websocket/package.json").version,
};

const warnings = [];
console.warn = (...args) => warnings.push(args.join(" "));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition, ms, what) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** One client: the standard split of server URL and room name. */
function connect({ room, cookie, origin }) {
  const doc = new Y.Doc();
  const headers = { Origin: origin ?? input.origin };
  if (cookie) headers.Cookie = cookie;
  const attempts = [];
  const provider = new WebsocketProvider(input.server, room, doc, {
    WebSocketPolyfill: withHeaders(headers, attempts),
    // One process holds several clients: without this they would also sync
    // with each other over a BroadcastChannel, behind the server's back.
    disableBc: true,
  });
  const client = { doc, provider, attempts, closes: [], terminal: [], statuses: [] };
  provider.on("status", ({ status }) => client.statuses.push(status));
  provider.on("connection-close", (event) => client.closes.push(event ? event.code : null));
  provider.on("closed", ({ code }) => client.terminal.push(code));
  return client;
}

const text = (client) => client.doc.getText(input.textName).toString();

async function converge() {
  const editors = input.editors.map(connect);
  const reader = connect(input.reader);
  const everyone = [...editors, reader];
  await until(() => everyone.every((c) => c.provider.synced), 15000, "the first sync");
  const initial = everyone.map(text);

  // Both type at once, a character at a time, each after their own heading.
  const typing = editors.map(async (editor, i) => {
    const { words, after } = input.editors[i];
    const ytext = editor.doc.getText(input.textName);
    for (let k = 0; k < words.length; k++) {
      const at = ytext.toString().indexOf(after) + after.length + k;
      ytext.insert(at, words[k]);
      await sleep(5);
    }
  });
  await Promise.all(typing);
  const done = () => {
    const texts = everyone.map(text);
    return texts.every((t) => t === texts[0]) &&
      input.editors.every(({ words }) => texts[0].includes(words));
  };
  let converged = true;
  try {
    await until(done, 15000, "convergence");
  } catch {
    converged = false;
  }
  const result = {
    versions,
    initial,
    final: everyone.map(text),
    converged,
    urls: everyone.map((c) => c.provider.url),
    attempts: everyone.map((c) => c.attempts.length),
    closes: everyone.map((c) => c.closes),
    warnings,
  };
  everyone.forEach((c) => c.provider.destroy());
  return result;
}

async function refused() {
  const clients = input.clients.map(connect);
  // y-websocket backs off 200, 400, 800, 1600 ms: a client that kept trying
  // would have come back three or four times in this window.
  await sleep(input.watchMs);
  const result = {
    versions,
    clients: clients.map((c, i) => ({
      name: input.clients[i].name,
      url: c.provider.url,
      attempts: c.attempts.length,
      closes: c.closes,
      terminal: c.terminal,
      statuses: c.statuses,
      synced: c.provider.synced,
      shouldConnect: c.provider.shouldConnect,
      warnings: warnings.filter((w) => w.includes(`${c.provider.url}.`)),
    })),
  };
  clients.forEach((c) => c.provider.destroy());
  return result;
}

try {
  const result = await { converge, refused }[mode]();
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error.stack || error), warnings }) + "\n");
  process.exit(1);
}
