"""The README and docs/ point only at what a user of the repository has: no path outside it."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
# Markdown link targets and `code` spans that look like relative paths.
TARGETS = re.compile(r"\]\(([^)#\s]+)|`(\.\.?/[^`\s]+)`")


def test_no_page_points_outside_the_repository():
    outside = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        if "/work/" in text:
            outside.append(f"{page.relative_to(REPO)}: /work/")
        for match in TARGETS.finditer(text):
            target = match.group(1) or match.group(2)
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (page.parent / target).resolve()
            if resolved != REPO and REPO not in resolved.parents:
                outside.append(f"{page.relative_to(REPO)}: {target}")
    assert outside == []
