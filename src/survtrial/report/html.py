"""HTML pages from the Jinja2 templates in ``report/templates`` (autoescaped)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
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


@dataclass(frozen=True)
class Figure:
    """A figure written as ``stem``.png and .svg, embedded in a page as inline SVG."""

    title: str
    stem: Path

    def files(self) -> list[str]:
        return [self.stem.with_suffix(".png").name, self.stem.with_suffix(".svg").name]

    def for_page(self) -> dict[str, Any]:
        png, svg = self.files()
        return {"title": self.title, "png": png, "svg": svg,
                "inline": inline_svg(self.stem.with_suffix(".svg"))}


def inline_svg(path) -> Any:
    """An SVG file's ``<svg>`` element, to embed in a page (no XML declaration or DOCTYPE), so
    the page stands alone; marked safe for the template."""
    import markupsafe

    text = Path(path).read_text(encoding="utf-8")
    return markupsafe.Markup(text[text.index("<svg") :])
