// Shows each programme time also in the viewer's own time zone, when it differs from the
// festival's. The page is complete without this script; it only adds.
const zoneNote = document.querySelector("[data-zone]");
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

if (zoneNote && viewerZone && viewerZone !== zoneNote.dataset.zone) {
  const label = zoneNote.dataset.label;
  const format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23", // as the programme's own times: 09:30, never 09:30 AM beside them
    timeZone: viewerZone,
  });
  const note = zoneNote.querySelector(".yourzone");
  note.textContent = ` · ${label}: ${viewerZone}`;
  note.hidden = false;
  for (const element of document.querySelectorAll("time[data-local]")) {
    const own = document.createElement("span");
    own.className = "own-time";
    own.textContent = ` (${format.format(new Date(element.dateTime))})`;
    element.after(own);
  }
}
