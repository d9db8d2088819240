// The show on attendee and public pages, without reloading: the delay ("Welkomstwoord is
// running N minutes late") and projected block times, "Live now" on the programme, the
// personal page's live view (stream and Q&A) while the plenary is live and its rooms while
// they can be joined, the closing note, the hosts' message to the breakout rooms and each
// room's warning before it closes. Text goes in with textContent only.
import { clockTime, duration, follow, project } from "/static/show-live.js";

const CLOSING_SOON_MS = 5 * 60_000; // plan.CLOSING_SOON: rooms are warned this long before they close
const status = document.getElementById("show-status");
const zone = status.dataset.showZone;
const lang = status.dataset.lang;

// What the delay is about: the block on air, else the next to run, else the plenary itself
// (as ShowNow.on_now in festival/show/plan.py).
function onNow(show, projection) {
  const running = projection.blocks.find((item) => item.status === "running" || item.status === "paused");
  const next = projection.blocks.find((item) => item.status === "upcoming");
  return (running ?? next)?.block.title ?? show.title;
}

function delayText(show, projection) {
  if (!projection.live || projection.over || projection.delay === 0) return "";
  const text = projection.delay > 0 ? status.dataset.late : status.dataset.early;
  // {n} first: a title is programme text and may hold anything, "{n}" too.
  return text.replace("{n}", duration(projection.delay, lang)).replace("{what}", () => onNow(show, projection));
}

function showStream(on) {
  const stream = document.getElementById("show-stream");
  if (!stream) return;
  let frame = stream.querySelector("iframe");
  if (on && !frame) {
    frame = document.createElement("iframe");
    frame.src = stream.dataset.src;
    frame.title = stream.dataset.title;
    frame.allow = "autoplay; fullscreen";
    stream.append(frame);
  } else if (!on && frame) {
    frame.remove();
  }
  stream.hidden = !on;
}

// The personal page's live view: the stream beside the plenary's Q&A, whose script starts
// the first time the plenary is seen live (a page opened hours before opens no Q&A socket).
let qaStarted = false;

function showLiveView(on) {
  const view = document.getElementById("live-view");
  if (!view) return;
  view.hidden = !on;
  if (on && !qaStarted) {
    qaStarted = true;
    import("/static/qa.js");
  }
}

// The personal page's rooms during their join windows, and their section while any is open.
function showRooms(now) {
  const section = document.getElementById("live-rooms");
  if (!section) return;
  let any = false;
  for (const room of section.querySelectorAll("[data-join-from]")) {
    room.hidden = !(new Date(room.dataset.joinFrom).getTime() <= now && now < new Date(room.dataset.joinUntil).getTime());
    any ||= !room.hidden;
  }
  section.hidden = !any;
}

function roomsOpen(now) {
  return [...document.querySelectorAll("[data-closes]")].some(
    (el) => new Date(el.dataset.opens).getTime() <= now && now < new Date(el.dataset.closes).getTime(),
  );
}

function draw() {
  const show = channel.show();
  const now = channel.now();
  for (const warning of document.querySelectorAll(".room-warning")) {
    const opens = new Date(warning.dataset.opens).getTime();
    const closes = new Date(warning.dataset.closes).getTime();
    // As plan.round_cues: a round shorter than the warning gets it as it opens, never before.
    warning.hidden = !(Math.max(opens, closes - CLOSING_SOON_MS) <= now && now < closes);
  }
  showRooms(now);
  // The public programme's "Live now" markers: the round whose rooms are open …
  for (const marker of document.querySelectorAll("[data-live-from]")) {
    marker.hidden = !(new Date(marker.dataset.liveFrom).getTime() <= now && now < new Date(marker.dataset.liveUntil).getTime());
  }
  if (!show) return;
  const projection = project(show, now);
  // … the plenary while it is live, and its block on air.
  const onAir = projection.blocks.find((item) => item.status === "running" || item.status === "paused");
  const plenaryLive = projection.live && !projection.over;
  for (const marker of document.querySelectorAll("[data-live-plenary]")) marker.hidden = !plenaryLive;
  for (const marker of document.querySelectorAll("[data-live-block]")) {
    marker.hidden = !(plenaryLive && onAir?.block.id === marker.dataset.liveBlock);
  }
  const delay = status.querySelector("[data-show-delay]");
  delay.textContent = delayText(show, projection);
  delay.hidden = !delay.textContent;
  status.querySelector("[data-show-over]").hidden = !projection.over;
  const rooms = status.querySelector("[data-show-rooms]");
  rooms.querySelector(".text").textContent = show.rooms_message;
  rooms.hidden = !show.rooms_message || !roomsOpen(now);
  showStream(projection.live && !projection.over);
  showLiveView(projection.live && !projection.over);
  for (const item of projection.blocks) {
    const span = document.querySelector(`[data-projected="${CSS.escape(item.block.id)}"]`);
    if (!span) continue;
    const moved = projection.live && item.start !== null && item.start !== new Date(item.block.planned_start).getTime();
    span.hidden = !moved || Math.abs(item.start - new Date(item.block.planned_start).getTime()) < 30_000;
    span.textContent = moved ? `${span.dataset.label}: ${clockTime(item.start, zone, lang)}–${clockTime(item.end, zone, lang)}` : "";
  }
}

const channel = follow({ festival: status.dataset.festival, onShow: draw });
setInterval(draw, 1000);
