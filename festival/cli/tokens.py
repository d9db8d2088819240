"""`festival token create|list|revoke`: the role tokens that open the consoles."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from festival.access.tokens import ROLES, Role
from festival.cli.common import (
    CONSOLES,
    festival_option,
    main,
    pick_programme,
    run_with_db,
    store_options,
    tell_instances,
)
from festival.clock import SystemClock
from festival.config import Settings
from festival.errors import FestivalError
from festival.programme.model import SHOW
from festival.qa.channels import qa_channels
from festival.storage.token_repo import create_token, list_tokens, revoke_token
from festival.web.caches import tell_revoked


@main.group()
def token() -> None:
    """Create, list and revoke role tokens (admin, host, moderator, presenter, checkin)."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([r for r in ROLES if r != "attendee"]))
@click.option(
    "--channel",
    "channels",
    multiple=True,
    help="Limit the token to a live channel (plenary, a session id); repeat for several.",
)
@click.option("--label", default="", help="A note for `token list`, e.g. who has it.")
@click.option(
    "--festival",
    "festival_slugs",
    multiple=True,
    envvar="FESTIVAL_FESTIVAL",
    help="Festival slug (env FESTIVAL_FESTIVAL). Default: the festival / shows. An admin "
    "token may name several (repeat it): an organiser's token, whose admin page switches "
    "between them; the first is the one it opens.",
)
@click.option(
    "--every-festival",
    is_flag=True,
    help="An admin token over every festival of the install, those loaded later too.",
)
@store_options
def token_create(
    settings: Settings,
    role: str,
    channels: tuple[str, ...],
    label: str,
    festival_slugs: tuple[str, ...],
    every_festival: bool,
) -> None:
    """Create a token; the last line printed is the console URL with the token in it.

    The secret is shown only now; the store keeps only its hash. Only an admin token covers
    several festivals (--festival A --festival B, or --every-festival): one organiser runs
    several editions with one link, while a host, moderator or presenter works one day.
    """
    channel = ",".join(dict.fromkeys(channels)) or None
    named = tuple(dict.fromkeys(festival_slugs))
    if role == "checkin" and channels:
        raise click.UsageError("a checkin token is for the door, not a channel: give no --channel")
    if (len(named) > 1 or every_festival) and role != "admin":
        raise click.UsageError(
            f"only an admin token covers several festivals; make a {role} token per festival"
        )

    async def work(session: Any) -> tuple[int, str, str, tuple[str, ...]]:
        festival = await pick_programme(session, named[0] if named else None)
        also = tuple([(await pick_programme(session, slug)).slug for slug in named[1:]])
        slug = festival.slug
        known = {SHOW, *qa_channels(festival)}
        unknown = [c for c in dict.fromkeys(channels) if c not in known]
        if unknown:
            raise FestivalError(
                f"no channel {', '.join(map(repr, unknown))} in {slug}; "
                f"channels: {', '.join(sorted(known))}"
            )
        grant_role = next(r for r in ROLES if r == role)  # click checked it is one of them
        if console_of(grant_role, channels) is None:
            raise FestivalError(
                f"a {role} token for {', '.join(channels)} would open no console: "
                + ("give --channel show, or none" if role == "presenter" else "name a Q&A channel")
            )
        token_id, secret = await create_token(
            session, slug, grant_role, channel=channel, label=label, now=SystemClock().now(),
            also=also, every_festival=every_festival,
        )  # fmt: skip
        return token_id, secret, slug, also

    token_id, secret, slug, also = run_with_db(settings, work)
    covers = ", ".join((slug, *also)) + (" and every other festival" if every_festival else "")
    limited = f", channel {channel}" if channel else ""
    click.echo(f"token {token_id}: {role} for {covers}{limited}")
    console = console_of(next(r for r in ROLES if r == role), channels)
    click.echo(f"{settings.resolved_base_url}{console}?token={secret}")


def console_of(role: Role, channels: tuple[str, ...]) -> str | None:
    """The console a token of `role` limited to `channels` (none: not limited) can open, as
    `Grant.allows` decides: the show's consoles need the show, a Q&A channel is moderated at
    /moderate/CHANNEL (/moderate lists several). None when the token would open nothing."""
    console = CONSOLES[role]
    if role == "admin" or not channels:
        return console
    if role in ("host", "presenter") and SHOW in channels:
        return console
    qa = list(dict.fromkeys(c for c in channels if c != SHOW))
    if role not in ("host", "moderator") or not qa:
        return None  # a presenter has nothing but the show; a moderator no console for it
    return f"{CONSOLES['moderator']}/{qa[0]}" if len(qa) == 1 else CONSOLES["moderator"]


@token.command("list")
@festival_option
@store_options
def token_list(settings: Settings, festival_slug: str | None) -> None:
    """List role tokens (never their secrets): id, the festivals each covers (its own first;
    `*` for every festival), role, state, label. With --festival, those covering it."""
    tokens = run_with_db(settings, lambda session: list_tokens(session, festival_slug))
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        channel = f" channel={t.channel}" if t.channel else ""
        covers = ",".join((t.festival, *t.also)) + (",*" if t.every_festival else "")
        click.echo(f"{t.id}\t{covers}\t{t.role}{channel}\t{state}\t{t.label}")


@token.command("revoke")
@click.argument("token_id", type=int)
@store_options
def token_revoke(settings: Settings, token_id: int) -> None:
    """Revoke token TOKEN_ID (see `token list`); it stops working at once."""
    changed = run_with_db(settings, lambda s: revoke_token(s, token_id, now=SystemClock().now()))
    # Live connections of the running instances remember grants for a few seconds.
    asyncio.run(tell_instances(settings, lambda bus: tell_revoked(bus, None, token_ids=[token_id])))
    click.echo(f"token {token_id} " + ("revoked" if changed else "was already revoked"))
