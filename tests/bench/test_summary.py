"""bench/summary.py: the one table of `make bench` says each figure, its reference and target,
and whether the target is met."""

import pytest

from bench import summary


@pytest.fixture(autouse=True)
def _empty_table(monkeypatch):
    monkeypatch.setattr(summary, "ROWS", [])


def test_the_table_lists_each_figure_under_its_area_with_the_verdict(capsys):
    summary.add("journey board", "board: 29.0 ms", "minimal page: 4.8 ms", "6.04x", "≤ 10x", True)
    summary.add("bulk feed", "feed: 600 ms", "one UPDATE: 226 ms", "2.65x", "≤ 2x", False)
    summary.add("bulk feed", "through the API: 605 ms", "one UPDATE: 226 ms", "2.68x")
    summary.print_table("postgresql", 2)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "the whole product in one table (postgresql, 2 CPUs)"
    board = lines.index("journey board")
    assert "board: 29.0 ms" in lines[board + 1] and lines[board + 1].endswith("met")
    feed = lines.index("bulk feed")
    assert lines[feed + 1].endswith("NOT met")
    assert lines[feed + 2].rstrip().endswith("-")  # no target: no verdict
    assert "1 of 2 targets met; not met: bulk feed" in out


def test_nothing_is_printed_without_figures(capsys):
    summary.print_table("sqlite", 2)
    assert capsys.readouterr().out == ""


def test_the_markdown_has_a_row_per_figure():
    summary.add(
        "review pack", "pack.pdf again: 50.6 ms", "made: 3342 ms", "0.015", "< 100 ms", True
    )
    summary.add("ideas", "ideas board: 30.3 ms", "minimal page: 4.6 ms", "6.64x")
    rows = summary.markdown().splitlines()
    assert rows[0].startswith("| area | figure |") and len(rows) == 4
    assert (
        rows[2]
        == "| review pack | pack.pdf again: 50.6 ms | made: 3342 ms | 0.015 | < 100 ms | met |"
    )
    assert rows[3] == "| ideas | ideas board: 30.3 ms | minimal page: 4.6 ms | 6.64x |  |  |"


def test_milliseconds_and_times_read_as_the_table_shows_them():
    assert summary.ms(0.0289) == "28.9 ms" and summary.ms(3.342) == "3342 ms"
    assert summary.times(2.654) == "2.65x" and summary.times(15.2) == "15.2x"
