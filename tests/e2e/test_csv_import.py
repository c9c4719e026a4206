"""CSV in a real browser: a manager exports the board, uploads a file, reads the preview with
its row errors, uploads a corrected file, confirms, and finds the new touchpoints on the board.
JavaScript is off: it is all plain forms and links."""

from playwright.sync_api import expect

from tests.e2e.test_journey_map import BOB, card_titles, open_demo_board, stage_column


def csv_file(text, name="touchpoints.csv"):
    return {"name": name, "mimeType": "text/csv", "buffer": ("\ufeff" + text).encode("utf-8")}


def test_manager_imports_touchpoints_from_a_spreadsheet(new_page, screenshot):
    page = new_page(java_script_enabled=False)
    open_demo_board(page, BOB)
    board_url = page.url

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = download.value
    assert exported.suggested_filename.startswith("business-trip-touchpoints-")
    body = open(exported.path(), encoding="utf-8").read()
    assert body.startswith("\ufeffid,stage,name,channel,") and "Check-in desk" in body

    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import touchpoints from a CSV file")
    bad = "stage;name;channel;rating_current\r\nAirport;Lounge welcome;in person;7\r\n"
    page.get_by_label("CSV file").set_input_files(csv_file(bad))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="The file has errors")).to_be_visible()
    expect(page.locator(".import-row--error")).to_contain_text("“7” is not a rating")
    expect(page.get_by_role("button", name="Confirm and save")).to_have_count(0)
    screenshot(page, "csv-import-errors", full_page=True)

    good = (
        "stage;name;channel;rating_current;rating_target;contacts_per_day\r\n"
        "Airport;Lounge welcome;In person;pleases;wows;800\r\n"
        "After the trip;Thank-you email;email;0;1;1 500\r\n"
    )
    page.get_by_label("CSV file").set_input_files(csv_file(good))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible()
    expect(page.get_by_test_id("import-summary")).to_contain_text("2 new touchpoints")
    expect(page.locator(".import-row--create")).to_have_count(2)
    screenshot(page, "csv-import-preview", full_page=True)
    page.get_by_role("button", name="Confirm and save").click()

    assert page.url == board_url
    expect(page.get_by_role("status")).to_contain_text("2 touchpoints created, 0 updated.")
    expect(stage_column(page, "Airport").locator(".tp-card__title a").last).to_have_text(
        "Lounge welcome"
    )
    expect(card_titles(page).filter(has_text="Thank-you email")).to_have_count(1)
