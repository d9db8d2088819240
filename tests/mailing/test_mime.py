"""The MIME writer: what it writes reads back the same with the standard library's parser."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from festival.mailing.mime import address, write_mail


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def mail(**headers: str) -> bytes:
    return write_mail(
        headers=list(headers.items()),
        text="Hallo Zoë,\n\nTot straks.\n",
        html="<p>Hallo Zoë,</p>",
        calendar=("REQUEST", b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"),
        boundary="=_0123abcd",
    )


def test_headers_and_parts_read_back_as_written():
    data = mail(
        Subject="Uitnodiging: Huiskamer 1 · De agenda van het sociaal werk 2020",
        To=address("Zoë de Vries-van 't Hof", "zoe@example.org"),
        From=address("Festival, organisatie", "f@example.org"),
    )

    message = parsed(data)

    assert data.isascii()
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    assert str(message["Subject"]) == (
        "Uitnodiging: Huiskamer 1 · De agenda van het sociaal werk 2020"
    )
    assert (message["To"].addresses[0].display_name, message["To"].addresses[0].addr_spec) == (
        "Zoë de Vries-van 't Hof",
        "zoe@example.org",
    )
    assert message["From"].addresses[0].display_name == "Festival, organisatie"
    assert message.get_content_type() == "multipart/mixed"
    parts = {p.get_content_type(): p for p in message.walk() if not p.is_multipart()}
    assert parts["text/plain"].get_content() == "Hallo Zoë,\n\nTot straks.\n"
    assert parts["text/html"].get_content() == "<p>Hallo Zoë,</p>"
    invite = parts["text/calendar"]
    assert (invite.get_param("method"), invite.get_filename()) == ("REQUEST", "invite.ics")
    assert invite.get_content() == "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def test_long_plain_headers_are_folded_not_encoded():
    subject = "Reminder: " + " ".join(["Huiskamer"] * 12)
    to = address("Annemarie Wilhelmina van der Zee-Oosterhout tot Nederhorst", "a@example.org")

    data = mail(Subject=subject, To=to)
    message = parsed(data)

    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    assert b"=?" not in data.split(b"\r\n\r\n")[0]
    assert str(message["Subject"]) == subject
    assert message["To"].addresses[0].display_name == (
        "Annemarie Wilhelmina van der Zee-Oosterhout tot Nederhorst"
    )


def test_a_long_message_id_is_left_whole():
    message_id = "<0123456789abcdef0123456789abcdef@jaarcongres-sociaal-werk-2023.festival>"

    message = parsed(mail(**{"Message-ID": message_id}))

    assert str(message["Message-ID"]) == message_id


def test_a_line_break_in_a_value_cannot_start_a_header():
    data = mail(Subject="Sessie\r\nBcc: everyone@example.org", To="ann@example.org")

    message = parsed(data)

    assert message["Bcc"] is None
    assert str(message["Subject"]) == "Sessie Bcc: everyone@example.org"


def test_without_a_calendar_the_message_is_just_the_alternatives():
    data = write_mail(
        headers=[("Subject", "Welkom")], text="t", html="<p>h</p>", calendar=None, boundary="=_x"
    )

    message = parsed(data)

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
