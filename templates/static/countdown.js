// Counts down to the moment a personal join link opens (the link itself is on the page all
// along). Without scripts the page says at what time it opens. `data-left` is the word
// for "still to go" in the page's language.
for (const element of document.querySelectorAll("[data-countdown]")) {
  const at = new Date(element.dataset.countdown).getTime();
  const original = element.textContent;
  const tick = () => {
    const left = Math.round((at - Date.now()) / 1000);
    if (left <= 0) {
      element.textContent = original;
      return;
    }
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const s = left % 60;
    const clock = (h ? `${h}:` : "") + `${String(m).padStart(h ? 2 : 1, "0")}:${String(s).padStart(2, "0")}`;
    element.textContent = `${original} (${element.dataset.left} ${clock})`;
    setTimeout(tick, 1000);
  };
  tick();
}
