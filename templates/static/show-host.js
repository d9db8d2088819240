// The host console: sends host actions on the show channel and redraws from every event, so
// two hosts see each other's actions as soon as the server has stored them. User text is only
// ever set with textContent.
import { clockTime, countdown, current, duration, follow, phase, project, remaining, upcoming } from "/static/show-live.js";

const root = document.getElementById("host");
const zone = root.dataset.showZone;
const lang = root.dataset.lang;
// From the page, not the address: the token moved into a cookie when the console opened.
const token = root.dataset.token || "";
const $ = (id) => document.getElementById(id);
const span = (a, b) => (a === null ? "" : `${clockTime(a, zone, lang)}–${b === null ? "" : clockTime(b, zone, lang)}`);

function delayText(projection) {
  if (!projection.live || projection.over) return "";
  if (projection.delay > 0) return root.dataset.late.replace("{n}", duration(projection.delay, lang));
  if (projection.delay < 0) return root.dataset.early.replace("{n}", duration(projection.delay, lang));
  return root.dataset.onTime;
}

function draw() {
  const show = channel.show();
  if (!show) return;
  const now = channel.now();
  const projection = project(show, now);
  const running = current(show);
  const next = upcoming(show)[0];
  $("live-state").textContent = projection.over ? root.dataset.over : show.live_at ? root.dataset.live : root.dataset.notLive;
  $("delay").textContent = delayText(projection);
  $("current-title").textContent = running ? running.title : "—";
  $("next-title").textContent = next ? next.title : "—";
  const timer = $("timer");
  // Between blocks the countdown says so in words: dashes in this type read as bars.
  timer.classList.toggle("idle", !running);
  if (running) {
    const left = remaining(running, now);
    timer.textContent = countdown(left);
    timer.dataset.phase = phase(left);
  } else {
    timer.textContent = root.dataset.idle;
    timer.dataset.phase = "normal";
  }
  $("pause").dataset.act = running && running.status === "paused" ? "resume" : "pause";
  // The server decides what a rehearsal is (Show.rehearsal) and allows starting one over while
  // it runs; a real show is started over only once it is over, so the server refuses it then.
  $("reset").hidden = Boolean(show.live_at) && !projection.over && !show.rehearsal;
  $("rehearsal").hidden = !show.rehearsal;
  $("presenter-shown").textContent = show.presenter_message;
  $("rooms-shown").textContent = show.rooms_message;
  const body = $("blocks");
  for (const item of projection.blocks) {
    const row = body.querySelector(`tr[data-block="${CSS.escape(item.block.id)}"]`);
    if (!row) continue;
    body.append(row); // the running order, as the server has it
    row.dataset.status = item.status;
    row.querySelector(".status").textContent = root.dataset[`status-${item.status}`.replace(/-(\w)/g, (_, c) => c.toUpperCase())] || item.status;
    row.querySelector(".projected").textContent = item.status === "upcoming" || item.status === "running" || item.status === "paused" ? span(item.start, item.end) : "";
    const b = item.block;
    row.querySelector(".actual").textContent = b.started_at ? span(new Date(b.started_at).getTime(), b.ended_at ? new Date(b.ended_at).getTime() : null) : "";
  }
  for (const row of document.querySelectorAll("tr[data-opens]")) {
    const cell = row.querySelector(".status");
    const state = now < new Date(row.dataset.opens).getTime() ? "upcoming" : now < new Date(row.dataset.closes).getTime() ? "open" : "closed";
    cell.textContent = cell.dataset[state];
  }
}

const channel = follow({
  token,
  festival: root.dataset.festival,
  onShow: draw,
  onStatus: (status) => {
    $("connection").textContent = status === "closed" ? root.dataset.lost : "";
  },
});

// The rules' refusals in the page's language; anything else as the server put it.
function explain(reply) {
  if (reply.code === "connection.closed") return root.dataset.lost;
  const known = [...$("error-texts").children].find((item) => item.dataset.code === reply.code);
  return known ? known.textContent : reply.message;
}

function report(reply) {
  $("reply").textContent = reply.type === "error" ? explain(reply) : "";
  $("reply").dataset.kind = reply.type;
}

async function act(message) {
  report(await channel.send({ type: "host", ...message }));
}

function blockAction(name, blockId) {
  const show = channel.show();
  if (!show) return null;
  const running = current(show);
  const next = upcoming(show)[0];
  switch (name) {
    case "live":
    case "end_show":
    case "reset":
      return { action: name };
    case "start-next":
      return next ? { action: "start", block_id: next.id } : null;
    case "next":
    case "end":
    case "pause":
    case "resume":
    case "extend":
    case "shorten":
      return running ? { action: name, block_id: running.id } : null;
    case "start":
    case "skip":
    case "restore":
      return { action: name, block_id: blockId };
    case "up":
    case "down": {
      const here = show.blocks.findIndex((b) => b.id === blockId);
      return { action: "move", block_id: blockId, position: here + (name === "up" ? -1 : 1) };
    }
    default:
      return null;
  }
}

const ARMED_MS = 5000;

// Ending the show (it closes the Q&A for everyone) and starting over take a second press
// within a few seconds; the first only asks, on the button itself (no dialog to dismiss).
function confirmed(button) {
  if (!button.dataset.confirm || button.dataset.armed) {
    if (button.dataset.armed) disarm(button);
    return true;
  }
  button.dataset.armed = button.textContent;
  button.textContent = button.dataset.confirm;
  setTimeout(() => disarm(button), ARMED_MS);
  return false;
}

function disarm(button) {
  if (!button.dataset.armed) return;
  button.textContent = button.dataset.armed;
  delete button.dataset.armed;
}

function press(button) {
  if (!confirmed(button)) return;
  const message = blockAction(button.dataset.act, button.dataset.block);
  if (!message) return;
  if (button.dataset.minutes) message.minutes = Number(button.dataset.minutes);
  act(message);
}

root.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-act]");
  if (button) press(button);
});

for (const form of document.querySelectorAll("form.host-message")) {
  const input = form.querySelector("input");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act({ action: form.dataset.action, text: input.value });
  });
  for (const quick of form.querySelectorAll("button[data-text]")) {
    quick.addEventListener("click", () => {
      input.value = quick.dataset.text;
      act({ action: form.dataset.action, text: quick.dataset.text });
    });
  }
}

// Shortcuts work anywhere but in a text field.
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key === "=" ? "+" : event.key.toLowerCase();
  const button = root.querySelector(`button[data-key="${CSS.escape(key)}"]`);
  if (!button) return;
  event.preventDefault();
  press(button);
});

setInterval(draw, 250);
