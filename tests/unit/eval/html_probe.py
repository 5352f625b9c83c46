"""A tiny HTML reader for the report tests: every start tag with its attributes, and the text."""

from __future__ import annotations

from html.parser import HTMLParser


class HtmlProbe(HTMLParser):
    """Collects ``tags`` as (name, attrs) and ``text`` chunks, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(html: str) -> HtmlProbe:
    """The parsed document."""
    probe = HtmlProbe()
    probe.feed(html)
    return probe
