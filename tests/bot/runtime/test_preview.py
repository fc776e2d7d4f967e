"""``lantern preview``'s calendar: each site of a shared milestone with what it is there."""

from __future__ import annotations

from datetime import date

from bot.infra.config import WorkspaceConfig
from bot.runtime.preview import render_preview


def calendar_part(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("Cultural calendar") + 1
    return lines[start : lines.index("", start)]


def test_each_site_of_a_shared_milestone_has_its_own_line(config: WorkspaceConfig) -> None:
    """1 May 2027: Labour Day at four sites, São Paulo (language pt_BR) with its local name;
    4–5 July: Chicago's day off in lieu, Bogotá's moved holiday."""
    may = calendar_part(render_preview(config, date(2027, 5, 1), 1))
    assert may[0] == "  Sat 01 May Labour Day"
    sites = [line.strip() for line in may[1:5]]
    assert sites[0].startswith("🇵🇭 Manila · public holiday")
    assert "🇧🇷 São Paulo · public holiday · Dia do Trabalhador · explainer" in sites
    july = calendar_part(render_preview(config, date(2027, 7, 4), 2))
    assert "      🇺🇸 Chicago HQ · public holiday · off Mon 5 Jul in lieu · explainer" in july
    assert any("🇨🇴 Bogotá · public holiday · moved to this day" in line for line in july)


def test_a_company_milestone_shows_its_span_and_no_explainer(config: WorkspaceConfig) -> None:
    """Cultural Connection Week: 5 October 2026 (a Monday), five days, at every site."""
    lines = calendar_part(render_preview(config, date(2026, 10, 5), 1))
    week = lines[lines.index("  Mon 05 Oct Cultural Connection Week") + 1 :][: len(config.sites)]
    assert len(week) == len(config.sites)
    for line, site in zip(week, config.sites, strict=True):
        assert line.endswith(
            f"{site.name} · company milestone · 5 days, to Fri 09 Oct · no explainer"
        ), line
