"""Fair assignment of attendees to the sessions of one breakout round, from ranked preferences.

Owns the objective (what makes one assignment better than another), the seeded lottery that
breaks ties, the exact min-cost-flow solver, and the waitlists of those left over. It knows
nothing of rounds, storage or time: the caller passes one round's session capacities, every
attendee's ranking and a seed, and gets back a plain value. Stdlib only: it must not import
third-party libraries or any festival layer. docs/assignment.md explains the method.

The solver is successive shortest paths on source -> attendee -> session -> sink. A round has
few sessions and many attendees, so each shortest-path search runs on the sessions alone: the
cheapest way into session j is the cheapest unplaced attendee who ranked it, and the cheapest
step from i to j is the cheapest move of someone placed in i to j. Heaps keep those minima.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_NOWHERE = -1  # `where` of an attendee not (yet) placed; also the source in a path hop


@dataclass(frozen=True)
class Preference:
    """One attendee's ranking of a round's sessions by id, most wanted first; may be empty."""

    attendee: str
    ranking: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    """The outcome for one round.

    `placed` maps attendee -> session. `waitlists` has an entry for every session: the
    attendees not placed who ranked it, by the rank they gave it, then by lottery. `unplaced`
    is everyone not placed (including those who ranked nothing), in lottery order.
    """

    placed: dict[str, str]
    waitlists: dict[str, tuple[str, ...]]
    unplaced: tuple[str, ...]


def rank_cost(rank: int) -> int:
    """The cost of a place at 0-based `rank`: convex, so two 2nd choices beat a 1st + a 3rd."""
    return rank * rank


def satisfaction(placed: Mapping[str, str], preferences: Sequence[Preference]) -> tuple[int, int]:
    """The objective `assign` maximises: (number placed, minus the total `rank_cost`).

    Compare as tuples: placing one more attendee beats any improvement in ranks; among equal
    counts the lower total rank cost wins.
    """
    rankings = {p.attendee: p.ranking for p in preferences}
    cost = sum(rank_cost(rankings[a].index(s)) for a, s in placed.items())
    return len(placed), -cost


def lottery(attendees: Iterable[str], *, seed: str) -> tuple[str, ...]:
    """`attendees` in the seeded draw order that breaks ties; the input order plays no part."""
    return tuple(sorted(set(attendees), key=lambda a: (_ticket(seed, a), a)))


def assign(
    capacities: Mapping[str, int], preferences: Sequence[Preference], *, seed: str
) -> Assignment:
    """An optimal assignment for one round; the same inputs and seed give the same result.

    Maximises `satisfaction`. Among equally satisfying assignments it minimises the lottery
    measure: the sum over the n attendees of (n - k) x rank, k being their 0-based position
    in `lottery`, and an unplaced attendee counting as rank L (the longest ranking's length).
    So whenever two attendees could trade outcomes without changing `satisfaction`, the one
    drawn earlier gets the better outcome.
    Raises ValueError for a negative capacity, a second preference for the same attendee, or
    a ranking naming an unknown session or one session twice.
    """
    _check(capacities, preferences)
    sessions = sorted(capacities)
    index = {s: j for j, s in enumerate(sessions)}
    order = lottery((p.attendee for p in preferences), seed=seed)
    rankings = {p.attendee: p.ranking for p in preferences}
    n = len(order)
    longest = max((len(r) for r in rankings.values()), default=0)
    # Scale rank costs above anything the lottery term can add up to, so that it only ever
    # decides between assignments of equal satisfaction; add n*longest so no cost is negative.
    scale = longest * n * (n + 1) // 2 + 1
    costs = [
        {
            index[s]: scale * rank_cost(r) + (n - k) * (r - longest) + n * longest
            for r, s in enumerate(rankings[a])
        }
        for k, a in enumerate(order)
    ]
    where = _Solver([capacities[s] for s in sessions], costs).solve()
    placed = dict(
        sorted((a, sessions[j]) for a, j in zip(order, where, strict=True) if j != _NOWHERE)
    )
    unplaced = tuple(a for k, a in enumerate(order) if where[k] == _NOWHERE)
    queues: dict[str, list[tuple[int, int, str]]] = {s: [] for s in sessions}
    for k, a in enumerate(order):
        if where[k] == _NOWHERE:
            for r, s in enumerate(rankings[a]):
                queues[s].append((r, k, a))
    waitlists = {s: tuple(a for _, _, a in sorted(queues[s])) for s in sessions}
    return Assignment(placed=placed, waitlists=waitlists, unplaced=unplaced)


def _ticket(seed: str, attendee: str) -> bytes:
    # The separator keeps ("ab", "c") and ("a", "bc") from drawing the same ticket.
    return hashlib.sha256(f"{seed}\x00{attendee}".encode()).digest()


def _check(capacities: Mapping[str, int], preferences: Sequence[Preference]) -> None:
    for session, capacity in sorted(capacities.items()):
        if capacity < 0:
            raise ValueError(f"session {session!r} has a negative capacity: {capacity}")
    seen: set[str] = set()
    # Sorted, so that with several problems the one reported does not depend on input order.
    for preference in sorted(preferences, key=lambda p: (p.attendee, p.ranking)):
        who = preference.attendee
        if who in seen:
            raise ValueError(f"attendee {who!r} has more than one preference")
        seen.add(who)
        ranked: set[str] = set()
        for session in preference.ranking:
            if session not in capacities:
                raise ValueError(f"attendee {who!r} ranks unknown session {session!r}")
            if session in ranked:
                raise ValueError(f"attendee {who!r} ranks session {session!r} more than once")
            ranked.add(session)


class _Solver:
    """Min-cost max-flow by successive shortest paths, searched over sessions only.

    Attendees are numbered by lottery position, sessions by sorted id; `costs[k]` maps each
    session attendee k ranked to the (non-negative) cost of placing them there. Potentials
    on the sessions and the sink keep every reduced cost non-negative, so each search is a
    dense Dijkstra over the sessions.
    """

    def __init__(self, capacities: list[int], costs: list[dict[int, int]]) -> None:
        m = len(capacities)
        self.capacities = capacities
        self.costs = costs
        self.where = [_NOWHERE] * len(costs)
        self.load = [0] * m
        self.potential = [0] * m
        self.sink_potential = 0
        # entries[j]: (cost, k) of attendees not yet placed who ranked j.
        self.entries: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        for k, options in enumerate(costs):
            for j, cost in options.items():
                self.entries[j].append((cost, k))
        for heap in self.entries:
            heapq.heapify(heap)
        # moves[i][j]: (cost change, k) of moving attendee k, placed in i, to j.
        self.moves: list[list[list[tuple[int, int]]]] = [[[] for _ in range(m)] for _ in range(m)]

    def solve(self) -> list[int]:
        """Augment along shortest paths until nobody more can be placed; `where` per attendee."""
        while self._augment():
            pass
        return self.where

    def _augment(self) -> bool:
        m = len(self.capacities)
        dist: list[int | None] = [None] * m
        hop: list[tuple[int, int]] = [(_NOWHERE, _NOWHERE)] * m  # (from session, attendee)
        for j in range(m):
            top = self._top(self.entries[j], _NOWHERE)
            if top is not None:
                dist[j] = top[0] - self.potential[j]
                hop[j] = (_NOWHERE, top[1])
        done = [False] * m
        best: tuple[int, int] | None = None  # (distance to the sink, last session)
        while True:
            open_ = [(d, j) for j, d in enumerate(dist) if d is not None and not done[j]]
            if not open_:
                break
            d, i = min(open_)
            if best is not None and d >= best[0]:
                break  # reduced costs are non-negative: nothing further can beat `best`
            done[i] = True
            if self.load[i] < self.capacities[i]:
                reached = d + self.potential[i] - self.sink_potential
                if best is None or reached < best[0]:
                    best = (reached, i)
            for j in range(m):
                if done[j]:
                    continue
                top = self._top(self.moves[i][j], i)
                if top is not None:
                    nd = d + top[0] + self.potential[i] - self.potential[j]
                    current = dist[j]
                    if current is None or nd < current:
                        dist[j] = nd
                        hop[j] = (i, top[1])
        if best is None:
            return False
        to_sink, last = best
        # Johnson's update, capped at the sink's distance so that sessions not settled (or
        # not reached) keep non-negative reduced costs too.
        for j, settled in enumerate(dist):
            self.potential[j] += (
                min(settled, to_sink) if settled is not None and done[j] else to_sink
            )
        self.sink_potential += to_sink
        j = last
        while j != _NOWHERE:
            source, k = hop[j]
            self._place(k, j)
            j = source
        return True

    def _place(self, k: int, j: int) -> None:
        """Move attendee k (placed elsewhere or not at all) into session j."""
        if self.where[k] != _NOWHERE:
            self.load[self.where[k]] -= 1
        self.where[k] = j
        self.load[j] += 1
        options = self.costs[k]
        for x, cost in options.items():
            if x != j:
                heapq.heappush(self.moves[j][x], (cost - options[j], k))

    def _top(self, heap: list[tuple[int, int]], at: int) -> tuple[int, int] | None:
        """The cheapest entry of `heap` whose attendee is still `at` (lazy deletion)."""
        while heap and self.where[heap[0][1]] != at:
            heapq.heappop(heap)
        return heap[0] if heap else None
