// The live Q&A pages: the attendee's questions page, the moderator console, the stream overlay
// and the panel screen. The page renders the state first; this script follows the channel and
// redraws. User text only ever reaches the page through textContent.
import { openChannel } from "./live.js";

const config = JSON.parse(document.getElementById("qa-config").textContent);
const t = (key) => config.texts[key] ?? key;
// A count text: its form for `n` (qa_pages.py hands both forms), with the count filled in.
const tn = (key, n) => countForm(config.texts[key], n).replace("{n}", String(n));
const PERSONAL = ["mine", "voted"]; // absent in shared events: keep what we knew
const DONE = new Set(["answered", "hidden", "merged"]);

// `selected` is the moderator console's current question; `acted` the one its moderator last
// acted on (triage moves on before the server's event about it arrives).
const state = { open: false, questions: new Map(), selected: null, acted: null, poll: null };

function keep(question) {
  const before = state.questions.get(question.id);
  for (const field of PERSONAL) {
    if (!(field in question)) question[field] = before ? before[field] : false;
  }
  state.questions.set(question.id, question);
}

function onSnapshot(message) {
  state.open = message.qa.open;
  state.questions.clear();
  for (const question of message.qa.questions) keep(question);
  state.poll = message.qa.poll ?? null;
  render();
}

// A poll's `answer` (yours) is personal: absent from shared events, which means unchanged.
function keepPoll(poll) {
  if (!("answer" in poll)) poll.answer = state.poll?.id === poll.id ? state.poll.answer : null;
  state.poll = poll;
}

function onEvent(message) {
  const event = message.event;
  if (event.type === "qa.opened") state.open = true;
  else if (event.type === "qa.closed") state.open = false;
  else if (event.type === "question.removed") state.questions.delete(event.id);
  else if (event.type === "question.cleared") state.questions.delete(event.question.id); // moderators: a rehearsal's question
  else if (event.poll) keepPoll(event.poll);
  else if (event.type === "poll.answered" && state.poll?.id === event.id) {
    // Replays only: live, answers come as counts.
    Object.assign(state.poll, { counts: event.counts, total: event.total });
    if ("answer" in event) state.poll.answer = event.answer;
  } else if (event.question) {
    const before = state.questions.get(event.question.id);
    const previous = before ? { ...before } : null;
    keep(event.question);
    if (config.view === "moderate") announce(previous, event.question);
  }
  render();
}

// Coalesced vote counts: the latest numbers of the questions whose votes changed (moderators
// also get the voters; your own `voted` comes with the questions you voted on).
function onCounts(message) {
  for (const entry of message.questions ?? []) {
    const question = state.questions.get(entry.id);
    if (question) Object.assign(question, entry);
  }
  // Poll counts, coalesced the same way; your own `answer` comes with them after you answered.
  for (const entry of message.polls ?? []) {
    if (state.poll?.id === entry.id) Object.assign(state.poll, entry);
  }
  render();
}

const statusLine = document.querySelector("[data-qa-status]");
const errorLine = document.querySelector("[data-qa-error]");

function onStatus(kind, detail) {
  if (!statusLine) return;
  if (kind === "reconnecting") statusLine.textContent = t("qa_reconnecting");
  else if (kind === "stopped") statusLine.textContent = t("qa_offline");
  else if (kind === "error" && detail) showError(detail);
  else render();
}

// A refusal in the page's language where it has a text of its own; else the server's words.
function errorText(reply) {
  const text = countForm(config.errors[reply.code], reply.retry_after);
  return text ? text.replace("{n}", String(reply.retry_after ?? "…")) : reply.message;
}

// A count text comes as its forms by plural category ("1 seconde", "42 seconden").
function countForm(text, n) {
  if (!text || typeof text === "string") return text;
  return (n == null ? null : text[new Intl.PluralRules(config.lang).select(n)]) ?? text.other;
}

function showError(reply) {
  if (!errorLine) return;
  errorLine.hidden = reply.type !== "error";
  errorLine.textContent = reply.type === "error" ? errorText(reply) : "";
  errorLine.dataset.code = reply.code ?? "";
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function sorted(questions, how) {
  const list = [...questions];
  if (how === "time") return list.sort((a, b) => a.asked_at.localeCompare(b.asked_at));
  return list.sort((a, b) => b.votes - a.votes || a.asked_at.localeCompare(b.asked_at));
}

function onAir() {
  return [...state.questions.values()].find((q) => q.state === "on_air") ?? null;
}

// A name is set apart from the text around it (FIRST STRONG ISOLATE … POP DIRECTIONAL
// ISOLATE), so a right-to-left name cannot reorder the rest of the line.
function isolate(name) {
  return `\u2068${name}\u2069`;
}

function meta(question, moderator) {
  const parts = [];
  if (moderator) parts.push(question.id);
  let who = question.asker == null ? t("qa_anonymous") : isolate(question.asker);
  if (moderator && question.anonymous) who += ` (${t("qa_anonymous")})`;
  parts.push(who);
  if (question.speaker) parts.push(`${t("qa_to")} ${question.speaker}`);
  parts.push(tn("qa_votes", question.votes));
  if (question.edited) parts.push(t("qa_edited"));
  return parts.join(" · ");
}

// --- the audience: attendee page, overlay, panel screen -------------------------------------

function renderOnAir() {
  const box = document.querySelector("[data-qa-on-air]");
  if (!box) return;
  const current = onAir();
  const text = document.querySelector("[data-qa-on-air-text]");
  const asker = document.querySelector("[data-qa-on-air-asker]");
  const speaker = document.querySelector("[data-qa-on-air-speaker]");
  const idle = document.querySelector("[data-qa-idle]");
  if (idle) idle.hidden = current !== null;
  if (!current) {
    box.classList.remove("shown");
    box.hidden = true;
    box.dataset.id = "";
    return;
  }
  if (box.dataset.id !== current.id || text.textContent !== current.text) {
    box.classList.remove("shown");
    void box.offsetWidth; // restart the fade for a new question
  }
  box.dataset.id = current.id;
  text.textContent = current.text;
  // The element is a <bdi>: the name is isolated from the speaker after it.
  if (asker) asker.textContent = current.asker ?? t("qa_anonymous");
  if (speaker) speaker.textContent = current.speaker ? ` → ${current.speaker}` : "";
  box.hidden = false;
  box.classList.add("shown");
}

function renderAttendee(list) {
  const shown = sorted(
    [...state.questions.values()].filter((q) => !DONE.has(q.state) || q.state === "answered"),
    "votes",
  );
  // The list is rebuilt on every change (a vote, a count, a new question): a vote button that
  // had keyboard focus gets it back on its new self, or focus would fall to the page's top.
  const focusedVote = list.contains(document.activeElement)
    ? document.activeElement.closest(".qa-question")?.dataset.id
    : undefined;
  list.replaceChildren();
  if (!shown.length) list.append(element("li", "qa-empty", t("qa_none_yet")));
  for (const question of shown) {
    const item = element("li", "qa-question");
    item.dataset.id = question.id;
    item.dataset.state = question.state;
    item.classList.toggle("on-air", question.state === "on_air");
    item.classList.toggle("awaiting", question.state === "pending");
    item.append(element("p", "qa-text", question.text));
    const line = element("p", "qa-meta", meta(question, false));
    if (question.state === "pending") line.append(" · ", element("span", "badge wait", t("qa_awaiting")));
    if (question.state === "on_air") line.append(" · ", element("span", "badge ok", t("qa_on_air")));
    if (question.state === "answered") line.append(" · ", element("span", "badge", t("qa_answered")));
    item.append(line);
    if (question.state === "approved" || question.state === "on_air") {
      const button = element("button", "vote", question.voted ? t("qa_unvote") : t("qa_vote"));
      button.type = "button";
      button.setAttribute("aria-pressed", question.voted ? "true" : "false");
      button.disabled = !state.open;
      button.addEventListener("click", async () => {
        const withdraw = question.voted;
        const reply = await channel.send({ type: "vote", question_id: question.id, withdraw });
        // Set, not toggled: the counts carrying our own `voted` may have come before the ack.
        const current = state.questions.get(question.id);
        if (reply.type === "ack" && current) {
          current.voted = !withdraw;
          render();
        }
        showError(reply);
      });
      item.append(button);
    }
    list.append(item);
  }
  if (focusedVote) list.querySelector(`.qa-question[data-id="${CSS.escape(focusedVote)}"] button.vote`)?.focus({ preventScroll: true });
}

function renderPanel(list) {
  const waiting = sorted([...state.questions.values()].filter((q) => q.state === "approved"), "votes");
  list.replaceChildren();
  for (const question of waiting.slice(0, 8)) {
    const item = element("li", "qa-question");
    item.dataset.id = question.id;
    item.append(element("p", "qa-text", question.text));
    item.append(element("p", "qa-meta", tn("qa_votes", question.votes)));
    list.append(item);
  }
}

// --- polls: every page ----------------------------------------------------------------------

const SCREENS = new Set(["overlay", "panel"]);

function pollResults(poll) {
  const list = element("ol", "poll-results");
  poll.options.forEach((option, index) => {
    const count = poll.counts[index] ?? 0;
    const item = element("li", "poll-result");
    item.dataset.option = String(index);
    const percent = poll.total ? Math.round((100 * count) / poll.total) : 0;
    const label = element("span", "poll-option", option);
    if (poll.answer === index) label.append(` (${t("poll_yours")})`);
    const bar = element("progress");
    bar.max = Math.max(1, poll.total);
    bar.value = count;
    bar.setAttribute("aria-label", option);
    item.append(label, bar, element("span", "poll-count", `${count} · ${percent}%`));
    list.append(item);
  });
  return list;
}

function pollForm(poll) {
  const form = element("form", "poll-answer");
  form.dataset.pollAnswer = poll.id;
  const group = element("fieldset");
  group.append(element("legend", "poll-question", poll.question));
  poll.options.forEach((option, index) => {
    const label = element("label", "choice");
    const radio = element("input");
    radio.type = "radio";
    radio.name = `poll-${poll.id}`;
    radio.value = String(index);
    radio.required = true;
    radio.checked = poll.answer === index;
    label.append(radio, ` ${option}`);
    group.append(label);
  });
  const send = element("button", "button", t(poll.answer == null ? "poll_send" : "poll_change"));
  send.type = "submit";
  form.append(group, send);
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const chosen = form.querySelector("input:checked");
    if (!chosen) return;
    const option = Number(chosen.value);
    const reply = await channel.send({ type: "answer", poll_id: poll.id, option });
    if (reply.type === "ack" && state.poll?.id === poll.id) {
      state.poll.answer = option;
      render();
    }
    showError(reply);
  });
  return form;
}

function pollControls(poll) {
  const buttons = element("div", "actions");
  if (poll.state === "open") {
    const close = element("button", "poll-close", t("poll_close_button"));
    close.type = "button";
    close.addEventListener("click", () => channel.send({ type: "moderate", action: "poll_close", poll_id: poll.id }).then(showError));
    buttons.append(close);
  }
  const show = element("button", "poll-show", t(poll.shown ? "poll_hide_button" : "poll_show_button"));
  show.type = "button";
  show.setAttribute("aria-pressed", poll.shown ? "true" : "false");
  show.addEventListener("click", () =>
    channel.send({ type: "moderate", action: "poll_show", poll_id: poll.id, shown: !poll.shown }).then(showError),
  );
  buttons.append(show);
  return buttons;
}

function renderPoll() {
  const box = document.querySelector("[data-qa-poll]");
  if (!box) return;
  const poll = state.poll;
  const screen = SCREENS.has(config.view);
  if (!poll || (screen && !poll.shown)) {
    box.hidden = true;
    box.replaceChildren();
    box.dataset.key = "";
    return;
  }
  box.hidden = false;
  box.dataset.state = poll.state;
  const attendee = config.view === "attendee" && Boolean(config.token);
  const answering = attendee && poll.state === "open";
  const showCounts = !attendee || poll.answer != null || poll.state === "closed";
  // Rebuilt only when what one can do changes: counts arriving must not take a keyboard
  // user's focus off the radio buttons.
  const key = `${poll.id}|${poll.state}|${poll.answer}|${poll.shown}|${showCounts}`;
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.dataset.id = poll.id;
    const level = screen ? "p" : config.view === "moderate" ? "h3" : "h2"; // the console has its own h2
    const heading = element(level, "poll-heading", t(poll.state === "closed" ? "poll_closed_result" : "poll_heading"));
    const parts = [heading];
    if (answering) parts.push(pollForm(poll));
    else parts.push(element("p", "poll-question", poll.question));
    parts.push(element("div", "poll-counts"));
    if (config.view === "moderate") parts.push(pollControls(poll));
    box.replaceChildren(...parts);
  }
  const counts = box.querySelector(".poll-counts");
  counts.replaceChildren();
  if (showCounts) {
    counts.append(pollResults(poll));
    let total = tn("poll_answers", poll.total);
    if (config.view === "moderate" && poll.shown) total += ` · ${t("poll_on_screen")}`;
    counts.append(element("p", "poll-total", total));
  }
}

// --- the moderator console -------------------------------------------------------------------

const controls = {
  sort: document.querySelector("[data-qa-sort]"),
  filter: document.querySelector("[data-qa-filter]"),
  speaker: document.querySelector("[data-qa-speaker]"),
};

function visibleToModerator() {
  const filter = controls.filter?.value ?? "all";
  const speaker = controls.speaker?.value ?? "*";
  const wanted = [...state.questions.values()].filter((q) => {
    if (q.state === "merged" && filter !== "done") return false;
    if (filter === "pending" && q.state !== "pending") return false;
    if (filter === "approved" && !["approved", "on_air"].includes(q.state)) return false;
    if (filter === "done" && !DONE.has(q.state)) return false;
    if (speaker !== "*" && (q.speaker ?? "") !== speaker) return false;
    return true;
  });
  return sorted(wanted, controls.sort?.value ?? "votes");
}

async function moderate(action, question, extra = {}) {
  if (question) state.acted = question.id;
  const reply = await channel.send({ type: "moderate", action, question_id: question?.id, ...extra });
  showError(reply);
  return reply;
}

const ACTIONS = {
  pending: ["approve", "hide", "star", "edit", "merge", "note"],
  approved: ["pick", "answered", "hide", "star", "edit", "merge", "note"],
  on_air: ["answered", "unpick", "hide", "star", "edit", "note"],
  answered: ["hide", "star", "edit", "note"],
  hidden: ["approve", "edit", "note"],
  merged: [],
};
const LABELS = {
  approve: "qa_approve",
  hide: "qa_hide",
  star: "qa_star",
  unstar: "qa_unstar",
  pick: "qa_pick",
  unpick: "qa_unpick",
  answered: "qa_mark_answered",
  edit: "qa_edit",
  merge: "qa_merge",
  note: "qa_note",
};

async function act(action, question) {
  if (action === "star" && question.starred) action = "unstar";
  if (action === "edit") {
    const text = window.prompt(t("qa_edit"), question.text);
    if (text === null) return;
    await moderate("edit", question, { text });
  } else if (action === "note") {
    // For the moderators only (the audience never receives it); empty removes it.
    const note = window.prompt(t("qa_note"), question.note ?? "");
    if (note === null) return;
    await moderate("note", question, { note });
  } else if (action === "merge") {
    const into = window.prompt(t("qa_merge_into"), "");
    if (!into) return;
    const target = into.trim();
    // Questions show as "q4"; a bare "4" means the same one.
    await moderate("merge", question, { into: /^\d+$/.test(target) ? `q${target}` : target });
  } else {
    await moderate(action, question);
  }
}

// One "current question": the one with keyboard focus, or, while focus is elsewhere on the
// page, the one last focused. Shortcuts act on it and it is marked aria-current. The list is
// patched in place, item by item, so a live update neither moves a screen reader nor drops focus.
const BADGES = {
  pending: "qa_pending", on_air: "qa_on_air", answered: "qa_answered", hidden: "qa_hidden", merged: "qa_merged",
};

function questionItem(node) {
  return node?.closest?.("[data-qa-list] .qa-question") ?? null;
}

function fillItem(item, question) {
  const head = element("p", "qa-text", question.text);
  if (question.starred) head.prepend(element("span", "star", "★ "));
  const parts = [head];
  if (question.original_text) parts.push(element("p", "qa-original", `${t("qa_original")}: ${question.original_text}`));
  if (question.note) parts.push(element("p", "qa-note", `${t("qa_note")}: ${question.note}`));
  const line = element("p", "qa-meta", meta(question, true));
  const badge = BADGES[question.state];
  if (badge) line.append(" · ", element("span", "badge", t(badge)));
  parts.push(line);
  const buttons = element("div", "actions");
  for (const action of ACTIONS[question.state] ?? []) {
    const label = action === "star" && question.starred ? "qa_unstar" : LABELS[action];
    const button = element("button", `act-${action}`, t(label));
    button.type = "button";
    button.dataset.action = action;
    buttons.append(button);
  }
  parts.push(buttons);
  item.replaceChildren(...parts);
  item.className = `qa-question state-${question.state}`;
  item.classList.toggle("starred", Boolean(question.starred));
}

function markCurrent(list) {
  for (const item of list.querySelectorAll(".qa-question")) {
    const current = item.dataset.id === state.selected;
    // Roving tabindex: Tab into the list lands on the current question.
    item.tabIndex = current ? 0 : -1;
    if (current) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
}

function renderModerator(list) {
  const shown = visibleToModerator();
  const items = [...list.querySelectorAll(".qa-question")];
  // Where keyboard focus is now, to put it back after the patch (or on a neighbour).
  const focusedItem = questionItem(document.activeElement);
  const focusedAction = focusedItem && document.activeElement.dataset?.action;
  const oldIndex = items.findIndex((item) => item.dataset.id === state.selected);

  const byId = new Map(items.map((item) => [item.dataset.id, item]));
  const wanted = new Set(shown.map((q) => q.id));
  for (const [id, item] of byId) if (!wanted.has(id)) item.remove();
  list.querySelector(".qa-empty")?.remove();
  if (!shown.length) list.append(element("li", "qa-empty", t("qa_none_yet")));
  shown.forEach((question, index) => {
    let item = byId.get(question.id);
    if (!item) {
      item = element("li");
      item.dataset.id = question.id;
    }
    // Rebuilt only when what it shows changed; a focused button inside is put back below.
    const look = JSON.stringify(question);
    if (item.dataset.look !== look) {
      item.dataset.look = look;
      fillItem(item, question);
    }
    const there = list.children[index];
    if (there !== item) list.insertBefore(item, there ?? null);
  });

  if (!wanted.has(state.selected)) {
    // The current question left the list (hidden, merged, filtered): its neighbour takes over.
    const neighbour = shown[Math.min(Math.max(oldIndex, 0), shown.length - 1)];
    state.selected = neighbour?.id ?? null;
  }
  markCurrent(list);
  if (!focusedItem) return;
  const item = list.querySelector(`[data-id="${CSS.escape(state.selected ?? "")}"]`);
  if (!item) return;
  if (item.contains(document.activeElement)) return;
  const button = focusedItem.dataset.id === state.selected && focusedAction
    ? item.querySelector(`[data-action="${CSS.escape(focusedAction)}"]`)
    : null;
  (button ?? item).focus({ preventScroll: true });
}

function selectedQuestion() {
  return state.questions.get(state.selected) ?? null;
}

function focusQuestion(id) {
  state.selected = id;
  const list = document.querySelector("[data-qa-list]");
  markCurrent(list);
  const item = list.querySelector(`[data-id="${CSS.escape(id ?? "")}"]`);
  item?.focus();
  item?.scrollIntoView({ block: "nearest" });
}

const KEYS = { a: "approve", h: "hide", s: "star", p: "pick", d: "answered", e: "edit", m: "merge" };
const MOVES = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 };

function onKey(event) {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  const shown = visibleToModerator();
  const index = shown.findIndex((q) => q.id === state.selected);
  if (MOVES[event.key] !== undefined) {
    const next = shown[Math.max(0, Math.min(shown.length - 1, index + MOVES[event.key]))];
    if (next) focusQuestion(next.id);
  } else if (event.key === "n") {
    nextInQueue();
  } else if (KEYS[event.key] && selectedQuestion()) {
    const question = selectedQuestion();
    const action = KEYS[event.key];
    if (!(ACTIONS[question.state] ?? []).includes(action)) return;
    act(action, question);
    if (question.state === "pending" && (action === "approve" || action === "hide")) {
      // Triage by keyboard: once decided, the next question awaiting a decision is current.
      const after = [...shown.slice(index + 1), ...shown.slice(0, index)];
      const waiting = after.find((q) => q.state === "pending");
      if (waiting) focusQuestion(waiting.id);
    }
  } else {
    return;
  }
  event.preventDefault();
}

// What happened to the current question, said by the live region ("Vraag 3 goedgekeurd").
const ANNOUNCED = {
  pending: "qa_announce_pending",
  approved: "qa_announce_approved",
  on_air: "qa_announce_on_air",
  answered: "qa_announce_answered",
  hidden: "qa_announce_hidden",
  merged: "qa_announce_merged",
};
const announcer = document.querySelector("[data-qa-announce]");

function announce(before, after) {
  if (!announcer || !before || (before.id !== state.selected && before.id !== state.acted)) return;
  let key = null;
  if (after.state !== before.state) key = ANNOUNCED[after.state];
  else if (Boolean(after.starred) !== Boolean(before.starred)) key = after.starred ? "qa_announce_starred" : "qa_announce_unstarred";
  if (key) announcer.textContent = t(key).replace("{n}", after.id.replace(/^q/, ""));
}

function nextInQueue() {
  const speaker = controls.speaker?.value ?? "*";
  return moderate("next", null, speaker === "*" ? {} : { speaker: speaker || null });
}

// --- wiring ----------------------------------------------------------------------------------

// "Closed; open from Thursday 19 November 2020, 13:30" on an attendee's page while the
// opening is still to come, in the viewer's own zone and the page's language.
function statusText() {
  if (state.open) return t("qa_open");
  const opens = config.opens ? new Date(config.opens) : null;
  if (config.view !== "attendee" || !opens || opens.getTime() <= Date.now()) return t("qa_closed");
  const when = new Intl.DateTimeFormat(config.lang, {
    weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  return t("qa_opens_at").replace("{time}", when.format(opens));
}

// A closed Q&A's form: every control disabled and described by the status line.
function renderAskForm() {
  for (const control of document.querySelectorAll("[data-qa-ask] :is(textarea, select, input, button)")) {
    control.disabled = !state.open;
    if (state.open) control.removeAttribute("aria-describedby");
    else control.setAttribute("aria-describedby", "qa-status");
  }
}

function render() {
  if (statusLine) statusLine.textContent = statusText();
  renderAskForm();
  renderOnAir();
  renderPoll();
  const list = document.querySelector("[data-qa-list]");
  if (!list) return;
  if (config.view === "attendee") renderAttendee(list);
  else if (config.view === "moderate") renderModerator(list);
  else if (config.view === "panel") renderPanel(list);
}

const channel = openChannel({
  path: `/ws/channels/${encodeURIComponent(config.channel)}`,
  token: config.token,
  festival: config.festival,
  onSnapshot,
  onEvent,
  onCounts,
  onStatus,
});

const askForm = document.querySelector("[data-qa-ask]");
askForm?.addEventListener("submit", async (submitted) => {
  submitted.preventDefault();
  const form = new FormData(askForm);
  const reply = await channel.send({
    type: "ask",
    text: String(form.get("text") ?? ""),
    speaker: form.get("speaker") || null,
    anonymous: form.get("anonymous") === "on",
  });
  showError(reply);
  const sent = document.querySelector("[data-qa-sent]");
  if (sent) sent.hidden = reply.type !== "ack";
  if (reply.type === "ack") askForm.reset();
});

if (config.view === "moderate") {
  document.addEventListener("keydown", onKey);
  const list = document.querySelector("[data-qa-list]");
  // Focus makes a question current, whether by keyboard, a click on it or on one of its buttons.
  list.addEventListener("focusin", (focused) => {
    const item = questionItem(focused.target);
    if (item && item.dataset.id !== state.selected) {
      state.selected = item.dataset.id;
      markCurrent(list);
    }
  });
  list.addEventListener("click", (clicked) => {
    const button = clicked.target.closest("button[data-action]");
    const item = questionItem(clicked.target);
    const question = item && state.questions.get(item.dataset.id);
    if (!question) return;
    if (button) act(button.dataset.action, question);
    else item.focus();
  });
  for (const control of Object.values(controls)) control?.addEventListener("change", render);
  for (const button of document.querySelectorAll("[data-qa-channel]")) {
    button.addEventListener("click", () => moderate(button.dataset.qaChannel, null));
  }
  document.querySelector("[data-qa-next]")?.addEventListener("click", nextInQueue);
  const pollOpen = document.querySelector("[data-poll-form]");
  pollOpen?.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const form = new FormData(pollOpen);
    // One option per line; blank lines are only spacing.
    const options = String(form.get("options") ?? "").split("\n").map((line) => line.trim()).filter(Boolean);
    const reply = await channel.send({
      type: "moderate",
      action: "poll_open",
      poll: { question: String(form.get("question") ?? ""), options },
    });
    showError(reply);
    if (reply.type === "ack") pollOpen.reset();
  });
}
