"""Rendering the web app's pages (Jinja2, autoescaped, strict) and reading small forms.

The page templates live beside this module, apart from the message templates in `templates/`.
Forms are read here rather than through python-multipart: they are small url-encoded bodies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from coaching.store.models import MAX_ROW_ID

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
MAX_FORM_BYTES = 16_384


class FormTooLarge(ValueError):
    pass


def make_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class Pages:
    def __init__(self, *, contact_email: str) -> None:
        self.env = make_environment()
        self.contact_email = contact_email

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("strava_data", False)  # True: the page shows Strava data, so it credits Strava
        context.setdefault("contact_email", self.contact_email)
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code)

    def problem(self, title: str, explanation: str, *, status_code: int = 400, retry_url: str | None = "/connect",
                retry_label: str = "Try again") -> HTMLResponse:
        return self.render("problem.html", status_code, title=title, explanation=explanation,
                           retry_url=retry_url, retry_label=retry_label)


async def read_form(request: Request) -> dict[str, list[str]]:
    """A url-encoded form as name -> values. Checkboxes repeat a name, so values are lists."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge("form too large")
    form: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form




def row_id(text: str) -> int | None:
    """A form's reference to one of our rows (a coach, a finding), or None if it cannot be one."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ROW_ID else None


def first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    values = form.get(name)
    return values[0] if values else default
