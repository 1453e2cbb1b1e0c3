"""Model text is untrusted: render it as Markdown with no HTML, no images and only http(s) links.

markdown-it-py parses (``html`` off), a core rule drops images (their alt text stays) and links
whose target is not http(s) (their text stays), and mdformat's renderer (with its GFM plugin, for
tables and task lists) writes the result back as Markdown for ``st.markdown``. Raw HTML comes out
escaped, as visible text. Runs on every streamed partial as well as on the final answer.
"""

from __future__ import annotations

from typing import ClassVar

import mdformat
import mdformat.plugins
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

SAFE_SCHEMES = ("http://", "https://")
PLUGIN_NAME = "council-safe-output"


def _strip_unsafe(state: StateCore) -> None:
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        kept: list[Token] = []
        open_links: list[bool] = []
        for token in block.children:
            if token.type == "image":
                alt = Token("text", "", 0)
                alt.content = f"(image: {token.content})" if token.content else "(image)"
                kept.append(alt)
            elif token.type == "link_open":
                allowed = str(token.attrGet("href") or "").lower().startswith(SAFE_SCHEMES)
                open_links.append(allowed)
                if allowed:
                    kept.append(token)
            elif token.type == "link_close":
                if open_links.pop() if open_links else True:
                    kept.append(token)
            else:
                kept.append(token)
        block.children = kept


class _SafeOutputPlugin:
    """An mdformat parser extension: html off, images and non-http(s) links removed."""

    RENDERERS: ClassVar[dict] = {}

    @staticmethod
    def update_mdit(mdit: MarkdownIt) -> None:
        mdit.options["html"] = False
        mdit.core.ruler.push("council_safe_output", _strip_unsafe)


mdformat.plugins.PARSER_EXTENSIONS[PLUGIN_NAME] = _SafeOutputPlugin


def safe_markdown(text: str) -> str:
    """Markdown that is safe to hand to ``st.markdown``."""
    if not text.strip():
        return ""
    return mdformat.text(text, extensions=("gfm", PLUGIN_NAME), options={"wrap": "keep", "number": True})
