// The show on attendee and public pages, without reloading: the delay ("running N minutes
// late") and projected block times, the livestream embed while the plenary is live, the
// closing note, the hosts' message to the breakout rooms and each room's warning before it
// closes. Text goes in with textContent only.
import { clockTime, duration, follow, project } from "/static/show-live.js";

const CLOSING_SOON_MS = 5 * 60_000; // plan.CLOSING_SOON: rooms are warned this long before they close
const status = document.getElementById("show-status");
const zone = status.dataset.showZone;
const lang = status.dataset.lang;

function delayText(projection) {
  if (!projection.live || projection.over || projection.delay === 0) return "";
  if (projection.delay > 0) return status.dataset.late.replace("{n}", duration(projection.delay, lang));
  return status.dataset.early.replace("{n}", duration(projection.delay, lang));
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
  if (!show) return;
  const projection = project(show, now);
  const delay = status.querySelector("[data-show-delay]");
  delay.textContent = delayText(projection);
  delay.hidden = !delay.textContent;
  status.querySelector("[data-show-over]").hidden = !projection.over;
  const rooms = status.querySelector("[data-show-rooms]");
  rooms.querySelector(".text").textContent = show.rooms_message;
  rooms.hidden = !show.rooms_message || !roomsOpen(now);
  showStream(projection.live && !projection.over);
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
