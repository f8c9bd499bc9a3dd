"""Re-importing an article into files an editor has already worked on (--update).

A field is curated, and kept, when it is not listed in the record's provenance.extracted or when its value
differs from what the importer extracted (re-running the extraction on the record as it stands tells what
that was). Other fields follow the new article. The statement and citations have no such baseline: while
listed in extracted they follow the article, once an editor removes them from the list they are kept.
Records are matched by statement (exactly, then by similarity within a section), sections by title and
groups by lead, so ids an editor chose survive. New statements are appended with new ids; records whose
statement left the article are kept and reported. ruamel.yaml's round trip keeps comments, key order and
quoting of everything that did not change.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field
from typing import Any

from guideline.corpus.loader import parse_text
from guideline.corpus.yaml_scalars import needs_quotes
from guideline.errors import UsageError
from guideline.importer.extract import Extraction, Extractor, StatementInput
from guideline.importer.parse import reference_type
from guideline.importer.records import (
    RECORD_ORDER,
    REFERENCE_EXTRACTED,
    SUMMARY_SECTION,
    TOPIC_EXTRACTED,
    Draft,
    ordered,
    record_id,
    reference_id,
)

INTERPRETED = ("statement_type", "direction", "strength", "certainty", "population", "intervention", "comparator",
               "dosing", "notes")
VERBATIM = ("statement", "citations")
TOPIC_ORDER = ("id", "question", "title", "summary", "audience", "last_updated", "last_reviewed", "review_state",
               "superseded_by", "sections", "provenance")
REFERENCE_ORDER = ("id", "type", "title", "source", "year", "authors", "identifiers", "listed_as", "provenance",
                   "notes")
SIMILAR = 0.75
_RECORD_START_RE = re.compile(r"^  - id:", re.MULTILINE)


@dataclass
class Merge:
    text: str
    changes: list[str] = field(default_factory=list)


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def plain(value: Any) -> Any:
    """ruamel's commented containers and scalar subclasses as plain Python values, for comparisons."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def to_yaml(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, dict):
        return CommentedMap((k, to_yaml(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(to_yaml(v) for v in value)
    if isinstance(value, str) and needs_quotes(value):
        return DoubleQuotedScalarString(value)
    return value


def _load(text: str, display: str) -> Any:
    check = parse_text(text.encode("utf-8"), display)
    if not check.ok or not isinstance(check.data, dict):
        first = check.findings[0].message if check.findings else "not a mapping"
        raise UsageError(f"cannot update {display}: {first}", hint="fix the file, or re-import with --force")
    return _yaml().load(text)


def _dump(data: Any, original: str) -> str:
    stream = io.StringIO()
    _yaml().dump(data, stream)
    text = stream.getvalue()
    starts = list(_RECORD_START_RE.finditer(original))
    spaced = sum(1 for m in starts[1:] if original[:m.start()].endswith("\n\n"))
    if starts[1:] and spaced * 2 >= len(starts) - 1:
        text = _space_records(text)
    return text.rstrip("\n") + "\n"


def _space_records(text: str) -> str:
    """One blank line before every record after the first of a top-level list, as in the shipped files."""
    lines = text.split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("  - id:") and out and out[-1] != "" and not out[-1].endswith(":") \
                and index > 0:
            out.append("")
        out.append(line)
    return "\n".join(out)


def _set(record: Any, key: str, value: Any, order: tuple[str, ...]) -> None:
    """Set a key, inserting a new one at its place in the record order rather than at the end."""
    if key in record:
        record[key] = to_yaml(value)
        return
    rank = order.index(key) if key in order else len(order)
    position = 0
    for index, existing in enumerate(record):
        if existing in order and order.index(existing) < rank:
            position = index + 1
    record.insert(position, key, to_yaml(value))


def _append(records: Any, record: dict[str, Any]) -> None:
    records.append(to_yaml(record))
    records.yaml_set_comment_before_after_key(len(records) - 1, before="\n")


def _extracted(record: Any) -> list[str]:
    provenance = record.get("provenance")
    value = provenance.get("extracted") if isinstance(provenance, dict) else None
    return [str(v) for v in value] if isinstance(value, list) else []


def _norm(text: Any) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", str(text or "").lower()))


def _describe(value: Any) -> str:
    text = repr(plain(value)) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class TopicMerge:
    def __init__(self, draft: Draft, extractor: Extractor, display: str) -> None:
        self.draft = draft
        self.extractor = extractor
        self.display = display
        self.changes: list[str] = []
        self.moved = 0

    def note(self, what: str) -> None:
        self.changes.append(f"{self.display}: {what}")

    def run(self, text: str, citation_ids: dict[str, str]) -> Merge:
        data = _load(text, self.display)
        topic = data.get("topic")
        records: Any = data.get("recommendations")
        if not isinstance(topic, dict) or not isinstance(records, list):
            raise UsageError(f"cannot update {self.display}: it has no topic and recommendations",
                             hint="re-import with --force to replace it")
        sections, groups = self._sections(topic)
        baseline = self._baseline(topic, records)
        drafts = [self._remap(rec, sections, groups, citation_ids) for rec in self.draft.recommendations]
        pairs, added, gone = self._match(drafts, records)
        for draft, existing in pairs:
            self._merge_record(existing, draft, baseline.get(str(existing.get("id"))))
        next_number = 1 + max((int(m.group(1)) for rec in records
                               for m in [re.search(r"-(\d+)$", str(rec.get("id", "")))] if m), default=0)
        for draft in added:
            if draft.get("section") == SUMMARY_SECTION:
                new_id = record_id(self.draft.topic_id, 0)
                if any(str(rec.get("id")) == new_id for rec in records):
                    new_id = record_id(self.draft.topic_id, next_number)
                    next_number += 1
                _set(topic, "summary", new_id, TOPIC_ORDER)
            else:
                new_id = record_id(self.draft.topic_id, next_number)
                next_number += 1
            draft = {**draft, "id": new_id}
            _append(records, ordered(draft))
            self.note(f"added {new_id} (article line {draft['provenance']['line']})")
        for existing in gone:
            self.note(f"{existing.get('id')} is no longer in the article; kept (retire or delete it)")
        if self.moved:
            self.note(f"provenance line updated for {self.moved} record(s) that moved in the article")
        self._merge_topic(topic)
        return Merge(_dump(data, text), self.changes)

    def _sections(self, topic: Any) -> tuple[dict[str, str], dict[str, str]]:
        """Map the draft's section and group ids to the existing ones, adding sections and groups that are new."""
        existing = topic.get("sections")
        if not isinstance(existing, list):
            existing = []
            _set(topic, "sections", [], TOPIC_ORDER)
            existing = topic["sections"]
        by_title = {_norm(s.get("title")): s for s in existing if isinstance(s, dict)}
        used_sections = {str(s.get("id")) for s in existing if isinstance(s, dict)}
        used_groups = {str(g.get("id")) for s in existing if isinstance(s, dict)
                       for g in s.get("groups") or [] if isinstance(g, dict)}
        section_map: dict[str, str] = {}
        group_map: dict[str, str] = {}
        seen: set[str] = set()
        for section in self.draft.topic.get("sections", []):
            current = by_title.get(_norm(section["title"]))
            if current is None:
                new_id = _free(section["id"], used_sections)
                groups = []
                for group in section.get("groups", []):
                    group_map[group["id"]] = _free(group["id"], used_groups)
                    groups.append({"id": group_map[group["id"]], "lead": group["lead"]})
                entry: dict[str, Any] = {"id": new_id, "title": section["title"]}
                if groups:
                    entry["groups"] = groups
                existing.append(to_yaml(entry))
                section_map[section["id"]] = new_id
                seen.add(new_id)
                self.note(f"added section '{new_id}'")
                continue
            section_map[section["id"]] = str(current.get("id"))
            seen.add(str(current.get("id")))
            leads = {_norm(g.get("lead")): g for g in current.get("groups") or [] if isinstance(g, dict)}
            for group in section.get("groups", []):
                found = leads.get(_norm(group["lead"]))
                if found is not None:
                    group_map[group["id"]] = str(found.get("id"))
                    continue
                group_map[group["id"]] = _free(group["id"], used_groups)
                if not isinstance(current.get("groups"), list):
                    _set(current, "groups", [], ("id", "title", "groups"))
                current["groups"].append(to_yaml({"id": group_map[group["id"]], "lead": group["lead"]}))
                self.note(f"added group '{group_map[group['id']]}' to section '{current.get('id')}'")
        for section in existing:
            if isinstance(section, dict) and str(section.get("id")) not in seen:
                self.note(f"section '{section.get('id')}' is no longer in the article; kept")
        return section_map, group_map

    def _baseline(self, topic: Any, records: list[Any]) -> dict[str, Extraction]:
        """What the importer would have extracted from each record as it stands: the mark of unedited fields."""
        sections = {str(s.get("id")): s for s in topic.get("sections") or [] if isinstance(s, dict)}
        inputs: list[StatementInput] = []
        ids: list[str] = []
        for rec in records:
            if not isinstance(rec, dict) or not isinstance(rec.get("statement"), str):
                continue
            section = sections.get(str(rec.get("section")))
            lead = None
            if section is not None and rec.get("group") is not None:
                lead = next((str(g.get("lead")) for g in section.get("groups") or []
                             if isinstance(g, dict) and g.get("id") == rec.get("group")), None)
            key = (str(rec.get("section")), str(rec.get("group"))) if section is not None else None
            inputs.append(StatementInput(str(rec["statement"]), lead,
                                         str(section.get("title")) if section is not None else None, key))
            ids.append(str(rec.get("id")))
        conditions = self.extractor.topic_conditions(topic.get("title"), topic.get("question"))
        return dict(zip(ids, self.extractor.extract_all(inputs, conditions), strict=True))

    def _remap(self, draft: dict[str, Any], sections: dict[str, str], groups: dict[str, str],
               citation_ids: dict[str, str]) -> dict[str, Any]:
        out = dict(draft)
        if out.get("section") in sections:
            out["section"] = sections[out["section"]]
        if out.get("group") in groups:
            out["group"] = groups[out["group"]]
        out["citations"] = [citation_ids.get(c, c) for c in out.get("citations", [])]
        return out

    def _match(self, drafts: list[dict[str, Any]], records: list[Any]) -> tuple[
            list[tuple[dict[str, Any], Any]], list[dict[str, Any]], list[Any]]:
        free = [rec for rec in records if isinstance(rec, dict)]
        by_statement: dict[str, list[Any]] = {}
        for rec in free:
            by_statement.setdefault(_norm(rec.get("statement")), []).append(rec)
        pairs: list[tuple[dict[str, Any], Any]] = []
        unmatched: list[dict[str, Any]] = []
        taken: set[int] = set()
        for draft in drafts:
            if draft.get("section") == SUMMARY_SECTION:
                summary = next((rec for rec in free if rec.get("section") == SUMMARY_SECTION
                                and id(rec) not in taken), None)
                if summary is not None:
                    taken.add(id(summary))
                    pairs.append((draft, summary))
                    continue
            candidates = [rec for rec in by_statement.get(_norm(draft["statement"]), []) if id(rec) not in taken]
            if candidates:
                taken.add(id(candidates[0]))
                pairs.append((draft, candidates[0]))
            else:
                unmatched.append(draft)
        added: list[dict[str, Any]] = []
        for draft in unmatched:
            pool = [rec for rec in free if id(rec) not in taken and rec.get("section") == draft.get("section")]
            best, score = None, 0.0
            for rec in pool:
                matcher = difflib.SequenceMatcher(None, _norm(draft["statement"]), _norm(rec.get("statement")))
                if matcher.quick_ratio() >= SIMILAR and matcher.ratio() > score:
                    best, score = rec, matcher.ratio()
            if best is not None and score >= SIMILAR:
                taken.add(id(best))
                pairs.append((draft, best))
            else:
                added.append(draft)
        gone = [rec for rec in free if id(rec) not in taken]
        return pairs, added, gone

    def _merge_record(self, existing: Any, draft: dict[str, Any], baseline: Extraction | None) -> None:
        rec_id = existing.get("id")
        listed = _extracted(existing)
        still: list[str] = []
        for name in ("section", "group"):
            if draft.get(name) is not None and plain(existing.get(name)) != draft.get(name):
                old = existing.get(name)
                _set(existing, name, draft[name], RECORD_ORDER)
                self.note(f"{rec_id}: {name} {old} -> {draft[name]}")
        for name in VERBATIM:
            new, old = draft.get(name), plain(existing.get(name))
            if name in listed:
                still.append(name)
                if new != old:
                    _set(existing, name, new, RECORD_ORDER)
                    self.note(f"{rec_id}: {name} updated from the article")
            elif new != old:
                self.note(f"{rec_id}: kept the confirmed {name}; the article now has {_describe(new)}")
        base = baseline.fields if baseline is not None else {}
        for name in INTERPRETED:
            new, old = draft.get(name), plain(existing.get(name))
            never_filled = name not in existing and name not in listed and base.get(name) is None
            curated = not never_filled and (name not in listed or old != base.get(name))
            if curated:
                if name in listed:
                    self.note(f"{rec_id}: kept edited {name}")
                    still.append(name)
                elif new != old and new != base.get(name):
                    self.note(f"{rec_id}: kept the confirmed {name}; the article now gives {_describe(new)}")
                continue
            if new != old:
                if new is None:
                    del existing[name]
                    self.note(f"{rec_id}: {name} removed (no longer extracted)")
                else:
                    _set(existing, name, new, RECORD_ORDER)
                    self.note(f"{rec_id}: {name} {'updated' if old is not None else 'added'}: {_describe(new)}")
            if new is not None:
                still.append(name)
        provenance = existing.get("provenance")
        line = draft["provenance"]["line"]
        if not isinstance(provenance, dict):
            _set(existing, "provenance", {**draft["provenance"], "extracted": still}, RECORD_ORDER)
            return
        if plain(provenance.get("line")) != line:
            self.moved += 1
        for key in ("file", "line"):
            value = draft["provenance"]["file"] if key == "file" else line
            if plain(provenance.get(key)) != value:
                _set(provenance, key, value, ("file", "line", "method", "extracted"))
        ordered_still = [n for n in [*VERBATIM, *INTERPRETED] if n in still]
        if ordered_still != listed and (listed or ordered_still):
            if ordered_still:
                _set(provenance, "extracted", ordered_still, ("file", "line", "method", "extracted"))
            elif "extracted" in provenance:
                del provenance["extracted"]

    def _merge_topic(self, topic: Any) -> None:
        listed = _extracted(topic)
        still = []
        for name in TOPIC_EXTRACTED:
            new, old = self.draft.topic.get(name), plain(topic.get(name))
            if name in listed:
                still.append(name)
                if new is not None and new != old:
                    _set(topic, name, new, TOPIC_ORDER)
                    self.note(f"topic {name} updated: {_describe(new)}")
            elif new is not None and new != old:
                self.note(f"topic: kept the confirmed {name}; the article now has {_describe(new)}")
        provenance = topic.get("provenance")
        if isinstance(provenance, dict):
            line = self.draft.topic["provenance"]["line"]
            if plain(provenance.get("line")) != line:
                _set(provenance, "line", line, ("file", "line", "method", "extracted"))
            if still != listed and listed:
                _set(provenance, "extracted", still, ("file", "line", "method", "extracted"))


def _next_number(ids: set[str]) -> int:
    return 1 + max((int(m.group(1)) for i in ids for m in [re.search(r"-(\d+)$", i)] if m), default=0)


def _free(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    used.add(candidate)
    return candidate


def merge_references(text: str, draft: Draft, display: str) -> tuple[Merge, dict[str, str]]:
    """Merge the article's references into an existing bibliography file; also map draft ids to final ids."""
    data = _load(text, display)
    existing: Any = data.get("references")
    if not isinstance(existing, list):
        raise UsageError(f"cannot update {display}: it has no references list",
                         hint="re-import with --force to replace it")
    changes: list[str] = []
    by_key = {(_norm(r.get("title")), plain(r.get("year"))): r for r in existing if isinstance(r, dict)}
    used = {str(r.get("id")) for r in existing if isinstance(r, dict)}
    mapping: dict[str, str] = {}
    matched: set[int] = set()
    for ref in draft.references:
        current = by_key.get((_norm(ref.get("title")), ref.get("year")))
        if current is None or id(current) in matched:
            new_id = ref["id"] if ref["id"] not in used else reference_id(draft.topic_id, _next_number(used))
            used.add(new_id)
            mapping[ref["id"]] = new_id
            _append(existing, ordered({**ref, "id": new_id}, REFERENCE_ORDER))
            changes.append(f"{display}: added {new_id}")
            continue
        matched.add(id(current))
        mapping[ref["id"]] = str(current.get("id"))
        listed = _extracted(current)
        for name in REFERENCE_EXTRACTED:
            new, old = ref.get(name), plain(current.get(name))
            baseline_type = reference_type(str(current.get("listed_as", ""))) or "other"
            edited = name == "type" and old != baseline_type
            if name in listed and not edited and new is not None and new != old:
                _set(current, name, new, REFERENCE_ORDER)
                changes.append(f"{display}: {current.get('id')}: {name} updated: {_describe(new)}")
        provenance = current.get("provenance")
        if isinstance(provenance, dict) and plain(provenance.get("line")) != ref["provenance"]["line"]:
            _set(provenance, "line", ref["provenance"]["line"], ("file", "line", "method", "extracted"))
    for current in existing:
        if isinstance(current, dict) and id(current) not in matched and str(current.get("id")) not in mapping.values():
            changes.append(f"{display}: {current.get('id')} is no longer in the article; kept")
    return Merge(_dump(data, text), changes), mapping


def citation_map(draft: Draft, reference_ids: dict[str, str]) -> dict[str, str]:
    """Draft citation ids (by article number) to the ids the merged bibliography uses."""
    out = {}
    for ref in draft.references:
        out[ref["id"]] = reference_ids.get(ref["id"], ref["id"])
    return out

