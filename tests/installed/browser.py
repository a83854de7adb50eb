"""Pages asked for as a browser asks for them: ``Accept: text/html``, cookies kept, every
stylesheet a page links fetched too, forms posted with their hidden fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import TracebackType

import aiohttp

HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
}


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("method", "get").lower(), a.get("action", "")))
        elif tag == "input" and self.forms and "name" in a:
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])


@dataclass
class Page:
    path: str
    status: int
    text: str
    forms: list[Form]

    def form(self, method: str = "post") -> Form:
        [found] = [f for f in self.forms if f.method == method]
        return found


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(
            headers=HEADERS, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )

    async def __aenter__(self) -> Browser:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.session.close()

    async def open(self, path: str, status: int = 200) -> Page:
        """GET ``path`` (redirects followed): an HTML page with ``status``, its styles found."""
        async with self.session.get(self.base + path) as r:
            return await self._page(path, r, status)

    async def submit(self, page: Page, status: int = 200, **typed: str) -> Page:
        """Post the page's form with what the user typed, as a browser does."""
        form = page.form()
        async with self.session.post(self.base + form.action, data=form.fields | typed) as r:
            return await self._page(form.action, r, status)

    async def _page(self, path: str, r: aiohttp.ClientResponse, status: int) -> Page:
        text = await r.text()
        assert (r.status, r.content_type) == (status, "text/html"), (path, r.status, text[:2000])
        assert text.lstrip().lower().startswith("<!doctype html>"), (path, text[:2000])
        parser = _Parser()
        parser.feed(text)
        for href in parser.stylesheets:
            async with self.session.get(self.base + href) as css:
                assert (css.status, css.content_type) == (200, "text/css"), (path, href)
        return Page(path, r.status, text, parser.forms)
