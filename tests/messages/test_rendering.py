from __future__ import annotations

import html
import re

import pytest
from jinja2 import UndefinedError
from message_samples import (
    SAMPLES,
    Sample,
    alert_for,
    digest_for,
    recipient,
    summary_for,
)

from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.suggestions import CATEGORIES_BY_RULE
from coaching.messages.catalogue import RULE_IDS
from coaching.messages.render import (
    Renderer,
    default_renderer,
    default_templates_dir,
    render_alert,
    render_coach_digest,
    render_weekly_summary,
)


def _visible(markup: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_the_catalogue_names_exactly_the_domains_rules() -> None:
    assert set(RULE_IDS) == set(CATEGORIES_BY_RULE)
    assert len(RULE_IDS) == 13


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_has_its_own_sentence_template(rule: str) -> None:
    assert (default_templates_dir() / "rules" / f"{rule}.txt.j2").is_file()


def test_the_samples_cover_every_rule_and_every_severity_a_rule_can_reach() -> None:
    assert {s.finding.rule for s in SAMPLES} == set(RULE_IDS)
    assert {s.finding.severity for s in SAMPLES} == set(Severity)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_the_alert_shows_the_runners_own_numbers_in_html_text_and_push(sample: Sample) -> None:
    message = render_alert(alert_for(sample.finding))
    html_text, plain = _visible(message.html), message.text
    for shown in sample.shows:
        assert shown in html_text
        assert shown in plain
    assert sample.finding.why in html_text and sample.finding.why in plain
    for suggestion in sample.finding.suggestions:
        assert suggestion.text in html_text and suggestion.text in plain
    assert message.push_title and message.push_body
    assert len(message.push_body) <= 240
    assert message.push_body.endswith("\nhttps://coach.example/athletes/1")
    assert sample.shows[0] in message.push_body


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_the_weekly_summary_lists_every_kind_of_open_finding_with_its_numbers(sample: Sample) -> None:
    message = render_weekly_summary(summary_for(sample.finding))
    for shown in sample.shows:
        assert shown in _visible(message.html)
        assert shown in message.text
    assert len(message.push_body or "") <= 240


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_the_coach_digest_renders_every_kind_of_finding(sample: Sample) -> None:
    message = render_coach_digest(digest_for(sample.finding))
    visible = _visible(message.html)
    assert "Anna" in visible and "Ben" in visible
    if sample.finding.severity >= Severity.CAUTION:
        for shown in sample.shows:
            assert shown in visible
            assert shown in message.text
    assert message.push_title is None and message.push_body is None


@pytest.mark.parametrize("rule", RULE_IDS)
def test_a_finding_without_metrics_still_renders_its_why(rule: str) -> None:
    finding = Finding(rule, Severity.CAUTION, Evidence.C, why=f"Only the why of {rule}.", metrics={})
    for message in (
        render_alert(alert_for(finding)),
        render_weekly_summary(summary_for(finding)),
        render_coach_digest(digest_for(finding)),
    ):
        assert f"Only the why of {rule}." in message.text


def test_a_rule_the_messages_do_not_know_yet_renders_its_numbers() -> None:
    finding = Finding("new-rule", Severity.WARNING, Evidence.B, why="w", metrics={"stride_km": 1.25, "odd_pct": 12.0})
    message = render_alert(alert_for(finding))
    assert "New rule" in message.text
    assert "Stride: 1.2 km; Odd: 12%." in message.text


def test_the_alert_puts_the_most_severe_finding_first_and_merges_repeated_advice() -> None:
    info, warning = SAMPLES[3].finding, SAMPLES[0].finding  # weekly-ramp info, long-run-spike warning
    view = alert_for(info, warning)
    assert [f.rule for f in view.findings] == ["long-run-spike", "weekly-ramp"]
    texts = [s.text for s in view.suggestions]
    assert len(texts) == len(set(texts))
    assert render_alert(view).subject == "Knee check: Long-run spike (warning) and 1 more"


def test_a_runner_named_like_a_script_tag_is_escaped_in_html_but_plain_in_text() -> None:
    who = recipient(first_name="<script>alert(1)</script>")
    for message in (render_alert(alert_for(SAMPLES[0].finding, who=who)), render_weekly_summary(summary_for(who=who))):
        assert "<script>" not in message.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
        assert "<script>alert(1)</script>" in message.text


def test_a_shoe_name_with_markup_is_escaped_inside_the_rule_sentence() -> None:
    finding = Finding(
        "shoe-mileage", Severity.CAUTION, Evidence.B, why="w",
        metrics={"shoe_name": '<img src=x onerror="boom">', "shoe_km": 820.0, "reason": "mileage"},
    )
    message = render_alert(alert_for(finding))
    assert "<img" not in message.html
    assert "&lt;img src=x onerror=&#34;boom&#34;&gt; has 820.0 km" in message.html


def test_a_missing_variable_is_an_error_not_an_empty_string() -> None:
    template = default_renderer().env.get_template("email/alert.txt.j2")
    with pytest.raises(UndefinedError):
        template.render(v=object())


def test_a_feet_runner_sees_miles_and_feet() -> None:
    who = recipient(units="feet")
    alert = render_alert(alert_for(SAMPLES[0].finding, who=who))
    assert "13.1 mi" in alert.text and "6.2 mi" in alert.text  # 21.1 km and 10.0 km
    assert " km" not in alert.text.split("WHAT TO DO")[0]
    weekly = render_weekly_summary(summary_for(who=who))
    assert "26.2 mi in 5 runs" in weekly.subject
    assert "Elevation gain: 1148 ft" in weekly.text
    assert "Aim for 24–28 mi" in weekly.text  # 37.9-46.3 km is 23.5-28.8 mi, rounded inwards


def test_dates_are_shown_in_the_runners_time_zone() -> None:
    paris = render_alert(alert_for(SAMPLES[0].finding, who=recipient(tz="Europe/Paris")))
    los_angeles = render_alert(alert_for(SAMPLES[0].finding, who=recipient(tz="America/Los_Angeles")))
    # 05:30 UTC on 4 March is 06:30 in Paris and still 3 March, 21:30, in Los Angeles.
    assert "Sent Tue 4 Mar 2025, 06:30." in paris.text
    assert "Sent Mon 3 Mar 2025, 21:30." in los_angeles.text
    assert "Tuesday 4 March 2025" in paris.text  # the evaluation day is already a local day


def test_every_email_has_the_signed_preferences_link_in_both_parts() -> None:
    escaped = "https://coach.example/preferences?t=1.1767225600.c2lnbmF0dXJl&amp;a=1"
    for message in (
        render_alert(alert_for(SAMPLES[0].finding)),
        render_weekly_summary(summary_for()),
        render_coach_digest(digest_for(SAMPLES[0].finding)),
    ):
        assert f'href="{escaped}"' in message.html
        assert "https://coach.example/preferences?t=1.1767225600.c2lnbmF0dXJl&a=1" in message.text
        assert message.unsubscribe_url == "https://coach.example/preferences?t=1.1767225600.c2lnbmF0dXJl&a=1"


def test_the_check_in_links_cover_pain_scores_zero_to_ten() -> None:
    message = render_alert(alert_for(SAMPLES[0].finding))
    for score in range(11):
        assert f"https://coach.example/checkin?t=1.1767225600.Y2hlY2tpbg&amp;score={score}" in message.html
    assert "score={score}" not in message.html
    no_checkin = render_alert(alert_for(SAMPLES[0].finding, who=recipient(checkin_url_template=None)))
    assert "How is your knee today?" not in no_checkin.html


def test_the_css_is_inlined_and_no_style_element_or_external_image_is_left() -> None:
    message = render_weekly_summary(summary_for(SAMPLES[0].finding))
    assert "<style" not in message.html
    container = re.search(r'<table class="container"[^>]*style="([^"]*)"', message.html)
    assert container is not None and "max-width: 600px" in container.group(1)
    assert "<img" not in message.html
    assert "jinja" not in message.html  # every placeholder went back


def test_the_weekly_chart_is_twelve_table_bars_scaled_to_the_biggest_week() -> None:
    view = summary_for()
    assert [b.pct for b in view.chart] == [48, 59, 0, 71, 76, 67, 83, 90, 71, 95, 86, 100]
    assert [b.current for b in view.chart].index(True) == 11
    assert view.chart[0].label == "9 Dec" and view.chart[-1].label == "24 Feb"
    message = render_weekly_summary(view)
    assert message.html.count('<td class="chart-bar"') == 11  # the empty week draws no bar
    assert 'width="100%"' in message.html and 'width="48%"' in message.html


def test_the_push_body_is_cut_at_a_word_and_keeps_the_whole_link() -> None:
    long_name = "Pegasus " + "Extra " * 60
    finding = Finding("shoe-mileage", Severity.CAUTION, Evidence.B, why="w", metrics={"shoe_name": long_name, "shoe_km": 820.0})
    message = render_alert(alert_for(finding))
    assert message.push_body is not None and len(message.push_body) <= 240
    text, link = message.push_body.split("\n")
    assert text.endswith("…") and link == "https://coach.example/athletes/1"


def test_without_a_web_page_the_push_has_no_link() -> None:
    message = render_weekly_summary(summary_for(who=recipient(web_url=None)))
    assert message.push_body == "Longest 18.0 km. Next week: 38–46 km, long run up to 19.8 km. No open findings."


def test_css_is_inlined_once_per_template_not_once_per_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import coaching.messages.render as render_module

    calls: list[str] = []
    original = render_module.inline_template_source

    def counting(source: str, css: str, name: str) -> str:
        calls.append(name)
        return original(source, css, name)

    monkeypatch.setattr(render_module, "inline_template_source", counting)
    renderer = Renderer()
    for _ in range(5):
        renderer.render_alert(alert_for(SAMPLES[0].finding))
    assert sorted(calls) == ["email/_macros.html.j2", "email/alert.html.j2", "email/base.html.j2"]
