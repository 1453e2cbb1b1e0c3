"""The accessibility audit the browser tests run: axe-core (the engine Lighthouse uses; its ``axe.min.js``
ships in the axe-playwright-python package) against WCAG 2.1 A and AA and axe's best practices.

A serious or critical violation inside ``[data-testid="stMain"]`` — the app's own content, widgets
included — fails the test. What axe finds elsewhere (Streamlit's sidebar and toolbar) is reported, not
failed: it is written to ``test-artifacts/accessibility.txt`` for the developers to read."""

from __future__ import annotations

from pathlib import Path

from tests.processes import ROOT

RULES = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
FAILING = ("serious", "critical")
MAIN = '[data-testid="stMain"]'
REPORT = ROOT / "test-artifacts" / "accessibility.txt"

# Expanders keep their content out of the page until opened: open them all so that it is audited too.
OPEN_EXPANDERS = f"""() => {{
    for (const d of document.querySelectorAll('{MAIN} details:not([open])')) d.open = true;
}}"""


def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _lines(where: str, violations: list[dict]) -> list[str]:
    out = []
    for v in violations:
        targets = "; ".join(str(node["target"][-1])[-90:] for node in v["nodes"][:3])
        summary = (v["nodes"][0].get("failureSummary") or "").replace("\n", " ")[:240] if v["nodes"] else ""
        out.append(f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} element(s)): {v['help']} — {targets} — {summary}")
    return out


def _report(lines: list[str]) -> None:
    if lines:
        REPORT.parent.mkdir(exist_ok=True)
        with Path(REPORT).open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def audit(page, where: str) -> list[str]:
    """Run axe on the page as it is now (expanders opened); returns the failures in the app's own content."""
    page.evaluate(OPEN_EXPANDERS)
    page.wait_for_timeout(500)
    axe = _axe()
    own = axe.run(page, context={"include": [[MAIN]]}, options=RULES).response["violations"]
    everything = axe.run(page, options=RULES).response["violations"]
    own_ids = {(v["id"], str(n["target"])) for v in own for n in v["nodes"]}
    elsewhere = [{**v, "nodes": [n for n in v["nodes"] if (v["id"], str(n["target"])) not in own_ids]} for v in everything]
    _report(_lines(f"{where} (outside the app's content, reported)", [v for v in elsewhere if v["nodes"]]))
    _report(_lines(f"{where} (the app's content, minor or moderate)", [v for v in own if v["impact"] not in FAILING]))
    return _lines(where, [v for v in own if v["impact"] in FAILING])


def assert_accessible(page, where: str) -> None:
    failures = audit(page, where)
    assert not failures, "\n".join(failures)
