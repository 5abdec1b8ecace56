"""Language versions kept in step: attached to the current version paragraph for paragraph, stale after a revision,
listed by `show`, and, under `[documents] languages_required`, holding back a decision until they are in step."""

from __future__ import annotations

from pathlib import Path

SEC = "sec"
FIXTURES = Path(__file__).parent / "fixtures"
EN = FIXTURES / "communique_3rd_meeting_en.txt"
AR = FIXTURES / "communique_3rd_meeting_ar.txt"


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _require_languages(network, languages: str) -> None:
    rules = network.folder / "rules" / "oic-pesnet.toml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("languages_required = []", f"languages_required = {languages}"), encoding="utf-8")


def _tabled_at_a_meeting_in_session(network, tmp_path: Path | None) -> None:
    """The communiqué before the 3rd meeting, in session with a quorum (İŞKUR, BHR, MAR present)."""
    network.ok("meeting", "create", "--kind", "general", "--title", "Third Meeting of OIC-PESNET", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--link", "https://video.example.org/m", actor=SEC, now="2021-03-10T10:00")
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T11:00")
    network.ok("approve", "M-1", actor="iskur", now="2021-03-11T09:00")
    network.ok("doc", "create", "--type", "communique", "--title", "Final communiqué", "--file", str(EN), "--meeting", "M-1",
               actor=SEC, now="2021-05-20")
    network.ok("advance", "D-1", "table", actor=SEC, now="2021-05-21")
    network.ok("advance", "M-1", "open", actor="iskur", now="2021-06-02T12:00")
    for fp in ("iskur", "bhr", "mar"):
        network.ok("attend", "M-1", actor=fp, now="2021-06-02T12:05")


def test_a_language_version_is_listed_by_show_and_goes_stale_with_a_revision(network, tmp_path):
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", _file(tmp_path, "en.txt", "Purpose.\n\nMembers.\n"),
               actor=SEC, now="2021-03-15")
    assert network.j("show", "D-1")["languages"] == [
        {"lang": "en", "version": 1, "stale": False, "working": True},
        {"lang": "ar", "version": None, "stale": True, "working": False},
        {"lang": "fr", "version": None, "stale": True, "working": False}]
    assert network.j("doc", "translate", "D-1", "--lang", "fr", "--file", _file(tmp_path, "fr.txt", "Objet.\n\nMembres.\n"),
                     actor=SEC, now="2021-03-16") == {"ref": "D-1", "lang": "fr", "version": 1, "stale": False}
    assert network.j("show", "D-1")["languages"][2] == {"lang": "fr", "version": 1, "stale": False, "working": False}
    network.ok("doc", "revise", "D-1", "--file", _file(tmp_path, "en2.txt", "Purpose of the network.\n\nMembers.\n"), actor=SEC, now="2021-03-17")
    assert network.j("show", "D-1")["languages"][2] == {"lang": "fr", "version": 1, "stale": True, "working": False}
    from governance.files.docx_in import read_docx

    exported = Path(network.j("doc", "export", "D-1", "--format", "docx", "--version", "1", "--lang", "fr", "--out", str(tmp_path))["file"])
    assert read_docx(exported.read_bytes(), exported.name).text == "Objet.\n\nMembres.\n"
    assert "the French text renders version 1" in network.refused(2, "doc", "export", "D-1", "--format", "docx", "--lang", "fr",
                                                                  "--out", str(tmp_path)).err
    entry = [e for e in network.j("audit", "D-1")["entries"] if e["trigger"] == "translate"][0]
    assert entry["detail"]["lang"] == "fr" and entry["detail"]["of_version"] == 1 and entry["detail"]["paragraphs"] == 2
    assert network.j("audit", "verify")["ok"] is True  # a language version's hash is not taken for the version's own


def test_a_language_version_must_have_as_many_paragraphs_as_the_version(network, tmp_path):
    network.ok("doc", "create", "--type", "rop", "--title", "Draft RoP", "--file", _file(tmp_path, "en.txt", "Purpose.\n\nMembers.\n"),
               actor=SEC, now="2021-03-15")
    refused = network.refused(2, "doc", "translate", "D-1", "--lang", "ar", "--file", _file(tmp_path, "ar.txt", "الغرض والأعضاء.\n"),
                              actor=SEC, now="2021-03-16")
    assert refused.err.strip() == ("gov: ar.txt has 1 numbered paragraph and version 1 of D-1 has 2; a language version must say "
                                   "the same, paragraph by paragraph.")
    assert "working language" in network.refused(2, "doc", "translate", "D-1", "--lang", "en", "--file", str(tmp_path / "en.txt"),
                                                 actor=SEC).err
    network.refused(3, "doc", "translate", "D-1", "--lang", "ar", "--file", str(tmp_path / "ar.txt"), actor="bhr")
    assert network.sql("SELECT count(*) FROM document_translations")[0][0] == 0


def test_the_rules_file_may_only_require_the_bodys_languages(network):
    _require_languages(network, '["en", "de"]')
    checked = network.refused(2, "rules", "check")
    assert "oic-pesnet.toml:" in checked.err and "documents.languages_required names 'de'" in checked.err


def test_a_missing_or_stale_language_version_holds_back_adoption_citing_the_rule(network, tmp_path):
    _require_languages(network, '["en", "ar"]')
    _tabled_at_a_meeting_in_session(network, tmp_path)
    missing = network.refused(4, "advance", "D-1", "adopt", actor="iskur", now="2021-06-03T13:00", json_out=True)
    assert ("D-1 must stand in en, ar before a decision, and the Arabic text is missing (version 1 is current; "
            "gov doc translate D-1 --lang ar --file PATH)") in missing.error["message"]
    assert missing.error["rule"].startswith("RoP Art. 7")
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", str(AR), actor=SEC, now="2021-06-03T12:30")
    assert network.j("advance", "D-1", "adopt", actor="iskur", now="2021-06-03T13:00")["state"] == "adopted"


def test_a_revision_after_translation_holds_back_the_decision_until_translated_again(network, tmp_path):
    _require_languages(network, '["ar"]')
    _tabled_at_a_meeting_in_session(network, tmp_path)
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", str(AR), actor=SEC, now="2021-06-02T13:00")
    revised = EN.read_text(encoding="utf-8").replace("in 2023", "in 2023 in Istanbul")
    # A tabled text is not locked: the secretariat folds in the session's comments.
    network.ok("doc", "revise", "D-1", "--file", _file(tmp_path, "en2.txt", revised), actor=SEC, now="2021-06-03T12:00")
    stale = network.refused(4, "advance", "D-1", "endorse", actor="iskur", now="2021-06-03T13:00")
    assert "the Arabic text renders version 1 (version 2 is current" in stale.err
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file",
               _file(tmp_path, "ar2.txt", AR.read_text(encoding="utf-8").replace("في 2023", "في 2023 في إسطنبول")), actor=SEC,
               now="2021-06-03T12:30")
    assert network.j("advance", "D-1", "endorse", actor="iskur", now="2021-06-03T13:00")["state"] == "endorsed"
    assert [(r["lang"], r["version"], r["stale"]) for r in network.j("show", "D-1")["languages"]] == [
        ("en", 2, False), ("ar", 2, False), ("fr", None, True)]


# -- letters carry the draft in the reader's language -----------------------------------------------------------------

def _circulation_letters(network, template: str = "document_circulated") -> dict[str, tuple[str, str | None, str | None]]:
    rows = network.sql("SELECT recipient, body_text, attachment_name, attachment FROM outbox WHERE template = :t ORDER BY id", t=template)
    return {recipient.split("@")[0]: (body, name, attachment) for recipient, body, name, attachment in rows}


def test_the_circulation_letter_and_the_reminder_carry_the_language_version_of_the_circulated_version(network, tmp_path):
    network.ok("doc", "create", "--type", "communique", "--title", "Draft communiqué", "--file", str(EN), actor=SEC, now="2021-05-01")
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", str(AR), actor=SEC, now="2021-05-01")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-05-01T10:00")
    letters = _circulation_letters(network)
    for arabic in ("bhr", "egy"):
        body = letters[arabic][0]
        assert "ويصلكم النص باللغة العربية، وهو النص العربي للنسخة 1" in body
        assert "[1] البيان الختامي" in body and "Recognises" not in body
    for other in ("mar", "sen", "iskur", "idn"):  # no French text: French readers get the version itself, unannounced
        body = letters[other][0]
        assert "[1] Final Communiqué" in body and "البيان الختامي" not in body and "version française" not in body
    # The reminder to the silent members carries it too (Morocco comments, and is not reminded).
    network.ok("comment", "add", "D-1", "--para", "1", "--text", "Fine.", actor="mar", now="2021-05-02")
    due = min(d["due"] for d in network.j("deadlines", now="2021-05-02")["deadlines"] if d["name"] == "comment_reminder")
    network.ok("tick", now=due)
    reminders = _circulation_letters(network, "comment_reminder")
    assert "mar" not in reminders and "[1] البيان الختامي" in reminders["egy"][0] and "[1] Final Communiqué" in reminders["sen"][0]
    assert "وهو النص العربي للنسخة 1" in reminders["bhr"][0]


def test_a_stale_language_version_is_not_carried_and_a_long_one_goes_attached_under_its_language(network, tmp_path):
    english = "\n\n".join(f"{n}. Member states exchange experience on digital employment services (item {n})." for n in range(1, 81))
    arabic = "\n\n".join(f"{n}. تتبادل الدول الأعضاء الخبرات في خدمات التوظيف الرقمية (البند {n})." for n in range(1, 81))
    network.ok("doc", "create", "--type", "action_plan", "--title", "Draft Action Plan", "--file", _file(tmp_path, "en.txt", english),
               actor=SEC, now="2021-05-01")
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", _file(tmp_path, "ar.txt", arabic), actor=SEC, now="2021-05-01")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-05-01T10:00")
    letters = _circulation_letters(network)
    body, name, attachment = letters["egy"]
    assert name == "D-1-v1-ar.txt" and attachment.startswith("[1] 1. تتبادل الدول الأعضاء") and "D-1-v1-ar.txt" in body
    body, name, attachment = letters["idn"]
    assert name == "D-1-v1.txt" and attachment.startswith("[1] 1. Member states")
    # Revised after the comments: the Arabic text renders version 1, not the version circulated now.
    network.ok("advance", "D-1", "close_comments", actor=SEC, now="2021-06-01")
    network.ok("doc", "revise", "D-1", "--file", _file(tmp_path, "en2.txt", english.replace("(item 1)", "(item 1, revised)")),
               actor=SEC, now="2021-06-02")
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-06-02T10:00")
    rows = network.sql("SELECT recipient, attachment_name, body_text FROM outbox WHERE template = 'document_circulated' "
                       "AND recipient = 'egy@egy.example' ORDER BY id")
    _, name, body = rows[-1]
    assert name == "D-1-v2.txt" and "النص العربي" not in body
