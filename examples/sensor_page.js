// sensor_page.js: a ZeroMQ SUB socket in plain browser JavaScript, speaking
// ZWS 2.0 (ZMTP inside WebSocket messages, libzmq's ws:// transport) to
// examples/sensor_pub.c.
//
// Each WebSocket binary message carries one ZMTP frame: a flags byte
// (0x01 more frames follow, 0x02 command) and then the frame's body.
//
// Subprotocol: libzmq offers and accepts "ZWS2.0/NULL", "ZWS2.0/PLAIN",
// "ZWS2.0/CURVE" (the mechanism's commands open the connection) and bare
// "ZWS2.0" (NULL only, no commands: each side's first message is its routing
// id, then the messages follow). A browser can only offer the bare one: the
// WebSocket API refuses a subprotocol with a "/" in it (RFC 6455 wants an
// HTTP token there), so this page speaks bare ZWS2.0, which libzmq accepts
// on a socket with the NULL mechanism (the default).
//
// A SUB subscribes by sending a message whose first byte is 0x01 followed by
// the topic prefix: the form libzmq's ws engine sends and expects for a
// subscription (it has no SUBSCRIBE command on ws).
"use strict";

const SUBPROTOCOL = "ZWS2.0";
const TOPIC_PREFIX = "sensor/";
const END_TOPIC = "sensor/END";
const RECORD_SIZE = 24;
const FLAG_MORE = 0x01;
const FLAG_COMMAND = 0x02;

// ?endpoint=ws://HOST:PORT/PATH (what sensor_pub printed) and, optionally,
// &expect=N: the number of samples the run publishes, checked at END.
const params = new URLSearchParams(window.location.search);
const url = params.get("endpoint");
const expectParam = params.get("expect");
const expectCount = expectParam === null ? null : Number(expectParam);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const el = {
  body: document.body,
  status: document.getElementById("status"),
  url: document.getElementById("url"),
  count: document.getElementById("count"),
  samples: document.getElementById("samples"),
};
el.url.textContent = url || "(none)";

let count = 0;
let gaps = 0;
const nextSeq = new Map(); // sensor name -> next expected sequence number
let frames = []; // the frames of the message being received
let peerIdSeen = false; // the publisher's routing id comes first
let finished = false;
let ws = null;

function setStatus(text) {
  el.status.textContent = text;
}

function finish(state, text) {
  if (finished) return;
  finished = true;
  setStatus(text);
  el.body.setAttribute("data-done", state);
}

function concat(parts) {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// One single-frame message: flags 0, then the body.
function frame(body) {
  return concat([Uint8Array.of(0x00), body]);
}

function addRow(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = c;
    tr.appendChild(td);
  }
  el.samples.appendChild(tr);
}

// At END: every sample there, in order, none missing.
function onEnd() {
  // Without &expect, what the sequence numbers say was sent.
  let expected = expectCount;
  if (expected === null) {
    expected = 0;
    for (const next of nextSeq.values()) expected += next;
  }
  const text = `received ${count} of ${expected} samples from ${nextSeq.size} sensors`;
  if (gaps === 0 && count === expected && count > 0) finish("ok", text);
  else finish("gaps", `${text}, ${gaps} gaps`);
  ws.close();
}

// A whole message: [topic, 24-byte little-endian record] or [END topic, ""].
function onMessage(parts) {
  const topic = decoder.decode(parts[0]);
  if (topic === END_TOPIC) {
    onEnd();
    return;
  }
  if (parts.length !== 2 || parts[1].length !== RECORD_SIZE || !topic.startsWith(TOPIC_PREFIX)) {
    gaps++;
    return;
  }
  const rec = new DataView(parts[1].buffer, parts[1].byteOffset, RECORD_SIZE);
  const id = rec.getUint16(0, true);
  const seq = rec.getUint32(4, true);
  const tsUs = rec.getBigUint64(8, true);
  const tempMc = rec.getInt32(16, true);
  const humM = rec.getUint32(20, true);
  const name = topic.slice(TOPIC_PREFIX.length);
  if (seq !== (nextSeq.get(name) || 0)) gaps++;
  nextSeq.set(name, seq + 1);
  count++;
  const when = new Date(Number(tsUs / 1000n)).toISOString().slice(11, 23);
  addRow([count, when, name, id, seq, (tempMc / 1000).toFixed(2), (humM / 1000).toFixed(2)]);
  el.count.textContent = String(count);
  setStatus(`receiving: ${count} samples`);
}

function onFrame(data) {
  const bytes = new Uint8Array(data);
  if (bytes.length < 1) return;
  const flags = bytes[0];
  const body = bytes.subarray(1);
  if (flags & FLAG_COMMAND) return; // none are sent on bare ZWS2.0; ignore any
  frames.push(body);
  if (flags & FLAG_MORE) return;
  const parts = frames;
  frames = [];
  if (!peerIdSeen) {
    peerIdSeen = true; // the publisher's routing id: not a message
    return;
  }
  onMessage(parts);
}

function connect() {
  if (!url) {
    finish("error", "no endpoint: open this page as sensor_page.html?endpoint=ws://HOST:PORT/PATH");
    return;
  }
  if (expectCount !== null && !(Number.isInteger(expectCount) && expectCount >= 0)) {
    finish("error", `expect=${expectParam} is not a sample count`);
    return;
  }
  ws = new WebSocket(url, [SUBPROTOCOL]);
  ws.binaryType = "arraybuffer";

  ws.onopen = () => {
    if (ws.protocol !== SUBPROTOCOL) {
      finish("error", `publisher chose subprotocol "${ws.protocol}", expected ${SUBPROTOCOL}`);
      ws.close();
      return;
    }
    // Our routing id (empty: a SUB needs none), then the subscription.
    ws.send(frame(new Uint8Array(0)));
    ws.send(frame(concat([Uint8Array.of(0x01), encoder.encode(TOPIC_PREFIX)])));
    setStatus(`connected (${ws.protocol}), subscribed to "${TOPIC_PREFIX}", waiting for samples`);
  };
  ws.onmessage = (event) => {
    if (event.data instanceof ArrayBuffer) onFrame(event.data); // ZWS uses binary messages only
  };
  ws.onerror = () => finish("error", `WebSocket error on ${url}`);
  ws.onclose = (event) => {
    if (!finished) finish("error", `connection closed (code ${event.code}) before END`);
  };
}

connect();
