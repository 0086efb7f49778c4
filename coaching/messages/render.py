"""Views -> RenderedMessage, through one Jinja2 environment over `templates/`.

Autoescaping is on for `*.html.j2` (a runner named `<script>` stays text) and `StrictUndefined`
makes a missing variable an error instead of an empty string in someone's inbox. Email HTML
templates get their CSS (`templates/email/_style.css`, written once) inlined when they are loaded;
Jinja's template cache then keeps the inlined, compiled template for every later message.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    select_autoescape,
)

from coaching.messages.inline_css import inline_template_source
from coaching.messages.message import PUSH_BODY_MAX_CHARS, RenderedMessage
from coaching.messages.views import AlertView, CoachDigestView, FindingView, WeeklySummaryView
from coaching.messages.views.plan_change import PlanChangeView
from coaching.messages.views.reconnect import ReconnectView

CSS_TEMPLATE = "email/_style.css"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def default_templates_dir(package_dir: Path = _PACKAGE_DIR) -> Path:
    """An installed wheel carries the templates as `coaching/_templates` (pyproject's
    force-include); an editable checkout has them at the repository root."""
    for candidate in (package_dir / "_templates", package_dir.parent / "templates"):
        if (candidate / CSS_TEMPLATE).is_file():
            return candidate
    raise FileNotFoundError(f"no templates folder in or next to {package_dir}")


class _InliningLoader(FileSystemLoader):
    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        source, filename, uptodate = super().get_source(environment, template)
        if not (template.startswith("email/") and template.endswith(".html.j2")):
            return source, filename, uptodate
        css, _, css_uptodate = super().get_source(environment, CSS_TEMPLATE)
        inlined = inline_template_source(source, css, template)

        def both_uptodate() -> bool:
            return bool(uptodate and uptodate()) and bool(css_uptodate and css_uptodate())

        return inlined, filename, both_uptodate


def make_environment(templates_dir: Path | None = None) -> Environment:
    return Environment(
        loader=_InliningLoader(str(templates_dir or default_templates_dir())),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates are read once per process. With reloading on, every `{% extends %}`,
        # `{% import %}` and `{% include %}` stat()ed its file (and the CSS) again for each of
        # 10,000 summaries.
        auto_reload=False,
    )


class Renderer:
    def __init__(self, templates_dir: Path | None = None) -> None:
        self.env = make_environment(templates_dir)
        self.env.globals["what_happened"] = self.what_happened
        # Looked up once: Jinja's own cache would still stat each file (and the CSS) per message.
        self._templates: dict[str, Template] = {}

    def template(self, name: str) -> Template:
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = self.env.get_template(name)
        return template

    def what_happened(self, finding: FindingView) -> str:
        """One line in the reader's numbers, from `templates/rules/<rule id>.txt.j2` (a plain
        string, so an HTML template escapes it like any other value)."""
        name = f"rules/{finding.rule}.txt.j2"
        template = self._templates.get(name)
        if template is None:
            try:
                template = self.env.get_template(name)
            except TemplateNotFound:  # a rule newer than the templates: its numbers, labelled
                template = self.template("rules/_generic.txt.j2")
            self._templates[name] = template
        return " ".join(template.render(f=finding).split())

    def render_alert(self, view: AlertView) -> RenderedMessage:
        return self._render(
            "alert", view, view.preferences_url, urgency="warning" if view.severity == "warning" else "info"
        )

    def render_weekly_summary(self, view: WeeklySummaryView) -> RenderedMessage:
        return self._render("weekly_summary", view, view.preferences_url)

    def render_coach_digest(self, view: CoachDigestView) -> RenderedMessage:
        return self._render("coach_digest", view, view.preferences_url, push=False)

    def render_reconnect(self, view: ReconnectView) -> RenderedMessage:
        return self._render("reconnect", view, view.preferences_url, urgency="warning")

    def render_plan_change(self, view: PlanChangeView) -> RenderedMessage:
        return self._render("plan_change", view, view.preferences_url, urgency=view.urgency)

    def _render(
        self, kind: str, view: Any, unsubscribe_url: str, *, push: bool = True, urgency: str = "info"
    ) -> RenderedMessage:
        context = {"v": view}
        text_module = self.template(f"email/{kind}.txt.j2").make_module(context)
        html = self.template(f"email/{kind}.html.j2").render(context)
        push_title = push_body = None
        if push:
            push_module = self.template(f"push/{kind}.txt.j2").make_module(context)
            push_title = _one_line(push_module.title)
            push_body = fit_push_body(str(push_module), push_module.link)
        return RenderedMessage(
            kind=kind,
            subject=_one_line(text_module.subject),
            html=html,
            text=_tidy_text(str(text_module)),
            push_title=push_title,
            push_body=push_body,
            unsubscribe_url=unsubscribe_url,
            urgency=urgency,
        )


def fit_push_body(text: str, link: str | None, limit: int = PUSH_BODY_MAX_CHARS) -> str:
    """The text, shortened at a word with an ellipsis if needed, then the link on its own line;
    the link is never cut, since a cut link is a broken one."""
    text = " ".join(text.split())
    suffix = f"\n{link}" if link else ""
    room = limit - len(suffix)
    if room < 40:
        raise ValueError(f"a {len(link or '')}-character link leaves no room in a {limit}-character push")
    if len(text) > room:
        cut = text[: room - 1]
        text = (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"
    return text + suffix


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


_BLANK_RUNS = re.compile(r"\n{3,}")


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)) + "\n"


@lru_cache(maxsize=1)
def default_renderer() -> Renderer:
    return Renderer()


def render_alert(view: AlertView) -> RenderedMessage:
    return default_renderer().render_alert(view)


def render_reconnect(view: ReconnectView) -> RenderedMessage:
    return default_renderer().render_reconnect(view)


def render_weekly_summary(view: WeeklySummaryView) -> RenderedMessage:
    return default_renderer().render_weekly_summary(view)


def render_coach_digest(view: CoachDigestView) -> RenderedMessage:
    return default_renderer().render_coach_digest(view)


def render_plan_change(view: PlanChangeView) -> RenderedMessage:
    return default_renderer().render_plan_change(view)
