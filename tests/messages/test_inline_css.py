from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, TemplateSyntaxError

from coaching.messages.inline_css import inline_template_source
from coaching.messages.render import Renderer, default_templates_dir

CSS = ".cell { padding: 4px; } .row-title { font-weight: bold; }"


def test_jinja_loops_between_table_rows_survive_inlining_in_place() -> None:
    source = (
        '<table class="cell">{% for x in xs %}<tr><td class="cell" width="{{ x }}%">'
        "{{ x }}{% if x > 1 %}!{% endif %}</td></tr>{% endfor %}</table>"
    )
    inlined = inline_template_source(source, CSS, "t.html.j2")
    assert "{% for x in xs %}" in inlined and "{% endfor %}" in inlined and "{% if x > 1 %}" in inlined
    rendered = Environment().from_string(inlined).render(xs=[1, 2])
    assert rendered.count('style="padding: 4px;"') == 3
    assert 'width="2%"' in rendered and "2!" in rendered and "1!" not in rendered


def test_a_jinja_statement_inside_a_tag_is_refused_at_load_time() -> None:
    with pytest.raises(TemplateSyntaxError, match="inside an HTML tag"):
        inline_template_source('<td {% if x %}class="cell"{% endif %}>x</td>', CSS, "t.html.j2")


def test_jinja_inside_the_title_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError, match="<title>"):
        inline_template_source("<html><head><title>{{ x }}</title></head><body></body></html>", CSS, "t.html.j2")


def test_a_partial_starting_with_a_bare_row_fails_loudly_instead_of_losing_its_cells() -> None:
    with pytest.raises(TemplateSyntaxError, match="dropped <tr>"):
        inline_template_source("<tr>{% for x in xs %}<td>{{ x }}</td>{% endfor %}</tr>", CSS, "t.html.j2")


def test_jinja_comments_are_dropped_before_inlining() -> None:
    assert inline_template_source('{# note #}<p class="row-title">x</p>', CSS, "t.html.j2") == (
        '<p class="row-title" style="font-weight: bold;">x</p>'
    )


def test_templates_are_found_in_a_checkout_and_in_an_installed_wheel(tmp_path: Path) -> None:
    checkout_package = tmp_path / "checkout" / "coaching"
    (tmp_path / "checkout" / "templates" / "email").mkdir(parents=True)
    (tmp_path / "checkout" / "templates" / "email" / "_style.css").write_text("")
    checkout_package.mkdir()
    assert default_templates_dir(checkout_package) == tmp_path / "checkout" / "templates"
    wheel_package = tmp_path / "site-packages" / "coaching"
    (wheel_package / "_templates" / "email").mkdir(parents=True)
    (wheel_package / "_templates" / "email" / "_style.css").write_text("")
    assert default_templates_dir(wheel_package) == wheel_package / "_templates"
    with pytest.raises(FileNotFoundError):
        default_templates_dir(tmp_path / "nowhere" / "coaching")


def test_every_email_template_in_the_repository_inlines_cleanly() -> None:
    renderer = Renderer()
    names = sorted(p.name for p in (default_templates_dir() / "email").glob("*.html.j2"))
    assert names == ["_macros.html.j2", "alert.html.j2", "base.html.j2", "coach_digest.html.j2", "plan_change.html.j2",
                     "reconnect.html.j2", "weekly_summary.html.j2"]
    for name in names:
        source, _, _ = renderer.env.loader.get_source(renderer.env, f"email/{name}")  # type: ignore[union-attr]
        assert "jinjaexpr" not in source and "<!--jinja:" not in source
