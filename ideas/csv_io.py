"""Ideas as a CSV file for a spreadsheet: the ideas board's export and the organisation's.

One row per idea under a header of translated column names; text cells guarded against formula
injection (`motmap.spreadsheet.safe_cell`), times in the current time zone. The caller writes
the BOM (so Excel opens UTF-8) and chooses the ideas and their order.
"""

import csv

from django.utils import timezone
from django.utils.translation import gettext as _

from motmap.spreadsheet import safe_cell


def write_ideas(ideas, out):
    """Write `ideas` (with their touchpoint, its journey and stage, and the author selected)
    as CSV (comma, CRLF) to the text stream `out`."""
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Number"),
            _("Title"),
            _("Journey"),
            _("Stage"),
            _("Touchpoint"),
            _("Status"),
            _("Votes"),
            _("Comments"),
            _("What happens today"),
            _("Idea"),
            _("Habits"),
            _("Proposed by"),
            _("Submitted"),
            _("Reason"),
        ]
    )
    for idea in ideas.iterator(chunk_size=500):
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    idea.number,
                    idea.title,
                    idea.touchpoint.journey.name,
                    idea.touchpoint.stage.name,
                    idea.touchpoint.name,
                    idea.get_status_display(),
                    idea.vote_count,
                    idea.comment_count,
                    idea.today,
                    idea.proposal,
                    ", ".join(idea.habits),
                    _author(idea),
                    timezone.localtime(idea.created_at).strftime("%Y-%m-%d %H:%M"),
                    idea.decision_note,
                )
            ]
        )


def _author(idea):
    if idea.author:
        return idea.author.display_name
    return _("former member") if idea.author_left else _("anonymous")
