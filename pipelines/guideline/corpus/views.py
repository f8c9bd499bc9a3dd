"""What an approval covers: the content view of each record, whose hashes (materiality.py) an approval records.
The same view is built for the current records and for any past version of a topic file.

Everything `guideline publish` prints is in a view: a topic's question, title, summary, section titles and lead
lines (leads are material: "All patients require:" and "No patient should take:" say opposite things), and
with each recommendation the rendered content of every reference it cites, so that swapping a cited
reference's title or identifiers makes the approvals of the citing records stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from guideline.corpus.model import INACTIVE_STATES, Record

References = Mapping[str, Mapping[str, Any]]
# Bookkeeping of a reference that the article does not print.
_UNPRINTED_REFERENCE_FIELDS = frozenset({"id", "provenance", "notes", "review_state", "last_reviewed"})


def topic_view(topic_data: dict[str, Any], recommendations: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A topic's approved content includes which recommendations it shows: adding or removing one is material."""
    ids = sorted(str(r["id"]) for r in recommendations
                 if isinstance(r.get("id"), str) and r.get("review_state") not in INACTIVE_STATES)
    return {**topic_data, "recommendations": ids, "leads": _leads(topic_data.get("sections"))}


def _leads(sections: Any) -> dict[str, str]:
    leads: dict[str, str] = {}
    for section in sections if isinstance(sections, list) else []:
        groups = section.get("groups") if isinstance(section, dict) else None
        for group in groups if isinstance(groups, list) else []:
            if isinstance(group, dict) and group.get("lead") is not None:
                leads[f"{section.get('id')}/{group.get('id')}"] = str(group["lead"])
    return leads


def recommendation_view(data: Mapping[str, Any], references: References) -> dict[str, Any]:
    """The recommendation with the printed content of each reference it cites."""
    cited = data.get("citations")
    ids = [c for c in cited if isinstance(c, str)] if isinstance(cited, list) else []
    if not ids:
        return dict(data)
    return {**data, "cited_references": {ref_id: reference_view(references.get(ref_id)) for ref_id in ids}}


def reference_view(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {name: value for name, value in data.items() if name not in _UNPRINTED_REFERENCE_FIELDS}


def file_views(data: Any, references: References) -> dict[str, dict[str, Any]]:
    """Content view of every record of a topic file, by id."""
    if not isinstance(data, dict):
        return {}
    recs = [r for r in data.get("recommendations") or [] if isinstance(r, dict)] \
        if isinstance(data.get("recommendations"), list) else []
    views = {str(r["id"]): recommendation_view(r, references) for r in recs if isinstance(r.get("id"), str)}
    topic = data.get("topic")
    if isinstance(topic, dict) and isinstance(topic.get("id"), str):
        views[topic["id"]] = topic_view(topic, recs)
    return views


def view_of(record: Record, recommendations: Sequence[Record], references: References) -> dict[str, Any]:
    if record.kind == "topic":
        return topic_view(record.data, (r.data for r in recommendations if r.topic == record.id))
    return recommendation_view(record.data, references)


def references_of(records: Iterable[Record]) -> dict[str, Mapping[str, Any]]:
    """Reference id -> data, for the views."""
    return {r.id: r.data for r in records if r.kind == "reference"}
