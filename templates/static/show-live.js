// Follows the `show` channel: the show as timestamps, and this computer's clock offset to the
// server, so every screen counts down from the same moment without the server ticking.
// Shared by the host console, the presenter view and the attendee pages. The arithmetic
// mirrors festival/show/plan.py (evaluate, project); the server stays the authority.

const PING_MS = 10_000;
const SAMPLES = 6;
const AMBER_MS = 2 * 60_000;
const LONGEST_PAUSE_MS = 15_000;

const ms = (iso) => (iso ? new Date(iso).getTime() : null);

// Minutes to the nearest, halves away from zero, as whole_minutes in plan.py.
export function wholeMinutes(span) {
  const rounded = Math.floor((Math.abs(span) + 30_000) / 60_000);
  return span >= 0 ? rounded : -rounded;
}

export function runTime(block, now) {
  const started = ms(block.started_at);
  if (started === null) return 0;
  const stop = ms(block.paused_at) ?? ms(block.ended_at) ?? now;
  return Math.max(stop - started - block.paused_seconds * 1000, 0);
}

export function remaining(block, now) {
  return block.minutes * 60_000 - runTime(block, now);
}

export function phase(left) {
  if (left <= 0) return "red";
  if (left <= AMBER_MS) return "amber";
  return "normal";
}

export function current(show) {
  return show.blocks.find((b) => b.status === "running" || b.status === "paused") ?? null;
}

export function upcoming(show) {
  return show.ended_at ? [] : show.blocks.filter((b) => b.status === "upcoming");
}

// Every block's start and end (actual, or projected at `now`) and the plenary's delay.
// Before the show goes live the plan stands: nothing is projected from a show not begun.
export function project(show, now) {
  const live = ms(show.live_at) !== null;
  let cursor = ms(show.planned_start);
  const blocks = show.blocks.map((b) => {
    const status = show.ended_at && b.status === "upcoming" ? "not_run" : b.status;
    let span = null;
    if (!live) span = [ms(b.planned_start), ms(b.planned_end)];
    else if (b.started_at && b.ended_at) span = [ms(b.started_at), ms(b.ended_at)];
    else if (b.started_at) span = [ms(b.started_at), now + Math.max(remaining(b, now), 0)];
    else if (status === "upcoming") {
      const start = Math.max(cursor, now);
      span = [start, start + b.minutes * 60_000];
    }
    if (span && live) cursor = span[1];
    return { block: b, status, start: span && span[0], end: span && span[1] };
  });
  const end = live ? (ms(show.ended_at) ?? cursor) : ms(show.planned_end);
  const over = live && (show.ended_at !== null || (!current(show) && !upcoming(show).length));
  return { blocks, end, live, over, delay: live ? wholeMinutes(end - ms(show.planned_end)) : 0 };
}

// 12:34 style, in the page's language and the festival's zone.
// "7 minuten", "1 uur", "13 uur 20 minuten": the words festival.i18n.duration writes.
export function duration(minutes, lang) {
  const words = (unit, n) => new Intl.NumberFormat(lang, { style: "unit", unit, unitDisplay: "long" }).format(n);
  const hours = Math.floor(Math.abs(minutes) / 60);
  const rest = Math.abs(minutes) % 60;
  const parts = hours ? [words("hour", hours)] : [];
  if (rest || !hours) parts.push(words("minute", rest));
  return parts.join(" ");
}

export function clockTime(moment, zone, lang) {
  return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", timeZone: zone, hour12: false })
    .format(new Date(moment));
}

// 4:05, or -0:12 in overtime.
export function countdown(left) {
  const seconds = Math.ceil(Math.abs(left) / 1000) * Math.sign(left);
  const whole = Math.abs(seconds);
  const text = `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  return seconds < 0 ? `-${text}` : text;
}

// One connection to /ws/channels/show, resumed with `since` after a drop.
export function follow({ token = "", festival = "", onShow = () => {}, onReply = () => {}, onStatus = () => {} }) {
  let socket = null;
  let seq = null;
  let show = null;
  let refs = 0;
  let pinger = null;
  let samples = [];
  let attempt = 0; // reconnects since the last snapshot
  const pending = new Map();
  const channel = {
    offset: 0,
    now: () => Date.now() + channel.offset,
    show: () => show,
    send(message) {
      const ref = `c${++refs}`;
      return new Promise((resolve) => {
        pending.set(ref, resolve);
        if (!socket || socket.readyState !== WebSocket.OPEN) {
          pending.delete(ref);
          resolve({ type: "error", code: "connection.closed", message: "not connected" });
          return;
        }
        socket.send(JSON.stringify({ ...message, ref }));
      });
    },
  };

  // The offset with the shortest round trip among the last few is the least disturbed one.
  const measure = (serverTime, sent, received) => {
    samples.push({ rtt: received - sent, offset: ms(serverTime) - (sent + received) / 2 });
    samples = samples.slice(-SAMPLES);
    channel.offset = samples.reduce((best, s) => (s.rtt < best.rtt ? s : best)).offset;
  };

  const ping = () => {
    const sent = Date.now();
    channel.send({ type: "ping" }).then((reply) => {
      if (reply.type === "pong") measure(reply.server_time, sent, Date.now());
    });
  };

  const connect = () => {
    const query = new URLSearchParams();
    if (token) query.set("token", token);
    if (festival) query.set("festival", festival);
    if (seq !== null) query.set("since", String(seq));
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const opened = Date.now();
    socket = new WebSocket(`${scheme}://${location.host}/ws/channels/show?${query}`);
    socket.addEventListener("open", () => {
      onStatus("open");
      clearInterval(pinger);
      pinger = setInterval(ping, PING_MS);
    });
    socket.addEventListener("message", (raw) => {
      const message = JSON.parse(raw.data);
      if (message.type === "snapshot") {
        attempt = 0;
        if (!samples.length) measure(message.server_time, opened, Date.now());
        seq = message.seq;
        show = message.show;
        onShow(show, null);
        ping();
      } else if (message.type === "event" || message.type === "events") {
        // Events stored together (`next` ends one block and starts the next) come batched.
        for (const event of message.type === "events" ? message.events : [message]) {
          seq = event.seq;
          show = event.show;
          onShow(show, event.event);
        }
      } else if (message.ref && pending.has(message.ref)) {
        pending.get(message.ref)(message);
        pending.delete(message.ref);
        onReply(message);
      } else if (message.type === "error") {
        onReply(message);
      }
    });
    socket.addEventListener("close", (closed) => {
      clearInterval(pinger);
      onStatus("closed");
      for (const resolve of pending.values()) {
        resolve({ type: "error", code: "connection.closed", message: "connection lost" });
      }
      pending.clear();
      if (closed.code === 4401 || closed.code === 4403) return; // the token will not do
      // Growing, jittered pauses, so a crowd cut off at once does not come back at once
      // (1013: the server is busy); 4429: this link has too many windows open, so the
      // longest pause at once.
      if (closed.code === 4429) attempt = Math.max(attempt, 5);
      const pause = Math.min(LONGEST_PAUSE_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, pause);
    });
  };
  connect();
  return channel;
}
