"""CSS inlining of Jinja *template sources*, done once when a template is loaded.

Email clients (Gmail, Outlook) drop or ignore `<style>`, so every rule must sit in a `style=""`
attribute. Inlining each rendered message would cost a full HTML parse per message; inlining the
template source once and caching the compiled template costs it once per process.

An HTML parser would mangle Jinja syntax (a `{% for %}` between `<tr>`s is text in table context
and would be moved out of the table), so every Jinja tag is swapped for a placeholder the parser
leaves alone: an HTML comment between elements, a lowercase token inside attribute values. The
placeholders are swapped back after inlining, and a missing one is a loud error, not a broken email.

Rules this imposes on email templates (checked here): Jinja *statements* (`{% %}`) go between
elements, never inside a tag; expressions (`{{ }}`) go in text or in whole attribute values; no Jinja
in `<title>`, `<style>` or `<script>`; a partial starts in body context (a `<table>`, not a bare
`<tr>`); and selectors are single classes, because a partial is inlined without its parents.
"""

from __future__ import annotations

import re
from collections import Counter

import css_inline
from jinja2 import TemplateSyntaxError

_JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
_RAW_TEXT_ELEMENT = re.compile(r"<(title|style|script|textarea)\b[^>]*>(.*?)</\1>", re.DOTALL | re.I)
_COMMENT = "<!--jinja:{}-->"
_TOKEN = "jinjaexpr{}z"


def inline_template_source(source: str, css: str, name: str) -> str:
    """Return `source` with `css` applied as inline styles; Jinja syntax kept byte for byte."""
    for match in _RAW_TEXT_ELEMENT.finditer(source):
        if _JINJA.search(match.group(2)):
            raise TemplateSyntaxError(
                f"Jinja inside <{match.group(1)}> cannot survive CSS inlining", _line(source, match.start()), name
            )
    protected, saved = _protect(source, name)
    inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False)
    if re.search(r"<html\b", protected, re.I):
        inlined = inliner.inline(protected.replace("</head>", f"<style>{css}</style></head>", 1))
    else:
        inlined = inliner.inline_fragment(protected, css)
    _check_no_element_dropped(protected, inlined, name)
    return _restore(inlined, saved, name)


def _protect(source: str, name: str) -> tuple[str, list[str]]:
    saved: list[str] = []
    out: list[str] = []
    position = 0
    for match in _JINJA.finditer(source):
        before = source[position : match.start()]
        out.append(before)
        position = match.end()
        syntax = match.group(0)
        if syntax.startswith("{#"):
            continue  # a Jinja comment renders as nothing; drop it now
        in_tag = _inside_tag("".join(out))
        if in_tag and not syntax.startswith("{{"):
            raise TemplateSyntaxError(
                "a Jinja statement inside an HTML tag cannot survive CSS inlining; "
                "move it around the element",
                _line(source, match.start()),
                name,
            )
        out.append((_TOKEN if in_tag else _COMMENT).format(len(saved)))
        saved.append(syntax)
    out.append(source[position:])
    return "".join(out), saved


def _inside_tag(text: str) -> bool:
    """True when `text` ends inside an open tag (`<a href="...`), i.e. in attribute position."""
    last_open = max(text.rfind("<"), 0)
    if text.rfind(">") > last_open or last_open + 1 >= len(text):
        return False
    return text[last_open + 1].isalpha() or text[last_open + 1] == "/"


_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)")


def _check_no_element_dropped(before: str, after: str, name: str) -> None:
    """An HTML parser silently drops what it cannot place (a `<td>` outside a table)."""
    found = Counter(tag.lower() for tag in _START_TAG.findall(after))
    for tag, count in Counter(tag.lower() for tag in _START_TAG.findall(before)).items():
        if found[tag] < count:
            raise TemplateSyntaxError(
                f"CSS inlining dropped <{tag}>: a partial must start in body context "
                "(wrap table rows in their <table>)",
                1,
                name,
            )


def _restore(inlined: str, saved: list[str], name: str) -> str:
    missing = []
    for i, syntax in enumerate(saved):
        for placeholder in (_COMMENT.format(i), _TOKEN.format(i)):
            if placeholder in inlined:
                inlined = inlined.replace(placeholder, syntax, 1)
                break
        else:
            missing.append(syntax)
    if missing:
        raise TemplateSyntaxError(
            f"CSS inlining moved or dropped Jinja syntax {missing[0]!r} (is a partial starting "
            "with a bare <tr> or <td>, or Jinja placed where HTML does not allow text?)",
            1,
            name,
        )
    return inlined


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1
