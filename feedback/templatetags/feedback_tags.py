"""How pages show customers' answers: the short "customers say" line beside a team's rating,
and the touchpoint page's chart of the weeks of a period. Drawn on the server (no script); each
figure is also said in words, so the chart is never the only cue."""

from django import template
from django.conf import settings
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from touchpoints.models import RATING_SYMBOLS
from touchpoints.templatetags.touchpoint_tags import signed

register = template.Library()

CHART_BAR, CHART_GAP, CHART_LEFT, CHART_H, CHART_PAD = 18, 6, 30, 120, 8


@register.filter
def percent(share):
    """0.724 -> "72%"; "—" for None."""
    return "—" if share is None else f"{round(share * 100)}%"


@register.filter
def mean_text(mean):
    """A mean on -2..+2 with one decimal and its sign: "+0.8", "−1.2", "0.0"."""
    if mean is None:
        return "—"
    text = f"{abs(mean):.1f}"
    if text == "0.0":
        return text
    return ("+" if mean > 0 else "\u2212") + text


@register.simple_tag
def customers_say(summary, team_rating=None, compact=False):
    """The customers' verdict in a line: their rating (symbol and mean), the share of good
    answers and the number of answers; below FEEDBACK_MIN_ANSWERS, "too few answers". Built
    here rather than in a template: a board shows it for every moment."""
    n = summary.answers
    if n == 0:
        return format_html(
            '<span class="customers-say customers-say--none">{}</span>', _("no answers yet")
        )
    if not summary.enough:
        text = ngettext(
            "too few answers (%(n)s of %(needed)s)", "too few answers (%(n)s of %(needed)s)", n
        ) % {"n": n, "needed": settings.FEEDBACK_MIN_ANSWERS}
        return format_html('<span class="customers-say customers-say--few">{}</span>', text)
    rating = summary.rating
    interval = ""
    if not compact and summary.interval:
        low, high = summary.interval
        interval = format_html(
            ' <span class="muted">({})</span>',
            _("95%% interval %(low)s to %(high)s")
            % {"low": mean_text(low), "high": mean_text(high)},
        )
    disagree = ""
    if summary.disagrees_with(team_rating):
        disagree = format_html(' <span class="tag tag--warn">⚠ {}</span>', _("customers disagree"))
    return format_html(
        '<span class="customers-say"><span class="rating__symbol" aria-hidden="true">{}</span> '
        "{}{} · {} · {}</span>{}",
        RATING_SYMBOLS[rating] if rating is not None else "",
        mean_text(summary.mean),
        interval,
        _("%(share)s good") % {"share": percent(summary.top_two_share)},
        ngettext("%(n)s answer", "%(n)s answers", n) % {"n": n},
        disagree,
    )


def _y(value):
    return CHART_PAD + (2 - value) * (CHART_H - 2 * CHART_PAD) / 4


@register.simple_tag
def customers_chart(weeks, team_rating=None):
    """The weeks of a period as bars of the customers' mean (-2 at the bottom, +2 at the
    top, from the zero line), and the team's current rating as a dashed line."""
    if not any(week.summary.answers for week in weeks):
        return ""
    width = CHART_LEFT + len(weeks) * (CHART_BAR + CHART_GAP)
    bars = []
    for index, week in enumerate(weeks):
        summary = week.summary
        if not summary.answers:
            continue
        x = CHART_LEFT + index * (CHART_BAR + CHART_GAP) + CHART_GAP / 2
        top, bottom = sorted((_y(summary.mean), _y(0)))
        title = ngettext(
            "Week of %(day)s: %(mean)s from %(n)s answer",
            "Week of %(day)s: %(mean)s from %(n)s answers",
            summary.answers,
        ) % {
            "day": date_format(week.start, "j M"),
            "mean": mean_text(summary.mean),
            "n": summary.answers,
        }
        bars.append((f"{x:.1f}", f"{top:.1f}", CHART_BAR, f"{max(bottom - top, 1.5):.1f}", title))
    axis = format_html_join(
        "",
        '<text x="{}" y="{}" class="fb-chart__axis" font-size="10" text-anchor="end">{}</text>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#8c959f" stroke-width="{}"/>',
        (
            (
                CHART_LEFT - 6,
                f"{_y(v) + 3:.1f}",
                signed(v),
                CHART_LEFT,
                width,
                _y(v),
                _y(v),
                "1" if v == 0 else "0.4",
            )
            for v in (2, 1, 0, -1, -2)
        ),
    )
    team = ""
    if team_rating is not None:
        team = format_html(
            '<line class="fb-chart__team" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#000" '
            'stroke-width="1.5" stroke-dasharray="5 3"/>',
            CHART_LEFT,
            width,
            f"{_y(team_rating):.1f}",
            f"{_y(team_rating):.1f}",
        )
    label = _("Customers' mean rating week by week, %(first)s to %(last)s") % {
        "first": date_format(weeks[0].start, "j M"),
        "last": date_format(weeks[-1].start, "j M Y"),
    }
    if team_rating is not None:
        label += _("; the dashed line is the team's rating (%(rating)s)") % {
            "rating": signed(team_rating)
        }
    return format_html(
        '<svg class="fb-chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="{}">{}{}{}</svg>',
        width,
        CHART_H,
        width,
        CHART_H,
        label,
        axis,
        format_html_join(
            "",
            '<rect class="fb-chart__bar" x="{}" y="{}" width="{}" height="{}" fill="#57606a">'
            "<title>{}</title></rect>",
            bars,
        ),
        team,
    )
