// The presenter's countdown: large enough to read across a room, amber near the end, red and
// counting up in overtime, with the host's message on top. Redrawn four times a second from
// the show's timestamps and the server clock offset.
import { countdown, current, follow, phase, remaining, upcoming } from "/static/show-live.js";

const root = document.getElementById("presenter");
// From the page, not the address: the token moved into a cookie when the console opened.
const token = root.dataset.token || "";
const $ = (id) => document.getElementById(id);
// Past this many characters the message takes smaller type, so "Up next" stays on a laptop's screen.
const LONG_MESSAGE = 60;

function draw() {
  const show = channel.show();
  if (!show) return;
  const now = channel.now();
  const running = current(show);
  const next = upcoming(show)[0];
  const over = show.ended_at !== null || (show.live_at !== null && !running && !next);
  // Once the show is over, the last instruction ("afronden") no longer applies.
  const message = over ? "" : show.presenter_message;
  $("message").textContent = message;
  $("message").hidden = !message;
  $("message").classList.toggle("long", message.length > LONG_MESSAGE);
  $("next-title").textContent = next ? next.title : "—";
  const timer = $("timer");
  // No block running: the countdown says so in words (dashes in its type read as bars), and
  // once the show is over the title alone says it.
  timer.classList.toggle("idle", !running);
  timer.hidden = over;
  if (!running) {
    root.dataset.phase = "normal";
    $("current-title").textContent = over ? root.dataset.over : root.dataset.waiting;
    timer.textContent = root.dataset.idle;
    $("state").textContent = "";
    return;
  }
  const left = remaining(running, now);
  root.dataset.phase = phase(left);
  $("current-title").textContent = running.title;
  timer.textContent = countdown(left);
  $("state").textContent = running.status === "paused" ? root.dataset.paused : left < 0 ? root.dataset.overtime : "";
}

const channel = follow({
  token,
  festival: root.dataset.festival,
  onShow: draw,
  onStatus: (status) => {
    $("connection").textContent = status === "closed" ? root.dataset.lost : "";
  },
});

$("fullscreen").addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else root.requestFullscreen();
});

setInterval(draw, 250);
