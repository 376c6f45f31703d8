"""An e-mail as the relay receives it (shared.mail.message, written out as aiosmtplib writes it) and as a mail
program reads it back: headers, text and HTML, attachments, text outside ASCII, and no header across lines."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from aiosmtplib.email import flatten_message

from shared import mail

SETTINGS = mail.MailSettings(host="127.0.0.1", sender="Provincie West-Vlaanderen <no-reply@regie.test>", tls="none")
BODY = "Beste,\n\nUw aanvraag „Zorgkeuken” werd ingediend op 4 december om 14:59.\nVingerafdruk: 3f2a9c.\n"


def received(message: object) -> EmailMessage:
    raw = flatten_message(message)  # type: ignore[arg-type]  # (aiosmtplib sends its lines ending in CRLF)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_plain_message_reads_back_as_written() -> None:
    read = received(mail.message(SETTINGS, ["a@regie.test", "b@regie.test"], "Aanvraag ingediend: été — „ok”",
                                 BODY, language="fr-BE", message_id="0193abc"))
    assert read["Subject"] == "Aanvraag ingediend: été — „ok”"
    assert read["From"] == "Provincie West-Vlaanderen <no-reply@regie.test>"
    assert [a.addr_spec for a in read["To"].addresses] == ["a@regie.test", "b@regie.test"]
    assert read["Message-ID"] == "<0193abc@regie.test>" and read["Content-Language"] == "fr-BE"
    assert read.get_all("MIME-Version") == ["1.0"]
    assert read.get_content_type() == "text/plain" and read.get_content() == BODY


def test_text_and_html_are_alternatives_and_attachments_follow() -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256))
    read = received(mail.message(SETTINGS, ["a@regie.test"], "Besluit", BODY, html="<p>Beste, „Zorgkeuken”</p>",
                                 attachments=[mail.Attachment("beslissing één.pdf", pdf),
                                              mail.Attachment("bijlage.png", b"\x89PNG", "image", "png")]))
    assert read.get_content_type() == "multipart/mixed"
    body = read.get_body(("plain",))
    assert body is not None and body.get_content() == BODY
    html = read.get_body(("html",))
    assert html is not None and html.get_content().strip() == "<p>Beste, „Zorgkeuken”</p>"
    assert [part.get_content_type() for part in read.iter_parts()] == [
        "multipart/alternative", "application/pdf", "image/png"]
    attachments = list(read.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["beslissing één.pdf", "bijlage.png"]
    assert attachments[0].get_content() == pdf and attachments[1].get_content() == b"\x89PNG"
    assert read.get_all("MIME-Version") == ["1.0"]
    assert all(part["MIME-Version"] is None for part in read.walk() if part is not read)


def test_a_line_break_in_a_subject_never_makes_a_header() -> None:
    read = received(mail.message(SETTINGS, ["a@regie.test"], "Besluit\r\nBcc: iemand@elders.test", BODY))
    assert read["Bcc"] is None
    assert read["Subject"] == "Besluit Bcc: iemand@elders.test"


def test_a_sender_named_outside_ascii() -> None:
    settings = mail.MailSettings(host="127.0.0.1", sender="Région Wallonne <no-reply@regie.test>", tls="none")
    read = received(mail.message(settings, ["a@regie.test"], "Test", BODY))
    assert read["From"].addresses[0].display_name == "Région Wallonne"
    assert read["From"].addresses[0].addr_spec == "no-reply@regie.test"
