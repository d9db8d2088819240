// One live channel over a websocket (docs/live-protocol.md): follows the channel, reconnects
// by itself with growing, jittered pauses, and resumes with `since` so nothing is missed or
// repeated. `send` resolves with the server's ack or error for that message. Messages that
// arrive batched (`events`) are handed on one by one; `counts` (coalesced vote counts) go to
// `onCounts`.
const STOP_CODES = new Set([4400, 4401, 4403, 4404]); // refused: trying again would not help
const TOO_MANY = 4429; // this link has too many windows open: try again only after a while
const LONGEST_PAUSE_MS = 15000;

export function openChannel({ path, token, festival, onSnapshot, onEvent, onCounts, onStatus }) {
  let seq = null;
  let socket = null;
  let attempt = 0;
  let refs = 0;
  let stopped = false;
  const waiting = new Map();

  function url() {
    const address = new URL(path, window.location.href);
    address.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    if (token) address.searchParams.set("token", token);
    if (festival) address.searchParams.set("festival", festival);
    if (seq !== null) address.searchParams.set("since", String(seq));
    return address;
  }

  function connect() {
    socket = new WebSocket(url());
    socket.addEventListener("open", () => {
      onStatus?.("open");
    });
    socket.addEventListener("message", (incoming) => {
      const message = JSON.parse(incoming.data);
      if (message.type === "snapshot" || message.type === "event") {
        attempt = 0; // let in: the pauses start short again (a 1013 comes after "open")
      }
      if (message.type === "snapshot") {
        seq = message.seq;
        onSnapshot(message);
      } else if (message.type === "events") {
        for (const part of message.events) follow(part);
      } else if (message.type === "event" || message.type === "counts") {
        follow(message);
      } else if (message.ref !== undefined && waiting.has(message.ref)) {
        waiting.get(message.ref)(message);
        waiting.delete(message.ref);
      } else if (message.type === "error") {
        onStatus?.("error", message);
      }
    });
    socket.addEventListener("close", (closing) => {
      for (const resolve of waiting.values()) {
        resolve({ type: "error", code: "connection.lost", message: "connection lost" });
      }
      waiting.clear();
      if (stopped || STOP_CODES.has(closing.code)) {
        onStatus?.("stopped", closing);
        return;
      }
      onStatus?.("reconnecting", closing);
      if (closing.code === TOO_MANY) attempt = Math.max(attempt, 5); // straight to the longest
      const pause = Math.min(LONGEST_PAUSE_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, pause);
    });
  }

  function follow(message) {
    seq = message.seq;
    if (message.type === "event") onEvent(message);
    else if (message.type === "counts") onCounts?.(message);
  }

  function send(message) {
    return new Promise((resolve) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        resolve({ type: "error", code: "connection.lost", message: "not connected" });
        return;
      }
      refs += 1;
      const ref = `m${refs}`;
      waiting.set(ref, resolve);
      socket.send(JSON.stringify({ ...message, ref }));
    });
  }

  connect();
  return {
    send,
    close() {
      stopped = true;
      socket?.close();
    },
  };
}
