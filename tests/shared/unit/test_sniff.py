import io
import zipfile

from shared.storage import DOCX, PDF, PNG, TEXT, XLSX, matches, sniff


def office_file(inner: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(inner, "<x/>")
    return buffer.getvalue()


def test_sniffs_common_attachment_types_from_their_bytes() -> None:
    assert sniff(b"%PDF-1.7\n...") == PDF
    assert sniff(b"\x89PNG\r\n\x1a\n\x00\x00") == PNG
    docx = office_file("word/document.xml")
    assert sniff(docx[:8192], io.BytesIO(docx)) == DOCX
    xlsx = office_file("xl/workbook.xml")
    assert sniff(xlsx[:8192], io.BytesIO(xlsx)) == XLSX
    assert sniff(b"naam;bedrag\nCompaan;12000\n") == TEXT


def test_binary_garbage_and_a_plain_zip_are_not_accepted_types() -> None:
    assert sniff(b"\x00\x01\x02\x03binary") is None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hi")
    assert sniff(buffer.getvalue()[:8192], io.BytesIO(buffer.getvalue())) is None


def test_a_csv_is_text_but_a_pdf_claim_on_text_is_not() -> None:
    assert matches("text/csv", TEXT)
    assert not matches(PDF, TEXT)
    assert not matches(PDF, PNG)
