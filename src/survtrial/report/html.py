"""HTML pages from the Jinja2 templates in ``report/templates`` (autoescaped)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("survtrial.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    """The page ``template`` (a file in report/templates) filled with ``context``."""
    return _environment().get_template(template).render(**context)
