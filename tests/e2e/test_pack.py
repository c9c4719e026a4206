"""The review pack in a real browser: from the board's "Print pack" to the print view and PDF.

Screenshots (and the PDF's pages as PNG) are saved under var/screenshots/ to be looked at.
"""

import io
import shutil
import subprocess

from playwright.sync_api import expect
from pypdf import PdfReader

from demo.seed import PASSWORD
from tests.demo_copy import seeded_demo
from tests.e2e.conftest import SCREENSHOTS, log_in

CAROL = "carol@nordic-air.example"


def test_staff_prints_the_pack_from_the_board(page, screenshot):
    seeded_demo()  # the journey pack is made on demand; past reviews need none
    log_in(page, CAROL, PASSWORD)
    page.goto("/o/nordic-air/")
    page.get_by_role("heading", name="Business trip").get_by_role("link").click()
    page.get_by_role("link", name="Print pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Business trip")
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # the optional script ran
    expect(page.locator(".pack-tp")).to_have_count(15)
    screenshot(page, "pack-screen", full_page=True)

    page.emulate_media(media="print")
    expect(page.locator(".pack-toolbar")).to_be_hidden()
    screenshot(page, "pack-print", full_page=True)
    printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    box = printed.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 from @page
    text = "\n".join(p.extract_text() for p in printed.pages)
    assert "Booking by phone" in text and "Invoice and expense receipt" in text

    page.emulate_media(media="screen")
    href = page.get_by_role("link", name="Download PDF").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    texts = [p.extract_text() for p in reader.pages]
    assert all(f"page {i} of {len(texts)}" in t for i, t in enumerate(texts, start=1))
    pdf_path = SCREENSHOTS / "pack-demo.pdf"
    pdf_path.write_bytes(response.body())
    if shutil.which("pdftoppm"):  # the PDF's pages as PNG, to read them as a reader would
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", str(pdf_path), str(SCREENSHOTS / "pack-demo-page")],
            check=True,
        )


def test_letter_and_a_bad_paper_value(page):
    seeded_demo()  # the journey pack is made on demand; past reviews need none
    log_in(page, CAROL, PASSWORD)
    page.goto("/o/nordic-air/")
    page.get_by_role("heading", name="Business trip").get_by_role("link").click()
    board = page.url
    page.goto(board + "pack/?paper=letter")
    page.emulate_media(media="print")
    box = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    response = page.request.get(board + "pack/?paper=A0")  # (a 400 page logs a console error)
    assert response.status == 400
    assert "Paper must be A4 or letter." in response.text()
