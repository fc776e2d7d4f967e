"""The App Home's blocks: nothing silently left out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.home.render import HomeFigures, home_view
from bot.infra.config import WorkspaceConfig


def test_forty_sites_are_all_shown(config: WorkspaceConfig) -> None:
    template = config.sites[1]
    sites = tuple(
        replace(template, key=f"site{n:02d}", name=f"Site {n:02d}", channel=f"C0SITE{n:02d}")
        for n in range(40)
    )
    many = replace(config, sites=sites)
    figures = HomeFigures(upcoming=[], received=0, given=0, mine=[], latest=[], health=None)
    view = home_view(many, figures, datetime(2026, 6, 11, 9, 0, tzinfo=UTC))
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    shown = [n for n in range(40) if any(f"Site {n:02d}" in text for text in texts)]
    assert shown == list(range(40))
    assert all(len(text) <= 3000 for text in texts) and len(view["blocks"]) <= 100
