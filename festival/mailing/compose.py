"""Turning an outbox row into an e-mail, from the store's current truth, in the right language.

Rendered when sent, not when queued, so a message always carries the newest time and link.
Messages that carry the personal link carry the attendee's one link: the store keeps only
token hashes, so the link is derived again from the install secret (see
`festival.access.tokens.personal_token`) rather than made anew for each mail or try. Invites,
reminders and promotions lead to a session or the plenary by the attendee's personal join
link (`festival.invites.calendar.join_link`), never by the provider's link.

Messages are composed a batch at a time: the festival is read once per batch, and what is the
same for many recipients (an item's calendar, a mail body in one language) is made once per
batch and completed per recipient. The bodies are rendered with a stand-in for the name,
which is put in afterwards (HTML-escaped in the HTML body); so are the links, with a stand-in
for the recipient's personal token.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from festival.attendance import checkin_code, shown_code, shows_code
from festival.i18n import long_date, long_moment, pick_language, translate, translate_plural
from festival.invites.calendar import (
    ALARM_MINUTES,
    InviteItem,
    InviteTemplate,
    invite_item,
    invite_template,
    join_link,
    release_link,
)
from festival.invites.feed import feed_links
from festival.mailing.maildir import message_domain
from festival.mailing.mime import BadAddress, Mail, address, envelope, write_mail
from festival.mailing.transport import MailSetupError
from festival.programme.model import PLENARY, Festival
from festival.registration import reconfirm
from festival.registration.model import Registration
from festival.storage.attendance_repo import AttendanceSql
from festival.storage.db import Database
from festival.storage.mailing_repo import Outgoing
from festival.storage.programme_repo import read_festival
from festival.storage.proposal_repo import ProposalSql
from festival.storage.registration_repo import read_registration
from festival.storage.tables import FestivalRow, RegistrationRow
from festival.storage.token_repo import (
    current_personal_token,
    current_personal_tokens,
    reissue_personal_token,
)
from festival.storage.votes_repo import VotesSql
from festival.votes import BadLink, mailed_link

log = logging.getLogger("festival.mail")
# Stands in for the recipient's name while a body is rendered for many recipients at once; a
# private-use character, which no template or translation contains and escaping leaves alone.
NAME = "\ue000"
# Stands in for the recipient's personal token in a body's links, the same way.
TOKEN = "\ue001"


class NothingToSend(Exception):
    """The message lost its reason (the registration or item is gone): skip it."""


class CannotCompose(Exception):
    """This one message could not be made (an address no server takes, a bug met by one
    row's data): it fails with this reason, and the rest of the batch goes on. `transient`
    when the database failed under it, so trying again later may work."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class MailContext:
    """Everything templates/mail/message.* need."""

    lang: str
    festival: Festival
    name: str
    paragraphs: tuple[str, ...]
    button: tuple[str, str] | None  # (label, url)
    lines: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()  # (label, url) under the button
    token: str = ""  # the recipient's personal token, for TOKEN in the links
    image: tuple[str, str] | None = None  # (alt text, url): the check-in QR


@dataclass
class _Batch:
    """What a batch shares: festivals, items, item calendars and rendered bodies, made once
    each."""

    now: datetime
    festivals: dict[int, Festival | None]
    tokens: dict[int, str]  # registration -> its personal token, read once per batch
    items: dict[tuple[str, str], InviteItem] = field(default_factory=dict)  # (slug, entry)
    times: dict[tuple[str, str, str], tuple[str, ...]] = field(default_factory=dict)
    calendars: dict[tuple[int, str, str], InviteTemplate] = field(default_factory=dict)
    bodies: dict[tuple[object, ...], tuple[str, str]] = field(default_factory=dict)


class Composer:
    def __init__(self, db: Database, templates: Path, *, base_url: str, mail_from: str) -> None:
        try:  # at start, not as a failure of every message
            envelope(mail_from)
        except BadAddress as exc:
            raise MailSetupError(f"FESTIVAL_MAIL_FROM: {exc}") from exc
        self.db = db
        self.base_url = base_url
        self.mail_from = mail_from
        self.env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["translate"] = translate

    async def compose(
        self, messages: list[Outgoing], now: datetime
    ) -> AsyncIterator[tuple[Outgoing, Mail | NothingToSend | CannotCompose]]:
        """Each message ready to send, or the reason it has nothing to send any more or
        cannot be made, one at a time, so sending can start before the whole batch is
        composed. Whatever goes wrong with one message stays with that message."""
        ids = {m.festival_id for m in messages}
        async with self.db.session() as db:
            found = await db.execute(
                select(FestivalRow.id, FestivalRow.slug).where(FestivalRow.id.in_(ids))
            )
            slugs = {festival_id: slug for festival_id, slug in found}
            festivals = {i: await read_festival(db, slugs[i]) if i in slugs else None for i in ids}
            registrations = {m.registration_id for m in messages if m.registration_id is not None}
            tokens = await current_personal_tokens(db, registrations)
        batch = _Batch(now, festivals, tokens)
        for message in messages:
            try:
                yield message, await self._compose(message, batch)
            except NothingToSend as reason:
                yield message, reason
            except BadAddress as exc:
                yield message, CannotCompose(str(exc))
            except (SQLAlchemyError, OSError) as exc:
                log.warning("mail %s: composing it failed, will retry: %s", message.id, exc)
                yield message, CannotCompose(f"database: {exc}", transient=True)
            except Exception as exc:  # one row's bad data (or our bug) must not stop the rest
                log.exception("mail %s (%s) cannot be composed", message.id, message.kind)
                yield message, CannotCompose(f"cannot compose: {type(exc).__name__}: {exc}")

    async def _compose(self, message: Outgoing, batch: _Batch) -> Mail:
        festival = batch.festivals.get(message.festival_id)
        if festival is None:
            raise NothingToSend("festival no longer stored")
        lang = pick_language(message.payload.get("language"), festival.language)
        build = getattr(self, f"_{message.kind}", None)
        if build is None:
            raise NothingToSend(f"unknown message kind {message.kind!r}")
        subject, context, calendar = await build(message, festival, lang, batch)
        return self._mail(message, festival, subject, context, calendar, batch)

    # -- kinds ---------------------------------------------------------------------------

    async def _welcome(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        token = await self._token(m, batch)
        lines = await self._places(m, f, lang)
        paragraphs = [
            translate("mail_welcome", lang, festival=f.title, date=long_date(f.date, lang))
        ]
        paragraphs.append(translate("mail_keep_link", lang))
        # The personal calendar feed, by the same secret as the personal link.
        feed = feed_links(self.base_url, TOKEN)
        links = ((translate("calendar_subscribe", lang), feed.webcal),
                 (translate("calendar_download", lang), feed.https))  # fmt: skip
        context = MailContext(lang, f, m.payload["name"], tuple(paragraphs),
                              (translate("my_page", lang), self._page), lines, links,
                              token)  # fmt: skip
        return translate("mail_welcome_subject", lang, festival=f.title), context, None

    async def _link(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        token = await self._token(m, batch)
        paragraphs = [translate("mail_link_again", lang, festival=f.title)]
        # The feed too: after a new link the old feed address no longer works.
        feed = feed_links(self.base_url, TOKEN)
        links = ((translate("calendar_subscribe", lang), feed.webcal),
                 (translate("calendar_download", lang), feed.https))  # fmt: skip
        context = MailContext(lang, f, m.payload["name"], tuple(paragraphs),
                              (translate("my_page", lang), self._page), (), links,
                              token)  # fmt: skip
        return translate("mail_link_subject", lang, festival=f.title), context, None

    async def _promoted(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        item = self._item(f, m.payload["entry"], batch)
        paragraphs = [translate("mail_promoted", lang, session=item.title)]
        # The join link at once: promoted inside the join window, the reminder has gone out.
        button, token = await self._join_button(m, item, lang, batch)
        context = MailContext(lang, f, m.payload["name"], tuple(paragraphs), button,
                              self._when(f, item, lang, batch), (), token)  # fmt: skip
        return translate("mail_promoted_subject", lang, session=item.title), context, None

    async def _invite(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        p = m.payload
        item = self._item(f, p["entry"], batch)
        method = "CANCEL" if p["method"] == "CANCEL" else "REQUEST"
        organiser = f.organiser.name if f.organiser else f.title
        organiser_mail = f.organiser.email if f.organiser and f.organiser.email else self.mail_from
        shared = batch.calendars.get((m.festival_id, item.entry, method))
        if shared is None:
            shared = invite_template(
                f, item, organizer=(organiser, organiser_mail), method=method, now=batch.now,
                alarm_minutes=ALARM_MINUTES,
            )  # fmt: skip
            batch.calendars[(m.festival_id, item.entry, method)] = shared
        button, token = (
            (None, "") if method == "CANCEL" else await self._join_button(m, item, lang, batch)
        )
        release = self._release(item, lang) if method == "REQUEST" else ()
        if release or shared.releasable:
            token = token or await self._token(m, batch)
        calendar = shared.for_attendee(
            # From the payload: the row's registration link is gone once someone erased their
            # data, but their calendar still needs the cancellation for the same UID.
            registration_id=int(p["registration_id"]),
            attendee=(p["name"], m.recipient),
            sequence=int(p["sequence"]),
            link=join_link(self.base_url, token, item.entry) if shared.linked else "",
            release=": ".join(release[0]).replace(TOKEN, token) if shared.releasable else "",
        )
        if method == "CANCEL":
            key, subject_key = "mail_invite_cancel", "mail_invite_cancel_subject"
        elif int(p["sequence"]) > 0:
            key, subject_key = "mail_invite_update", "mail_invite_update_subject"
        else:
            key, subject_key = "mail_invite", "mail_invite_subject"
        paragraphs = [translate(key, lang, item=item.title, festival=f.title)]
        context = MailContext(lang, f, p["name"], tuple(paragraphs), button,
                              self._when(f, item, lang, batch), release, token)  # fmt: skip
        return translate(subject_key, lang, item=item.title), context, (method, calendar)

    async def _reminder(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        item = self._item(f, m.payload["entry"], batch)
        if item.cancelled:
            # Queued just before the session was taken off the programme.
            raise NothingToSend(f"{item.entry} was cancelled")
        minutes = max(0, round((item.start - batch.now).total_seconds() / 60))
        paragraphs = [translate_plural("mail_reminder", minutes, lang, item=item.title)]
        if m.payload["entry"] == PLENARY and f.plenary and f.plenary.questions_url:
            paragraphs.append(translate("mail_questions", lang) + " " + f.plenary.questions_url)
        button, token = await self._join_button(m, item, lang, batch)
        code = await self._checkin_code(m, f)
        image = None
        if code is not None:
            # The code in the text works without images; the QR is an image by link, since
            # mail clients show no SVG and block data: images (docs/mail.md).
            token = token or await self._token(m, batch)
            paragraphs.append(translate("mail_checkin", lang, code=code))
            image = (translate("mail_checkin_qr", lang), f"{self.base_url}/me/{TOKEN}/checkin.png")
        release = self._release(item, lang)
        if release:
            token = token or await self._token(m, batch)
        context = MailContext(lang, f, m.payload["name"], tuple(paragraphs), button,
                              self._when(f, item, lang, batch), release, token,
                              image)  # fmt: skip
        return translate("mail_reminder_subject", lang, item=item.title), context, None

    async def _watch_again(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        if m.registration_id is None:
            raise NothingToSend("registration erased")  # they asked to hear no more
        paragraphs = (translate("mail_watch_again", lang, festival=f.title),)
        button = (translate("materials", lang), f"{self.base_url}/{f.slug}/archive?lang={lang}")
        context = MailContext(lang, f, m.payload["name"], paragraphs, button, ())
        return translate("mail_watch_again_subject", lang, festival=f.title), context, None

    async def _certificate(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        token = await self._token(m, batch)
        paragraphs = (translate("mail_certificate", lang, festival=f.title),)
        link = f"{self.base_url}/me/{TOKEN}/certificate.pdf?lang={lang}"
        context = MailContext(lang, f, m.payload["name"], paragraphs,
                              (translate("certificate_download", lang), link), (), (),
                              token)  # fmt: skip
        return translate("mail_certificate_subject", lang, festival=f.title), context, None

    async def _proposal(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        """The organiser's decision on a proposed theme, as it stands when sent."""
        async with self.db.session() as db:
            proposal = await ProposalSql(db).proposal(f.slug, int(m.payload["proposal"]))
        if proposal is None or proposal.state == "pending":
            raise NothingToSend("the proposal or its proposer's registration is gone")
        token = await self._token(m, batch)
        round_title = next((r.title for r in f.rounds if r.id == proposal.round), proposal.round)
        texts = {"title": proposal.title, "round": round_title}
        paragraphs = (translate(f"mail_proposal_{proposal.state}", lang, **texts),)
        context = MailContext(lang, f, m.payload["name"], paragraphs,
                              (translate("my_page", lang), self._page), (), (),
                              token)  # fmt: skip
        subject = translate(f"mail_proposal_{proposal.state}_subject", lang, **texts)
        return subject, context, None

    async def _ballot(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        """The link that counts a public ballot: to a page with a button, since mail
        scanners follow links."""
        async with self.db.session() as db, db.begin():
            try:
                ballot, token = await mailed_link(VotesSql(db), int(m.payload["ballot"]), batch.now)
            except BadLink as gone:
                raise NothingToSend(gone.message) from None
        vote = next((v for v in f.votes if v.id == ballot.vote), None)
        nominee = vote.nominee(ballot.nominee) if vote else None
        if vote is None or nominee is None:
            raise NothingToSend(f"the vote {ballot.vote!r} or its nominee left the programme")
        paragraphs = (
            translate("mail_ballot", lang, nominee=nominee.name, vote=vote.title),
            translate("mail_ballot_ignore", lang),
        )
        link = f"{self.base_url}/vote/confirm/{token}?lang={lang}"
        context = MailContext(
            lang, f, "", paragraphs, (translate("ballot_confirm", lang), link), ()
        )
        return translate("mail_ballot_subject", lang, vote=vote.title), context, None

    async def _reconfirm(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        window = reconfirm.window(f)
        registration = await self._registration(m)
        asked = [p.session_id for p in registration.places
                 if p.status == "confirmed" and p.reconfirm == "asked"]  # fmt: skip
        if window is None or not asked or batch.now >= window.deadline:
            raise NothingToSend("no place waits for confirmation any more")
        token = await self._token(m, batch)
        items = [self._item(f, entry, batch) for entry in asked]
        deadline = long_moment(f.local(window.deadline), lang)
        # The question first; the places follow the paragraph that leads to them.
        paragraphs = (translate("reconfirm_asked", lang, deadline=deadline),
                      translate("mail_reconfirm", lang, festival=f.title,
                                date=long_date(f.date, lang)))  # fmt: skip
        lines = tuple(line for item in items for line in self._when(f, item, lang, batch))
        button = (translate("reconfirm_button", lang), f"{self._page}/reconfirm?lang={lang}")
        links = tuple(
            (
                translate("reconfirm_release", lang, item=i.title),
                release_link(self.base_url, TOKEN, i.entry),
            )
            for i in items
        )
        context = MailContext(lang, f, m.payload["name"], paragraphs, button, lines, links, token)
        return translate("mail_reconfirm_subject", lang, festival=f.title), context, None

    async def _reconfirm_lapsed(self, m: Outgoing, f: Festival, lang: str, batch: _Batch) -> Any:
        window = reconfirm.window(f)
        entry = m.payload["entry"]
        item = self._item(f, entry, batch)
        place = (await self._registration(m)).place_in_session(entry)
        if window is None or place is None or place.position is None:
            # Moved up again (the promotion mail says so) or left the line since.
            raise NothingToSend(f"no longer waiting for {entry}")
        token = await self._token(m, batch)
        deadline = long_moment(f.local(window.deadline), lang)
        paragraphs = (translate("mail_reconfirm_lapsed", lang, item=item.title,
                                deadline=deadline, n=place.position),)  # fmt: skip
        context = MailContext(lang, f, m.payload["name"], paragraphs,
                              (translate("my_page", lang), self._page),
                              self._when(f, item, lang, batch), (), token)  # fmt: skip
        subject = translate("mail_reconfirm_lapsed_subject", lang, item=item.title)
        return subject, context, None

    # -- parts ---------------------------------------------------------------------------

    async def _registration(self, m: Outgoing) -> Registration:
        if m.registration_id is None:
            raise NothingToSend("registration erased")
        async with self.db.session() as db:
            registration = await read_registration(db, m.registration_id)
        if registration is None:
            raise NothingToSend("registration erased")
        return registration

    def _item(self, f: Festival, entry: str, batch: _Batch) -> InviteItem:
        item = batch.items.get((f.slug, entry))
        if item is None:
            item = batch.items[(f.slug, entry)] = self._find_item(f, entry)
        return item

    def _find_item(self, f: Festival, entry: str) -> InviteItem:
        item = invite_item(f, entry)
        if item is None:
            raise NothingToSend(f"no item {entry!r} any more")
        return item

    def _when(self, f: Festival, item: InviteItem, lang: str, batch: _Batch) -> tuple[str, ...]:
        when = batch.times.get((f.slug, item.entry, lang))
        if when is None:
            day = long_date(f.local(item.start).date(), lang)
            when = (f"{item.title}", f"{day}, {f.local(item.start):%H:%M}–"
                    f"{f.local(item.end):%H:%M} ({f.timezone})")  # fmt: skip
            batch.times[(f.slug, item.entry, lang)] = when
        return when

    async def _places(self, m: Outgoing, f: Festival, lang: str) -> tuple[str, ...]:
        if m.registration_id is None:
            return ()
        async with self.db.session() as db:
            registration = await read_registration(db, m.registration_id)
        if registration is None:
            raise NothingToSend("registration erased")
        titles = {s.id: s.title for _, s in f.sessions()}
        lines = []
        for place in registration.places:
            title = titles.get(place.session_id, place.session_id)
            if place.status == "confirmed":
                lines.append(f"{title}: {translate('status_confirmed', lang)}")
            else:
                lines.append(f"{title}: {translate('status_waitlisted', lang, n=place.position)}")
        return tuple(lines)

    @property
    def _page(self) -> str:
        """The personal page's address, TOKEN standing in for the recipient's token."""
        return f"{self.base_url}/me/{TOKEN}"

    async def _join_button(
        self, m: Outgoing, item: InviteItem, lang: str, batch: _Batch
    ) -> tuple[tuple[str, str] | None, str]:
        """The "join now" button by the attendee's personal join link, and their token; no
        button for an item without a video link or stream."""
        if not item.online:
            return None, ""
        token = await self._token(m, batch)
        return (translate("join_now", lang), join_link(self.base_url, TOKEN, item.entry)), token

    def _release(self, item: InviteItem, lang: str) -> tuple[tuple[str, str], ...]:
        """The link that gives the attendee's place in a session back, TOKEN standing in for
        their token; none for the plenary."""
        if not item.releasable:
            return ()
        return ((translate("release_link", lang), release_link(self.base_url, TOKEN, item.entry)),)

    async def _checkin_code(self, m: Outgoing, f: Festival) -> str | None:
        """The check-in code of an on-site attendee of a festival with a venue, as printed."""
        if m.registration_id is None:
            return None
        async with self.db.session() as db, db.begin():
            registration = await read_registration(db, m.registration_id)
            if registration is None or not shows_code(f, registration):
                return None
            return shown_code(await checkin_code(AttendanceSql(db), registration.id))

    async def _token(self, m: Outgoing, batch: _Batch) -> str:
        """The attendee's one personal token: the same in every mail and every try (derived,
        see `festival.access.tokens.personal_token`), so composing makes no token."""
        if m.registration_id is None:
            raise NothingToSend("registration erased")
        token = batch.tokens.get(m.registration_id)
        if token is None:
            token = await self._first_derived_link(m.registration_id, batch.now)
            batch.tokens[m.registration_id] = token
        return token

    async def _first_derived_link(self, registration_id: int, now: datetime) -> str:
        """A registration from before links were derived holds only random tokens (one per
        mail it was sent), which no mail can repeat: it gets its one derived link now, and
        those are revoked, as when the attendee asks for a new link."""
        async with self.db.writer() as db, db.begin():
            if await db.get(RegistrationRow, registration_id) is None:
                raise NothingToSend("registration erased")
            token = await current_personal_token(db, registration_id)
            return token or (await reissue_personal_token(db, registration_id, now=now))[0]

    def _bodies(self, m: Outgoing, context: MailContext, batch: _Batch) -> tuple[str, str]:
        """(text, html) for this recipient, from one rendering per distinct content."""
        key = (m.festival_id, context.lang, context.paragraphs, context.button, context.lines,
               context.links, context.image)  # fmt: skip
        bodies = batch.bodies.get(key)
        if bodies is None:
            # A public voter is nameless: the greeting then names nobody.
            name = NAME if context.name else ""
            page = MailContext(context.lang, context.festival, name, context.paragraphs,
                               context.button, context.lines, context.links,
                               image=context.image)  # fmt: skip
            bodies = (
                self.env.get_template("mail/message.txt").render(page=page),
                self.env.get_template("mail/message.html").render(page=page),
            )
            batch.bodies[key] = bodies
        text, html = bodies
        # A token is URL-safe base64: nothing in it to escape.
        text, html = text.replace(TOKEN, context.token), html.replace(TOKEN, context.token)
        return text.replace(NAME, context.name), html.replace(NAME, str(escape(context.name)))

    def _mail(
        self,
        m: Outgoing,
        f: Festival,
        subject: str,
        context: MailContext,
        calendar: tuple[str, bytes] | None,
        batch: _Batch,
    ) -> Mail:
        text, html = self._bodies(m, context, batch)
        # The same outbox row always has the same Message-ID, so a receiving system can tell a
        # redelivery (after a crash between send and record) from a new message.
        digest = hashlib.sha256(m.dedupe_key.encode()).hexdigest()[:32]
        message_id = f"<{digest}@{message_domain(f.slug)}>"
        sender_name = f.organiser.name if f.organiser else f.title
        recipient, utf8 = envelope(m.recipient)
        mail_from, from_utf8 = envelope(self.mail_from)
        headers = [
            ("Subject", subject),
            ("From", address(sender_name, mail_from)),
            ("To", address(m.payload.get("name", ""), recipient)),
            ("Date", formatdate(usegmt=True)),
            ("Message-ID", message_id),
            ("Content-Language", context.lang),
        ]
        data = write_mail(
            headers=headers, text=text, html=html, calendar=calendar, boundary=f"=_{digest}"
        )
        return Mail(mail_from, recipient, message_id, subject, data, utf8 or from_utf8)
