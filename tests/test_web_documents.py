"""Documents as files on the web pages, through Flask's test client on a real instance: a Word draft and a revision
uploaded from the desk and the document's page, any version downloaded as Word by whoever may read it, the matrix as a
spreadsheet for the secretariat, and the text read in a language version, with what is stale said."""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import docx

from governance.files.docx_in import read_docx
from governance.files.matrix_xlsx import read_matrix
from tests.conftest import Gov
from tests.test_docx import DRAFT, W, _runs, _word
from tests.test_web import _HIDDEN, SEC, _audit_count, _signed_in, web  # noqa: F401  (web is a fixture)

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _text(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _upload(browser: Any, path: str, form_page: str, **fields: str) -> Any:
    data: dict[str, Any] = {"csrf_token": dict(_HIDDEN.findall(browser.get(form_page).text))["csrf_token"], **fields}
    data["file"] = (io.BytesIO(Path(path).read_bytes()), Path(path).name)
    return data


# -- the desk: a Word draft in ----------------------------------------------------------------------------------------

def test_the_desk_creates_a_document_from_a_word_file_numbered_as_read_and_keeps_the_file(network: Gov, web: Any, tmp_path: Path) -> None:
    word = _word(tmp_path / "rop.docx", *DRAFT)
    app = web("2021-03-15T10:00")
    browser = _signed_in(app, "sec@sesric.example")
    form = browser.get("/desk/new/document").text
    assert 'enctype="multipart/form-data"' in form and ".docx" in form and 'action="/desk/documents"' in form
    data = _upload(browser, str(word), "/desk/new/document", type="rop", title="Draft RoP")
    done = browser.post("/desk/documents", data=data, content_type="multipart/form-data")
    assert done.status_code == 303 and done.headers["Location"].endswith("/r/D-1")
    assert network.j("doc", "text", "D-1")["text"] == read_docx(word.read_bytes(), "rop.docx").text
    entry = network.j("audit", "D-1")["entries"][-1]
    assert entry["channel"] == "web" and entry["detail"]["original"]["file"] == "rop.docx"
    stored = network.sql("SELECT filename, size FROM document_files")
    assert stored == [("rop.docx", word.stat().st_size)]
    page = browser.get("/r/D-1").text
    # Headings stand as headings and take no number: paragraph 3 is the third paragraph, as `comment add --para 3` counts.
    assert "<h3" in page and "Membership</h3>" in page
    assert '<li id="p3" value="3"><span class="num">3</span><div class="ptext" dir="auto" lang="en">The chair serves two years.' in page


def test_a_file_the_desk_cannot_read_is_refused_in_one_sentence_and_nothing_is_created(network: Gov, web: Any, tmp_path: Path) -> None:
    app = web("2021-03-15T10:00")
    browser = _signed_in(app, "sec@sesric.example")
    before = _audit_count(network)
    pdf = _text(tmp_path, "draft.pdf", "%PDF-1.4")
    refused = browser.post("/desk/documents", data=_upload(browser, pdf, "/desk/new/document", type="rop", title="T"),
                           content_type="multipart/form-data")
    assert refused.status_code == 400 and "must be a Word file (.docx), or a .txt or .md file in UTF-8; nothing was written" in refused.text
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"not a zip at all")
    refused = browser.post("/desk/documents", data=_upload(browser, str(fake), "/desk/new/document", type="rop", title="T"),
                           content_type="multipart/form-data")
    assert refused.status_code == 400 and "fake.docx" in refused.text and "Traceback" not in refused.text
    no_token = {"type": "rop", "title": "T", "file": (io.BytesIO(b"1. One.\n"), "a.txt")}
    assert browser.post("/desk/documents", data=no_token, content_type="multipart/form-data").status_code == 400  # CSRF
    focal = _signed_in(app, "mar@mar.example")
    txt = _text(tmp_path, "a.txt", "1. One.\n")
    data = _upload(focal, txt, "/", type="rop", title="T")
    assert focal.post("/desk/documents", data=data, content_type="multipart/form-data").status_code == 403
    assert _audit_count(network) == before and network.sql("SELECT count(*) FROM documents")[0][0] == 0


# -- the document's page: a revision in, Word and the matrix out ------------------------------------------------------------

def _circulated_and_closed(network: Gov, tmp_path: Path) -> None:
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", str(_word(tmp_path / "rop.docx", *DRAFT)),
               actor=SEC, now="2021-03-15")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-03-15")
    network.ok("comment", "add", "D-1", "--para", "3", "--text", "Renewable once?", actor="mar", now="2021-03-20")


def test_the_secretariat_uploads_a_revision_once_comments_close_and_readers_download_it_with_its_changes_tracked(
        network: Gov, web: Any, tmp_path: Path) -> None:
    _circulated_and_closed(network, tmp_path)
    revised = _word(tmp_path / "rop2.docx", *DRAFT[:5], ("", "The chair serves two years, renewable once."))
    app = web("2021-04-01T10:00")
    secretariat = _signed_in(app, "sec@sesric.example")
    # Out for comments, the text is locked: no upload offered, and a forced one is refused with the reason.
    assert 'action="/r/D-1/revise"' not in secretariat.get("/r/D-1").text
    data = _upload(secretariat, str(revised), "/r/D-1")
    locked = secretariat.post("/r/D-1/revise", data=data, content_type="multipart/form-data")
    assert locked.status_code == 409 and "out for comments" in locked.text
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-04-15")
    secretariat = _signed_in(app.at("2021-04-17T10:30"), "sec@sesric.example")  # a session lasts hours, not weeks
    page = secretariat.get("/r/D-1").text
    assert 'action="/r/D-1/revise"' in page
    done = secretariat.post("/r/D-1/revise", data=_upload(secretariat, str(revised), "/r/D-1"), content_type="multipart/form-data")
    assert done.status_code == 303
    shown = network.j("show", "D-1")
    assert shown["fields"]["current_version"] == 2 and network.j("audit", "D-1")["entries"][-1]["channel"] == "web"
    # A focal point downloads the revision: changes since the circulated version 1 tracked, by its author at its time.
    focal = _signed_in(app, "idn@idn.example")
    page = focal.get("/r/D-1").text
    assert "/r/D-1/docx?version=2" in page and "/r/D-1/docx?version=1" in page and "changes tracked" in page
    assert "/r/D-1/matrix.xlsx" not in page and 'action="/r/D-1/revise"' not in page
    before = _audit_count(network)
    answer = focal.get("/r/D-1/docx?version=2")
    assert answer.status_code == 200 and answer.mimetype == WORD
    assert answer.headers["Content-Disposition"] == 'attachment; filename="D-1-v2-en.docx"'
    assert "no-store" in answer.headers["Cache-Control"]
    body = docx.Document(io.BytesIO(answer.data)).element.body
    assert [_runs(e) for e in body.iter(f"{W}ins") if len(e)] == [", renewable once"]
    assert all(e.get(f"{W}author") == SEC for e in body.iter(f"{W}ins"))
    first = focal.get("/r/D-1/docx?version=1")
    assert first.status_code == 200 and not list(docx.Document(io.BytesIO(first.data)).element.body.iter(f"{W}ins"))
    assert _audit_count(network) == before  # downloading writes nothing
    # The matrix is the secretariat's: a focal point is refused, the secretariat gets the sheet the CLI writes.
    assert focal.get("/r/D-1/matrix.xlsx").status_code == 403
    sheet = secretariat.get("/r/D-1/matrix.xlsx")
    assert sheet.status_code == 200 and sheet.headers["Content-Disposition"] == 'attachment; filename="D-1-matrix.xlsx"'
    rows = read_matrix(sheet.data, "D-1-matrix.xlsx")
    assert rows.ref == "D-1" and [(r.number, r.member, r.paragraph, r.comment) for r in rows.rows] == [("C-1", "MAR", 3, "Renewable once?")]


def test_a_download_of_a_version_that_is_not_there_is_refused_in_one_sentence(network: Gov, web: Any, tmp_path: Path) -> None:
    network.ok("doc", "create", "--type", "rop", "--title", "T", "--file", _text(tmp_path, "a.txt", "One.\n"), actor=SEC, now="2021-03-15")
    browser = _signed_in(web("2021-03-16T10:00"), "idn@idn.example")
    missing = browser.get("/r/D-1/docx?version=9")
    assert missing.status_code == 400 and "D-1 has no version 9 (versions 1 to 1)" in missing.text
    garbled = browser.get("/r/D-1/docx?version=two")
    assert garbled.status_code == 400 and "“two” is not a version number" in garbled.text
    no_arabic = browser.get("/r/D-1/docx?text=ar")
    assert no_arabic.status_code == 400 and "D-1 has no Arabic version of version 1" in no_arabic.text
    assert browser.get("/r/D-9/docx").status_code == 400


# -- the text in the reader's language ---------------------------------------------------------------------------------------

EN = "1. The network is a forum.\n\n2. SESRIC is its secretariat.\n"
AR = "1. الشبكة منتدى.\n\n2. مركز أنقرة هو أمانتها.\n"


def test_a_focal_point_reads_the_text_in_their_language_version_and_is_told_when_it_is_stale(network: Gov, web: Any, tmp_path: Path) -> None:
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", _text(tmp_path, "en.txt", EN), actor=SEC, now="2021-03-15")
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", _text(tmp_path, "ar.txt", AR), actor=SEC, now="2021-03-15")
    app = web("2021-03-16T10:00")
    egypt = _signed_in(app, "egy@egy.example")  # writes in Arabic
    page = egypt.get("/r/D-1").text
    assert "مركز أنقرة هو أمانتها." in page and "SESRIC is its secretariat." not in page
    assert 'lang="ar">1. الشبكة منتدى.' in page and "النص باللغة العربية للنسخة 1" in page
    assert "/r/D-1/docx?text=ar" in page  # the Arabic text as Word too
    english = egypt.get("/r/D-1?text=en").text
    assert "SESRIC is its secretariat." in english and "مركز أنقرة" not in english
    assert 'href="/r/D-1?text=ar#text"' in english  # the switch back, a plain link: no script needed
    # The French reader has no French text: English is shown, and French is marked untranslated in the switch.
    morocco = html.unescape(_signed_in(app, "mar@mar.example").get("/r/D-1").text)
    assert "SESRIC is its secretariat." in morocco and "pas encore traduit" in morocco
    assert "Il n'existe pas encore de texte en français" not in morocco  # never translated: marked, not announced
    asked = html.unescape(_signed_in(app, "sen@sen.example").get("/r/D-1?text=fr").text)
    assert "Il n'existe pas encore de texte en français de la version 1 ; le texte est affiché en anglais." in asked
    arabic_file = egypt.get("/r/D-1/docx?text=ar")
    assert arabic_file.status_code == 200 and 'filename="D-1-v1-ar.docx"' in arabic_file.headers["Content-Disposition"]
    # A revision leaves the Arabic text behind: the Arabic reader gets the current English text and is told why.
    network.ok("doc", "revise", "D-1", "--file", _text(tmp_path, "en2.txt", EN.replace("forum.", "forum of PES.")), actor=SEC,
               now="2021-03-17")
    stale = egypt.get("/r/D-1").text
    assert "The network is a forum of PES." in stale and "مركز أنقرة" not in stale
    assert "النص باللغة العربية يقابل النسخة 1 لا النسخة الحالية 2" in stale
    assert "/r/D-1/docx?text=ar" not in stale
