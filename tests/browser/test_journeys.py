"""Three journeys in real Chromium: the chair approves from a delivered letter, a focal point comments in Arabic, the
secretariat circulates a draft from the desk; each page is photographed at desktop and phone width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ENV, links_in_newest_letter, shoot

SEC = "sec"
pytestmark = pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # the stores are the other tests' business


def _sign_in(page: Any, served: Any, address: str, now: str) -> None:
    page.goto(served.url + "/sign-in")
    page.fill("#email", address)
    page.click("button[type=submit].primary")
    page.wait_for_selector(".sentence")
    url = [u for u in links_in_newest_letter(served.gov, now, address) if "/sign-in/" in u][0]
    page.goto(url)
    page.click("form.act button")
    page.wait_for_url(served.url + "/")


def test_the_chair_approves_a_convening_from_the_link_in_the_delivered_letter(network: Any, served: Any, page: Any) -> None:
    server = served("2021-03-11T10:00")
    network.ok("meeting", "create", "--kind", "general", "--title", "3rd Network Meeting", "--start", "2021-06-02T12:00",
               "--end", "2021-06-03T15:00", "--online", "--venue", "https://video.example.org/pesnet3", actor=SEC,
               now="2021-03-10T10:00", env=ENV)
    network.ok("advance", "M-1", "convene", actor=SEC, now="2021-03-10T10:00", env=ENV)
    approve = [u for u in links_in_newest_letter(network, "2021-03-10T10:05", "iskur@iskur.example") if u.endswith("/approve")][0]
    assert approve.startswith(server.url)
    page.goto(approve)
    assert page.locator("form[method=post]").count() == 1
    shoot(page, "link-approve")
    assert network.j("show", "M-1")["state"] == "planned"  # opening it did nothing
    page.fill("#reason", "Agreed.")
    page.click("button.primary")
    page.wait_for_selector(".sentence")
    assert "Approved" in page.inner_text(".sentence")
    shoot(page, "link-approved")
    assert network.j("show", "M-1")["state"] == "convened"
    invitations = [m for m in network.j("outbox")["messages"] if m["template"] == "meeting_invitation"]
    assert len(invitations) >= 6
    page.goto(approve)  # the link again: it explains, and does nothing
    assert "already" in page.inner_text(".sentence")


def test_a_focal_point_signs_in_and_comments_on_paragraph_2_in_arabic(network: Any, served: Any, page: Any, browser: Any,
                                                                       tmp_path: Path) -> None:
    draft = tmp_path / "rop.txt"
    draft.write_text("1. The OIC Public Employment Services Network is a forum of the public employment services of OIC member states.\n\n"
                     "2. SESRIC acts as the secretariat of the network.\n\n"
                     "3. The chair of the network is held by a member for two years.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "rop", "--title", "Draft Rules of Procedure", "--file", str(draft), actor=SEC,
               now="2021-04-01T10:00", env=ENV)
    arabic = tmp_path / "rop-ar.txt"
    arabic.write_text("1. شبكة خدمات التوظيف العامة لمنظمة التعاون الإسلامي منتدى لخدمات التوظيف العامة في الدول الأعضاء.\n\n"
                      "2. يتولى مركز SESRIC أمانة الشبكة.\n\n3. يتولى أحد الأعضاء رئاسة الشبكة لمدة سنتين.\n", encoding="utf-8")
    network.ok("doc", "translate", "D-1", "--lang", "ar", "--file", str(arabic), actor=SEC, now="2021-04-01T10:00", env=ENV)
    network.ok("advance", "D-1", "circulate", actor=SEC, now="2021-04-01T10:00", env=ENV)
    server = served("2021-04-02T10:00")
    _sign_in(page, server, "bhr@bhr.example", "2021-04-02T10:00")
    assert page.get_attribute("html", "dir") == "rtl"
    shoot(page, "focal-point-home-ar")
    page.click("a[href='/r/D-1']")
    assert page.get_attribute("html", "dir") == "rtl"
    assert "يتولى مركز SESRIC أمانة الشبكة." in page.inner_text("#p2")  # the Arabic version, paragraph for paragraph
    with page.expect_download() as download:
        page.click("a[href='/r/D-1/docx?text=ar']")
    assert download.value.suggested_filename == "D-1-v1-ar.docx"
    page.click("#p2 summary")
    page.fill("#text-2", "نقترح أن تذكر الفقرة الشركاء أيضًا.")
    shoot(page, "focal-point-comment-ar")
    page.click("#p2 button.primary")
    page.wait_for_selector("table")
    assert "نقترح أن تذكر الفقرة الشركاء أيضًا." in page.inner_text("table")
    shoot(page, "focal-point-document-ar")
    # The secretariat, in its own browser, sees the comment in the matrix.
    context = browser.new_context()
    desk = context.new_page()
    _sign_in(desk, server, "sec@sesric.example", "2021-04-02T10:05")
    desk.goto(server.url + "/r/D-1")
    assert "BHR" in desk.inner_text("table") and "نقترح" in desk.inner_text("table")
    shoot(desk, "secretariat-matrix")
    context.close()


def test_the_secretariat_circulates_a_draft_from_the_desk(network: Any, served: Any, page: Any, tmp_path: Path) -> None:
    draft = tmp_path / "plan.txt"
    draft.write_text("1. Hold an online focal-point meeting in 2022.\n\n2. Hold the 4th meeting in 2023.\n", encoding="utf-8")
    network.ok("doc", "create", "--type", "action_plan", "--title", "Draft Action Plan 2021-2022", "--file", str(draft),
               actor=SEC, now="2021-04-01T09:00", env=ENV)
    network.ok("action", "add", "--title", "Notify the focal point", "--owner", "EGY", "--due", "2021-04-01", actor=SEC,
               now="2021-03-20T09:00", env=ENV)
    network.ok("tick", now="2021-04-02T09:00", env=ENV)
    server = served("2021-04-02T10:00")
    _sign_in(page, server, "sec@sesric.example", "2021-04-02T10:00")
    page.goto(server.url + "/desk")
    shoot(page, "desk")
    page.click("a[href='/r/D-1']")
    page.click("a[href='/r/D-1/do/circulate']")
    shoot(page, "desk-preview-circulate")
    assert network.j("show", "D-1")["state"] == "draft"
    page.click("button.primary")
    page.wait_for_url(server.url + "/r/D-1")
    assert network.j("show", "D-1")["state"] == "circulated"
    shoot(page, "record-circulated")


def test_a_focal_point_votes_in_a_written_procedure_from_its_page_in_arabic(network: Any, served: Any, page: Any, tmp_path: Path) -> None:
    text = tmp_path / "plan.txt"
    text.write_text("1. The Action Plan 2021-2023 is revised as annexed.\n\n2. The secretariat reports on it to the 4th meeting.\n",
                    encoding="utf-8")
    network.ok("doc", "create", "--type", "action_plan", "--title", "Revised Action Plan", "--file", str(text), actor=SEC,
               now="2022-03-01T10:00", env=ENV)
    network.ok("written", "start", "D-1", "--mode", "vote", actor=SEC, now="2022-03-01T10:00", env=ENV)
    server = served("2022-03-02T10:00")
    _sign_in(page, server, "bhr@bhr.example", "2022-03-02T10:00")
    page.click("a[href='/r/W-1']")
    assert page.get_attribute("html", "dir") == "rtl"
    page.check("input[name=position][value=for]")
    page.fill("#statement", "تؤيد البحرين الخطة المنقحة.")
    shoot(page, "focal-point-written-vote-ar")
    page.click("form[action='/r/W-1/vote'] button.primary")
    page.wait_for_selector(".notice")
    assert network.j("show", "W-1", now="2022-03-02T10:00")["positions"][0]["position"] == "for"
