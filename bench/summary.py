"""The one table of `make bench` for the whole product: each table of the run adds its headline
figures here (`add`), and `print_table` prints them together at the end, each beside the
reference measured in the same run and its target, with whether the target is met.

docs/performance.md ("The benchmark table") records it, with the machine it ran on.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    area: str
    figure: str  # what is measured, and its value ("board at 200 touchpoints: 23.1 ms")
    reference: str  # what it is set beside, and its value
    ratio: str  # figure / reference, or another comparison ("12 = 12 queries")
    target: str  # "" when the figure has none (shown for comparison only)
    met: bool | None  # None when there is no target


ROWS: list[Row] = []


def add(area, figure, reference, ratio, target="", met=None):
    ROWS.append(Row(area, figure, reference, ratio, target, met))


def ms(seconds):
    """Seconds as the table shows them."""
    milliseconds = seconds * 1000
    return f"{milliseconds:.0f} ms" if milliseconds >= 100 else f"{milliseconds:.1f} ms"


def times(ratio):
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x"


def print_table(vendor, cpus):
    """The rows under their areas: figure, reference, ratio, target and whether it is met."""
    if not ROWS:
        return
    verdicts = {True: "met", False: "NOT met", None: "-"}
    columns = ("figure", "reference (same run)", "ratio", "target", "")
    cells = [(r.figure, r.reference, r.ratio, r.target or "-", verdicts[r.met]) for r in ROWS]
    widths = [max(len(str(c[i])) for c in [columns, *cells]) for i in range(len(columns))]
    line = "  " + "  ".join(f"{{:<{w}}}" for w in widths)
    print(f"the whole product in one table ({vendor}, {cpus} CPUs)")
    print(line.format(*columns).rstrip())
    print("  " + "  ".join("-" * w for w in widths))
    area = None
    for row, cell in zip(ROWS, cells, strict=True):
        if row.area != area:
            area = row.area
            print(area)
        print(line.format(*cell).rstrip())
    targets = [r for r in ROWS if r.met is not None]
    missed = [r for r in targets if r.met is False]
    print(
        f"{len(targets) - len(missed)} of {len(targets)} targets met"
        + (f"; not met: {', '.join(sorted({r.area for r in missed}))}" if missed else "")
    )
    print(
        "Each figure comes from its area's table above, in this run, beside a reference measured\n"
        "in the same run: the ratio is the figure to compare between runs and machines.\n"
    )


def markdown():
    """The table as docs/performance.md records it."""
    verdicts = {True: "met", False: "**not met**", None: ""}
    lines = [
        "| area | figure | reference (same run) | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in ROWS:
        lines.append(
            f"| {r.area} | {r.figure} | {r.reference} | {r.ratio} | {r.target or ''} | "
            f"{verdicts[r.met]} |"
        )
    return "\n".join(lines)
