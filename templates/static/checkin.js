// The door: check people in by the code under their QR (typed, or read by the camera where the
// browser has BarcodeDetector) or by name. The answer is big: who, and whether they just came in
// or came in before. A check-in sent while the connection is down waits in a queue kept in
// localStorage (a reload keeps it) and is sent again when the browser is back online or every
// few seconds; the server counts a code once, so sending it again is safe.
const root = document.getElementById("door");
const token = root.dataset.token || "";
const texts = root.dataset;
const $ = (id) => document.getElementById(id);
const QUEUE = `festival-checkin-queue:${root.dataset.festival}`;
const RETRY_MS = 5000;
const SCAN_MS = 400;

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
// A count text comes in one data attribute per plural category: checkinPendingOne, …Other.
const plurals = new Intl.PluralRules(document.documentElement.lang || "nl");
const category = (n) => plurals.select(n).replace(/^./, (c) => c.toUpperCase());
const counted = (name, n) => fill(texts[name + category(n)] ?? texts[`${name}Other`], { n });
// The server gives the festival's local time ("2023-05-24T09:05:00+02:00"): show its clock.
const clock = (iso) => iso.slice(11, 16);
const headers = { Authorization: `Bearer ${token}` };

function queued() {
  try {
    return JSON.parse(localStorage.getItem(QUEUE) || "[]");
  } catch {
    return [];
  }
}

function keep(codes) {
  localStorage.setItem(QUEUE, JSON.stringify(codes));
  const pending = $("pending");
  pending.hidden = codes.length === 0;
  pending.textContent = counted("checkinPending", codes.length);
}

function show(kind, verdict, person) {
  const answer = $("answer");
  answer.dataset.kind = kind; // "welcome", "again" or "refused": the colour
  answer.hidden = false;
  $("verdict").textContent = verdict;
  $("name").textContent = person ? person.name : "";
  const detail = person
    ? [person.organisation, person.mode === "online" ? texts.checkinOnline : ""]
    : [];
  $("detail").textContent = detail.filter(Boolean).join(" · ");
  const places = $("places");
  places.replaceChildren();
  if (person) {
    for (const place of person.places) {
      const item = document.createElement("li");
      item.textContent = `${clock(place.start)} ${place.title}`;
      places.append(item);
    }
    if (person.places.length === 0) {
      const item = document.createElement("li");
      item.textContent = texts.checkinNoPlaces;
      places.append(item);
    }
  }
}

async function send(code, retried) {
  const response = await fetch("/api/checkin", {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ code }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    // A retry may find the check-in its own lost first try made: not "already" to the staff.
    const verdict = body.first
      ? texts.checkinWelcome
      : fill(retried ? texts.checkinDoneAt : texts.checkinAlready, { time: clock(body.checked_in_at) });
    show(body.first || retried ? "welcome" : "again", verdict, body);
  } else if (response.status === 404) {
    show("refused", texts.checkinUnknown, null);
  } else {
    show("refused", `${texts.checkinFailed}: ${body.error?.message ?? response.status}`, null);
  }
}

let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  try {
    for (const entry of queued()) {
      try {
        await send(entry.code, entry.tries > 0);
      } catch {
        // No answer (offline, connection dropped): keep it, and mark that it went out once.
        keep(queued().map((e) => (e.code === entry.code ? { ...e, tries: e.tries + 1 } : e)));
        return;
      }
      keep(queued().filter((e) => e.code !== entry.code));
    }
  } finally {
    flushing = false;
  }
}

function checkIn(code) {
  const typed = code.trim();
  if (!typed) return;
  if (!queued().some((e) => e.code === typed)) keep([...queued(), { code: typed, tries: 0 }]);
  flush();
}

$("code-form").addEventListener("submit", (event) => {
  event.preventDefault();
  checkIn($("code").value);
  $("code").value = "";
  $("code").focus();
});

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const found = $("found");
  const params = new URLSearchParams({ q: $("q").value });
  let body;
  try {
    const response = await fetch(`/api/checkin/search?${params}`, { headers });
    body = await response.json();
    if (!response.ok) throw new Error(body.error?.message ?? String(response.status));
  } catch (error) {
    found.replaceChildren(Object.assign(document.createElement("li"), {
      textContent: `${texts.checkinFailed}: ${error.message}`,
    }));
    return;
  }
  found.replaceChildren();
  for (const person of body.results) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${texts.checkinButton}: ${person.name}`;
    button.addEventListener("click", () => checkIn(person.code));
    const state = person.checked_in_at
      ? fill(texts.checkinDoneAt, { time: clock(person.checked_in_at) })
      : texts.checkinNotYet;
    const note = document.createElement("span");
    note.textContent = [person.organisation, state].filter(Boolean).join(" · ");
    item.append(button, " ", note);
    found.append(item);
  }
  if (body.results.length === 0) {
    found.append(Object.assign(document.createElement("li"), { textContent: texts.checkinNobody }));
  }
});

// The camera, where the browser can read QR codes itself; typing and search work everywhere.
async function scanning() {
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  const video = $("camera");
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const button = $("scan");
  button.textContent = texts.checkinScanStop;
  let last = "";
  const timer = setInterval(async () => {
    const [code] = await detector.detect(video).catch(() => []);
    // One scan per code while it is held up; the same person again is the server's to say.
    if (code && code.rawValue !== last) {
      last = code.rawValue;
      checkIn(code.rawValue);
    }
  }, SCAN_MS);
  button.onclick = () => {
    clearInterval(timer);
    for (const track of stream.getTracks()) track.stop();
    video.hidden = true;
    button.textContent = texts.checkinScan;
    button.onclick = start;
  };
}

function start() {
  scanning().catch((error) => show("refused", `${texts.checkinFailed}: ${error.message}`, null));
}

if ("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia) {
  $("scan").hidden = false;
  $("scan").onclick = start;
}

window.addEventListener("online", flush);
setInterval(() => {
  if (queued().length) flush();
}, RETRY_MS);
keep(queued());
flush();
