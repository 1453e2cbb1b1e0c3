"""Model text is untrusted: no HTML, no images, only http(s) links — on partials too."""

from __future__ import annotations

import re

from council.safe_markdown import safe_markdown


def test_images_are_replaced_by_their_alt_text():
    out = safe_markdown("Look ![a tracker](http://evil.example/pixel.png) here")
    assert "evil.example" not in out and "(image: a tracker)" in out and "![" not in out


def test_reference_style_images_are_removed_too():
    out = safe_markdown("![x][r]\n\n[r]: http://evil.example/y.png")
    assert "evil.example" not in out


def test_only_http_links_survive():
    out = safe_markdown("[ok](https://example.com) [mail](mailto:a@b.c) [js](javascript:alert(1)) <ftp://x.example>")
    assert "[ok](https://example.com)" in out
    assert "mailto:" not in out and "ftp://x.example>" not in out
    assert "\\[js\\](javascript:" in out  # shown as escaped text, never a link


def test_raw_html_is_escaped_not_rendered():
    out = safe_markdown('<img src="http://evil.example/x.png"><script>alert(1)</script>\n\n<b>bold?</b>')
    assert re.search(r"(?<!\\)<", out) is None  # every angle bracket is escaped: shown, never parsed
    assert "\\<script>" in out


def test_ordinary_markdown_is_kept():
    src = "# Title\n\n**bold** and `code`\n\n1. one\n2. two\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```python\nprint(1)\n```\n"
    out = safe_markdown(src)
    for piece in ("# Title", "**bold**", "`code`", "1. one", "2. two", "| a", "```python", "print(1)"):
        assert piece in out


def test_partials_while_streaming_are_safe():
    text = "Here ![x](http://evil.example/p.png) and more"
    for end in range(1, len(text) + 1):
        out = safe_markdown(text[:end])
        assert "](http://evil" not in out or "![" not in out


def test_empty_text():
    assert safe_markdown("   ") == ""
