// The vote's winner on the stream: asks the API every few seconds until the host reveals the
// result, then shows it (with an animation the stylesheet drops for reduced motion). Polling,
// not a socket: one small GET per overlay, which survives restarts and any instance.
const card = document.querySelector("[data-vote-winner]");
const names = card.querySelector("[data-vote-winner-name]");
const every = Number(card.dataset.pollSeconds) * 1000;

function show(vote) {
  const byId = new Map(vote.nominees.map((n) => [n.id, n.name]));
  names.replaceChildren();
  vote.winners.forEach((id, i) => {
    if (i > 0) names.append(" · ");
    const name = document.createElement("bdi");
    name.textContent = byId.get(id) ?? id;
    names.append(name);
  });
  card.hidden = false;
  requestAnimationFrame(() => card.classList.add("shown"));
}

async function poll() {
  try {
    const answer = await fetch(card.dataset.api, { cache: "no-store" });
    if (answer.ok) {
      const vote = await answer.json();
      if (vote.status === "revealed" && vote.winners && vote.winners.length) {
        show(vote);
        return;
      }
    }
  } catch (error) {
    // The server is away for a moment (a restart): ask again at the next turn.
  }
  setTimeout(poll, every);
}

if (card.hidden) setTimeout(poll, every);
