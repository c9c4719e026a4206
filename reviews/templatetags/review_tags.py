"""A rating trend as a small inline SVG sparkline, drawn on the server (no JS, no CDN)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()

WIDTH, HEIGHT, PAD = 96, 28, 4


def signed(value):
    return f"{value:+d}".replace("-", "−") if value else "0"


@register.simple_tag
def sparkline(values, label=""):
    """`values`: ratings -2..2, oldest first. An SVG with a text alternative; '' when empty."""
    values = [v for v in values or [] if v is not None]
    if not values:
        return ""
    text = _("ratings: %(list)s") % {"list": ", ".join(signed(v) for v in values)}
    if label:
        text = f"{label}, {text}"
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)

    def y(v):
        return PAD + (2 - v) * (HEIGHT - 2 * PAD) / 4

    points = [
        (PAD + i * step if len(values) > 1 else WIDTH / 2, y(v)) for i, v in enumerate(values)
    ]
    polyline = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in points)
    last_x, last_y = points[-1]
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{text}" xmlns="http://www.w3.org/2000/svg"><title>{text}</title>'
        '<line class="sparkline__zero" x1="0" x2="{w}" y1="{zero}" y2="{zero}"/>'
        '<polyline class="sparkline__line" points="{points}" fill="none"/>{dots}'
        '<circle class="sparkline__last" cx="{lx}" cy="{ly}" r="3"/></svg>'
        '<span class="sparkline__text" aria-hidden="true">{values}</span>',
        w=WIDTH,
        h=HEIGHT,
        text=text,
        zero=f"{y(0):.1f}",
        points=polyline,
        dots=format_html_join(
            "",
            '<circle class="sparkline__dot" cx="{}" cy="{}" r="1.8"/>',
            ((f"{x:.1f}", f"{yy:.1f}") for x, yy in points[:-1]),
        ),
        lx=f"{last_x:.1f}",
        ly=f"{last_y:.1f}",
        values=" → ".join(signed(v) for v in values),
    )
