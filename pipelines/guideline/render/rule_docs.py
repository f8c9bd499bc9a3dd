"""A rule's examples as Markdown: what docs/rules.md and the SARIF rule help both show."""

from __future__ import annotations

from guideline.rules import Example, Rule


def example_markdown(label: str, rule: Rule, item: Example) -> list[str]:
    where = f" {rule.id} is reported at `{item.file}`, line {item.line}." if item.file else ""
    how = f" Imported with `guideline import {item.article}`." if item.article else ""
    out = ["", f"**{label}.** {item.note}{where}{how}"]
    for file in item.files:
        out += ["", f"`{file.path}`{file_label(file.encoding, file.link)}" + ("." if file.link else ":")]
        if not file.link:
            fence = "yaml" if file.path.endswith((".yaml", ".yml")) else "text"
            out += ["", f"```{fence}", *file.text.rstrip("\n").splitlines(), "```"]
    return out


def file_label(encoding: str, link: str) -> str:
    if link:
        return f" (a symbolic link to {link})"
    return "" if encoding == "utf-8" else f" (saved as {encoding})"
