"""Makes the files of docs/exports from the test fixtures: the 3rd meeting's communiqué circulated as a draft, revised
after the members' comments, translated into Arabic and adopted, then exported as Word (the revision's changes
tracked) and as Akoma Ntoso, and the Word files rendered by LibreOffice to PDF and their first page to PNG.

Run from the repository's root: .venv/bin/python docs/exports/make.py (LibreOffice and poppler-utils installed;
they make the pictures only, and no test needs them).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIXTURES = ROOT / "tests" / "fixtures"
GOV = str(Path(sys.executable).parent / "gov")
MEMBERS = [("ISKUR", "Turkish Employment Agency (İŞKUR)", "TUR", "iskur", "Mehmet Yılmaz", "en"),
           ("BHR", "Civil Service Bureau, Kingdom of Bahrain", "BHR", "bhr", "Ahmed Al-Khalifa", "ar"),
           ("MAR", "ANAPEC, Kingdom of Morocco", "MAR", "mar", "Fatima Benali", "fr"),
           ("EGY", "Ministry of Manpower, Egypt", "EGY", "egy", "Omar Hassan", "ar"),
           ("IDN", "Ministry of Manpower, Indonesia", "IDN", "idn", "Siti Rahma", "en"),
           ("SEN", "Agence nationale pour l'emploi, Senegal", "SEN", "sen", "Awa Diop", "fr")]


def draft(final: str) -> str:
    """The communiqué as circulated before the meeting: the members' comments then added §6 (PES-CaB), IOM and WAPES
    to §10, and the online focal-point meeting to §12, and moved the 4th meeting to 2023."""
    paragraphs = final.split("\n\n")
    six = next(i for i, p in enumerate(paragraphs) if p.startswith("6. "))
    del paragraphs[six]
    text = "\n\n".join(paragraphs)
    for n in range(7, 13):
        text = text.replace(f"\n\n{n}. ", f"\n\n{n - 1}. ", 1)
    text = text.replace("the International Organization for Migration, ", "")
    text = text.replace(", the Islamic Development Bank and the World Association of Public Employment Services (WAPES),",
                        " and the Islamic Development Bank,")
    text = text.replace("to hold the Fourth Meeting of the network in 2023 and to organise an online meeting of the national focal "
                        "points in 2022 to assess", "to hold the Fourth Meeting of the network in 2022 to assess")
    assert text != final
    return text


def word(text: str, path: Path) -> Path:
    """The text as the secretariat holds it, a Word file: the title lines (before the opening formula) as headings,
    each other block a paragraph."""
    import docx

    document = docx.Document()
    blocks = text.strip().split("\n\n")
    for index, block in enumerate(blocks):
        if index == 0:
            document.add_heading(block, 0)
        elif index < 3:
            document.add_heading(block, 2)
        else:  # the text's **bold** (the Arabic operative verbs) as Word's bold, as the secretariat's file has it
            paragraph = document.add_paragraph()
            for index, piece in enumerate(block.split("**")):
                if piece:
                    paragraph.add_run(piece).bold = index % 2 == 1
    document.save(str(path))
    return path


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="communique-"))
    config = work / "instance" / "config.toml"

    def gov(now: str, *args: str, actor: str | None = "sec") -> str:
        argv = [GOV, "--config", str(config), "--now", now, *(["--as", actor] if actor else []), *args]
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout

    subprocess.run([GOV, "init", "--rehearsal", str(work / "instance")], check=True, capture_output=True)
    start = "2021-03-01T09:00"
    gov(start, "org", "add", "SESRIC", "--name", "SESRIC", "--kind", "secretariat", "--country", "TUR", actor=None)
    gov(start, "person", "add", "sec", "--name", "Ayşe Demir", "--email", "sec@sesric.example", "--org", "SESRIC", "--role",
        "secretariat", actor=None)
    for code, name, country, handle, person, lang in MEMBERS:
        gov(start, "org", "add", code, "--name", name, "--kind", "member", "--country", country)
        gov(start, "person", "add", handle, "--name", person, "--email", f"{handle}@{code.lower()}.example", "--org", code,
            "--lang", lang, "--role", "focal_point")
    gov(start, "term", "designate", "chair", "--org", "ISKUR", "--start", "2021-03-01")
    gov("2021-03-10T10:00", "meeting", "create", "--kind", "general", "--title", "Third Meeting of OIC-PESNET", "--start",
        "2021-06-02T12:00", "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/pesnet3")
    gov("2021-03-10T10:00", "advance", "M-1", "convene")
    gov("2021-03-11T09:00", "approve", "M-1", actor="iskur")

    final = (FIXTURES / "communique_3rd_meeting_en.txt").read_text(encoding="utf-8")
    arabic = (FIXTURES / "communique_3rd_meeting_ar.txt").read_text(encoding="utf-8")
    gov("2021-04-30T10:00", "doc", "create", "--type", "communique", "--title", "Final communiqué", "--file",
        str(word(draft(final), work / "draft.docx")), "--meeting", "M-1")
    gov("2021-04-30T10:00", "advance", "D-1", "circulate")
    gov("2021-05-10T10:00", "comment", "add", "D-1", "--para", "9", "--text", "Name the IOM and WAPES among the partners.", actor="bhr")
    gov("2021-05-12T10:00", "comment", "add", "D-1", "--para", "11", "--text",
        "Une réunion en ligne des points focaux en 2022, la 4e réunion en 2023.", actor="mar")
    gov("2021-05-30T17:00", "tick")  # the comment period ends: comments closed
    gov("2021-05-31T10:00", "comment", "dispose", "C-1", "--decision", "accepted")
    gov("2021-05-31T10:00", "comment", "dispose", "C-2", "--decision", "accepted")
    gov("2021-05-31T11:00", "doc", "revise", "D-1", "--file", str(word(final, work / "communique.docx")))
    gov("2021-06-01T10:00", "doc", "translate", "D-1", "--lang", "ar", "--file", str(word(arabic, work / "communique-ar.docx")))
    gov("2021-06-01T10:00", "advance", "D-1", "table")
    gov("2021-06-02T12:00", "advance", "M-1", "open", actor="iskur")
    for handle in ("iskur", "bhr", "mar", "egy"):
        gov("2021-06-02T12:05", "attend", "M-1", actor=handle)
    gov("2021-06-03T14:30", "advance", "D-1", "adopt", actor="iskur")

    out = work / "out"
    out.mkdir()
    exports = {"communique-3rd.docx": ("--format", "docx"), "communique-3rd-ar.docx": ("--format", "docx", "--lang", "ar"),
               "communique-3rd.akn.xml": ("--format", "akn")}
    for name, args in exports.items():
        gov("2021-06-04T10:00", "doc", "export", "D-1", *args, "--out", str(out / name))
        shutil.copyfile(out / name, HERE / name)
    for name in ("communique-3rd.docx", "communique-3rd-ar.docx"):
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{work}/lo", "--convert-to", "pdf", "--outdir",
                        str(out), str(out / name)], check=True, capture_output=True)
        pdf = out / name.replace(".docx", ".pdf")
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        last = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        # The first page (the header, the title, the preamble) and the last (the operative paragraphs the members'
        # comments changed, as tracked changes).
        for page in (1, last):
            stem = HERE / name.replace(".docx", f"-page{page}")
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
                           check=True)
    shutil.rmtree(work)
    print("written:", ", ".join(sorted(p.name for p in HERE.iterdir() if p.name != Path(__file__).name)))


if __name__ == "__main__":
    main()
