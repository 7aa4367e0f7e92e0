// A WebSocket for Node that sends the headers a browser would (Origin,
// Cookie), for the stock y-websocket client's WebSocketPolyfill option.
//
// Node 18 (Debian's, which .ci/run installs) has no WebSocket, and the `ws`
// package is not among the frontend's dependencies, so this is the small part
// of the WHATWG WebSocket that y-websocket 3.x uses, over node:http: the
// opening handshake (RFC 6455 section 4), masked client frames, fragmented
// messages, ping/pong, the closing handshake, and the onopen / onmessage /
// onerror / onclose properties with CloseEvent's code and reason. A handshake
// the server does not answer with 101 fails as in a browser: an error, then a
// close with code 1006.

import crypto from "node:crypto";
import http from "node:http";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export class NodeWebSocket {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSING = CLOSING;
  static CLOSED = CLOSED;
  get CONNECTING() { return CONNECTING; }
  get OPEN() { return OPEN; }
  get CLOSING() { return CLOSING; }
  get CLOSED() { return CLOSED; }

  constructor(url, protocols = [], headers = {}) {
    this.url = url;
    this.readyState = CONNECTING;
    this.binaryType = "blob";
    this.protocol = "";
    this.onopen = this.onmessage = this.onerror = this.onclose = null;
    /** The HTTP status of a refused handshake (a browser would not know it). */
    this.handshakeStatus = null;
    this._buffer = Buffer.alloc(0);
    this._fragments = null;
    this._closeFrame = null;
    this._socket = null;

    const target = new URL(url);
    if (target.protocol !== "ws:") throw new SyntaxError(`only ws: URLs here: ${url}`);
    const key = crypto.randomBytes(16).toString("base64");
    const list = typeof protocols === "string" ? [protocols] : protocols;
    this._request = http.request({
      hostname: target.hostname,
      port: target.port || 80,
      path: target.pathname + target.search,
      agent: false, // a connection of its own, as a browser's socket
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": key,
        ...(list.length ? { "Sec-WebSocket-Protocol": list.join(", ") } : {}),
        ...headers,
      },
    });
    this._request.on("upgrade", (response, socket, head) => {
      const expected = crypto.createHash("sha1").update(key + GUID).digest("base64");
      if (response.headers["sec-websocket-accept"] !== expected) {
        socket.destroy();
        this._fail();
        return;
      }
      this._socket = socket;
      this.protocol = response.headers["sec-websocket-protocol"] || "";
      socket.setNoDelay(true);
      socket.on("data", (chunk) => this._receive(chunk));
      socket.on("close", () => this._finish());
      socket.on("error", () => {}); // "close" follows
      this.readyState = OPEN;
      this._emit("onopen", { type: "open" });
      if (head.length) this._receive(head);
    });
    this._request.on("response", (response) => {
      this.handshakeStatus = response.statusCode;
      response.resume();
      this._fail();
    });
    this._request.on("error", () => this._fail());
    this._request.end();
  }

  send(data) {
    if (this.readyState === CONNECTING) throw new Error("InvalidStateError: still connecting");
    if (this.readyState !== OPEN) return; // as a browser: dropped once closing
    if (typeof data === "string") {
      this._sendFrame(0x1, Buffer.from(data, "utf8"));
    } else if (data instanceof ArrayBuffer) {
      this._sendFrame(0x2, Buffer.from(data));
    } else {
      this._sendFrame(0x2, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
  }

  close(code, reason = "") {
    if (this.readyState === CLOSING || this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this._request.destroy();
      this._fail();
      return;
    }
    let payload = Buffer.alloc(0);
    if (code !== undefined) {
      payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      payload = Buffer.concat([payload, Buffer.from(reason, "utf8")]);
    }
    this._sendFrame(0x8, payload);
    this.readyState = CLOSING;
    setTimeout(() => this._socket.destroy(), 2000).unref();
  }

  // --- Internals -----------------------------------------------------------------

  _emit(name, event) {
    const handler = this[name];
    if (typeof handler === "function") handler.call(this, event);
  }

  _fail() {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this._emit("onerror", { type: "error" });
    this._emit("onclose", { type: "close", code: 1006, reason: "", wasClean: false });
  }

  _finish() {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    const frame = this._closeFrame;
    const event = frame
      ? { type: "close", code: frame.code, reason: frame.reason, wasClean: true }
      : { type: "close", code: 1006, reason: "", wasClean: false };
    this._emit("onclose", event);
  }

  _sendFrame(opcode, payload) {
    let header;
    if (payload.length < 126) {
      header = Buffer.from([0x80 | opcode, 0x80 | payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    const mask = crypto.randomBytes(4);
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this._socket.write(Buffer.concat([header, mask, masked]));
  }

  _receive(chunk) {
    this._buffer = Buffer.concat([this._buffer, chunk]);
    for (;;) {
      const buffer = this._buffer;
      if (buffer.length < 2) return;
      const fin = (buffer[0] & 0x80) !== 0;
      const opcode = buffer[0] & 0x0f;
      if (buffer[1] & 0x80) { // a server never masks (RFC 6455 5.1)
        this._socket.destroy();
        return;
      }
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      const payload = Buffer.from(buffer.subarray(offset, offset + length));
      this._buffer = buffer.subarray(offset + length);
      this._frame(fin, opcode, payload);
    }
  }

  _frame(fin, opcode, payload) {
    if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      const reason = payload.length > 2 ? payload.subarray(2).toString("utf8") : "";
      this._closeFrame = { code, reason };
      if (this.readyState === OPEN) this._sendFrame(0x8, payload.subarray(0, 2));
      this.readyState = CLOSING;
      this._socket.end();
      setTimeout(() => this._socket.destroy(), 2000).unref();
    } else if (opcode === 0x9) {
      if (this.readyState === OPEN) this._sendFrame(0xa, payload);
    } else if (opcode === 0xa) {
      // an unsolicited pong: nothing to do
    } else if (opcode === 0x0) {
      if (this._fragments === null) return;
      this._fragments.parts.push(payload);
      if (fin) {
        const { opcode: first, parts } = this._fragments;
        this._fragments = null;
        this._deliver(first, Buffer.concat(parts));
      }
    } else if (fin) {
      this._deliver(opcode, payload);
    } else {
      this._fragments = { opcode, parts: [payload] };
    }
  }

  _deliver(opcode, payload) {
    if (this.readyState !== OPEN) return;
    let data;
    if (opcode === 0x1) data = payload.toString("utf8");
    else if (this.binaryType === "arraybuffer") {
      data = payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length);
    } else data = payload;
    this._emit("onmessage", { type: "message", data });
  }
}

/**
 * A WebSocket class for `WebsocketProvider`'s `WebSocketPolyfill` option that
 * sends `headers` with every handshake and records each attempt in `attempts`.
 */
export function withHeaders(headers, attempts = []) {
  return class extends NodeWebSocket {
    constructor(url, protocols) {
      super(url, protocols, headers);
      attempts.push(url);
    }
  };
}
