"""Corpus-wide data-quality expectations: a suite kept as data (guidelines/expectations.yaml), run by
great-expectations over the corpus frames (frames.py), every failure turned into an ordinary finding.

A row-level expectation gives one finding per offending row, at that row's file and line. An aggregate one (a
mean, a median, a row count, or a row-level expectation with `mostly`) gives one finding on the corpus, at the
expectation's line in the suite, with the observed value and the bound.
"""

from __future__ import annotations

import math
import os
import warnings
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from guideline.checks.frames import COLUMNS, Frames, build_frames, known_grade_keys
from guideline.corpus.project import Project
from guideline.corpus.schema import validate_document
from guideline.errors import ConfigError
from guideline.findings import Finding, Location, Severity
from guideline.rules import Rule

if TYPE_CHECKING:
    from types import ModuleType

    from guideline.checks.base import Context

SUITE_FILE = "expectations.yaml"
SUITE_SCHEMA = "expectations.schema.json"
PARAMETER_KEY = "$PARAMETER"

PARAMETERS: dict[str, str] = {
    "policy.review_interval_days": "review_interval_days from policy.yaml.",
    "policy.evidence_max_age_years": "evidence_max_age_years from policy.yaml.",
    "policy.max_strong_low_certainty_share": "max_strong_low_certainty_share from policy.yaml.",
    "grading.grade_keys": "Every grade_key that grading-schemes.yaml defines ('SCHEME VERSION: grade').",
    "grading.scheme_ids": "The grading scheme ids of grading-schemes.yaml.",
    "grading.classes": "The normalised strength classes of grading-schemes.yaml.",
    "vocabulary.concepts": "Every concept id of vocabulary.yaml.",
    "today.year": "The year of the check date (--today or GUIDELINE_TODAY).",
}

# Keyword arguments that name frame columns, checked before great-expectations is even imported.
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_COLUMN_LIST_KWARGS = ("column_list", "column_set")
_INDEX_COLUMNS = ["file", "record", "row"]
_RELATED_LIMIT = 10
_SET_SHOWN = 8

@dataclass(frozen=True)
class SuiteEntry:
    rule: Rule
    frame: str
    expectation: str
    kwargs: Mapping[str, Any]
    field: tuple[str, ...]
    hint: str | None
    line: int

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class Suite:
    file: str
    entries: tuple[SuiteEntry, ...]

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(entry.rule for entry in self.entries)


# Row-level expectations that judge each row alone.
_ROW_LOCAL = frozenset({
    "expect_column_values_to_be_between", "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set", "expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
    "expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex",
    "expect_column_values_to_match_regex_list", "expect_column_values_to_not_match_regex_list",
    "expect_column_values_to_be_of_type", "expect_column_values_to_be_in_type_list",
    "expect_column_value_lengths_to_be_between", "expect_column_value_lengths_to_equal",
    "expect_column_values_to_match_strftime_format", "expect_column_values_to_be_dateutil_parseable",
    "expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal",
    "expect_column_pair_values_to_be_in_set", "expect_multicolumn_sum_to_equal",
})
_ROW_LEVEL_MARKS = ("_values_", "_value_lengths_", "expect_column_pair_", "expect_multicolumn_", "expect_compound_")
# A window (validate --changed-since) holds every record with the same id or topic as one it checks.
_WINDOW_COLUMNS = frozenset({"record", "topic"})


def window_safe(project: Project) -> bool:
    """Whether the suite finds on a window's rows what it finds on them in the whole corpus: every row-level
    expectation judges each row alone or compares rows by id or topic, and no aggregate names rows (`mostly`).
    Aggregates without rows are reported on the suite file, which a window never reports on."""
    suite = load_suite(project)
    for entry in suite.entries if suite else ():
        mostly = entry.kwargs.get("mostly")
        if isinstance(mostly, (int, float)) and mostly < 1:
            return False
        if not any(mark in entry.expectation for mark in _ROW_LEVEL_MARKS) or entry.expectation in _ROW_LOCAL:
            continue
        if "unique" not in entry.expectation or _WINDOW_COLUMNS.isdisjoint(_domain_columns(entry.kwargs)):
            return False
    return True


def load_suite(project: Project) -> Suite | None:
    """The project's suite, checked against its schema, frames and parameters; None when there is none."""
    doc = project.data_document(SUITE_FILE)
    if doc is None:
        return None
    problems = [f for f in doc.findings if f.severity is Severity.ERROR]
    if doc.data is None or problems:
        first = problems[0] if problems else None
        raise ConfigError(f"{doc.path}:{first.line if first else 1}: the expectation suite cannot be read: "
                          f"{first.message if first else 'empty file'}", hint=first.hint if first else None)
    schema_problems = validate_document(doc, SUITE_SCHEMA)
    if schema_problems:
        first = schema_problems[0]
        raise ConfigError(f"{doc.path}:{first.line}: expectation suite: {first.message}"
                          + (f" [{first.record}]" if first.record else ""), hint=first.hint)
    entries: list[SuiteEntry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(doc.data["expectations"]):
        line = doc.position(("expectations", index))[0]

        def fail(message: str, *where: str, hint: str | None = None, _index: int = index,
                 _id: str = item["id"]) -> ConfigError:
            at = doc.position(("expectations", _index, *where))[0]
            return ConfigError(f"{doc.path}:{at}: expectation {_id}: {message}", hint=hint)

        if item["id"] in seen:
            raise fail(f"id is already used at line {seen[item['id']]}", "id", hint="give it a new EXP id")
        seen[item["id"]] = line
        columns = COLUMNS[item["frame"]]
        kwargs = item["kwargs"]
        for name, value in kwargs.items():
            named = [value] if name in _COLUMN_KWARGS else value if name in _COLUMN_LIST_KWARGS else []
            for column in named if isinstance(named, list) else [named]:
                if not isinstance(column, str) or column not in columns:
                    raise fail(f"frame '{item['frame']}' has no column {column!r}", "kwargs", name,
                               hint="columns: " + ", ".join(columns))
        for where, parameter in _parameters_in(kwargs, ("kwargs",)):
            if parameter not in PARAMETERS:
                raise fail(f"unknown parameter {parameter!r}", *where, hint="parameters: " + ", ".join(PARAMETERS))
        rule = Rule(item["id"], item["title"], Severity(item["severity"]), " ".join(item["description"].split()))
        field = tuple(item["field"].split(".")) if "field" in item else ()
        entries.append(SuiteEntry(rule, item["frame"], item["expectation"], kwargs, field, item.get("hint"), line))
    return Suite(doc.path, tuple(entries))


def suite_rules(project: Project) -> tuple[Rule, ...]:
    suite = load_suite(project)
    return suite.rules if suite else ()


def _parameters_in(value: Any, where: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        if PARAMETER_KEY in value:
            yield where, value[PARAMETER_KEY]
            return
        for key, item in value.items():
            yield from _parameters_in(item, (*where, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from _parameters_in(item, where)


def parameter_values(project: Project, today: date) -> dict[str, Any]:
    policy, grading = project.policy, project.grading
    return {
        "policy.review_interval_days": policy.review_interval_days,
        "policy.evidence_max_age_years": policy.evidence_max_age_years,
        "policy.max_strong_low_certainty_share": policy.max_strong_low_certainty_share,
        "grading.grade_keys": known_grade_keys(grading),
        "grading.scheme_ids": sorted(grading.scheme_ids()),
        "grading.classes": sorted(grading.classes),
        "vocabulary.concepts": sorted(project.vocabulary.concepts),
        "today.year": today.year,
    }


def resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        if PARAMETER_KEY in value:
            return parameters[value[PARAMETER_KEY]]
        return {key: resolve(item, parameters) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, parameters) for item in value]
    return value


def _great_expectations() -> ModuleType:
    # Imported here: it takes about 2 s, which no other command should pay.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with warnings.catch_warnings():
        # Its own imports raise DeprecationWarnings (sre_constants...) that are not ours to act on.
        warnings.simplefilter("ignore")
        import great_expectations

    return great_expectations


def run_suite(suite: Suite, frames: Frames, parameters: Mapping[str, Any]) -> list[Finding]:
    """Run every expectation of the suite on its frame, in a throwaway in-memory great-expectations context."""
    if not suite.entries:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gx = _great_expectations()
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = context.data_sources.add_pandas("corpus")
        by_frame: dict[str, list[SuiteEntry]] = defaultdict(list)
        for entry in suite.entries:
            by_frame[entry.frame].append(entry)
        entries = {entry.id: entry for entry in suite.entries}
        findings: list[Finding] = []
        for frame, frame_entries in by_frame.items():
            gx_suite = gx.ExpectationSuite(name=frame)
            kwargs_of: dict[str, dict[str, Any]] = {}
            for entry in frame_entries:
                kwargs_of[entry.id] = resolve(dict(entry.kwargs), parameters)
                try:
                    gx_suite.add_expectation_configuration(ExpectationConfiguration(
                        type=entry.expectation, kwargs=kwargs_of[entry.id], meta={"rule": entry.id}))
                except Exception as exc:  # noqa: BLE001 - any rejection of an editor's entry is a config error
                    raise _entry_error(suite, entry, _describe_rejection(exc)) from None
            asset = source.add_dataframe_asset(frame)
            batch = asset.add_batch_definition_whole_dataframe(frame).get_batch(
                batch_parameters={"dataframe": frames.tables[frame]})
            result = batch.validate(gx_suite, result_format={"result_format": "COMPLETE",
                                                             "unexpected_index_column_names": _INDEX_COLUMNS})
            for outcome in result.results:
                entry = entries[outcome.expectation_config.meta["rule"]]
                error = _exception_message(outcome.exception_info)
                if error:
                    raise _entry_error(suite, entry, error)
                if not outcome.success:
                    findings.extend(_findings(suite, entry, kwargs_of[entry.id], dict(outcome.result), frames))
    return findings


def _entry_error(suite: Suite, entry: SuiteEntry, message: str) -> ConfigError:
    return ConfigError(f"{suite.file}:{entry.line}: expectation {entry.id} ({entry.expectation}): {message}",
                       hint="see docs/expectations.md for the frames, their columns and the expectation types")


def _describe_rejection(exc: BaseException) -> str:
    chain = [exc]
    while chain[-1].__cause__ is not None or chain[-1].__context__ is not None:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)  # type: ignore[arg-type]
    for link in chain:
        if type(link).__name__ == "ExpectationNotFoundError":
            return "unknown expectation type (the names are the snake-case expectation names of great-expectations)"
        errors = getattr(link, "errors", None)
        items = errors() if callable(errors) else None
        if isinstance(items, list) and items and all(isinstance(item, dict) for item in items):
            return "; ".join(f"{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg')}" for item in items)
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _exception_message(info: Any) -> str | None:
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "the expectation failed to run")
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "the expectation failed to run")
    return None


def _findings(suite: Suite, entry: SuiteEntry, kwargs: Mapping[str, Any], result: dict[str, Any],
              frames: Frames) -> list[Finding]:
    rows = result.get("unexpected_index_list")
    if isinstance(rows, list):
        located = [(_row_location(entry, frames, row), row) for row in rows if isinstance(row, dict)]
        mostly = kwargs.get("mostly")
        if isinstance(mostly, (int, float)) and mostly < 1:
            share = _plain(result.get("unexpected_percent")) or 0.0
            return [entry.rule.finding(
                Location(suite.file, entry.line, 1),
                f"{entry.rule.title}: {_fmt(share)}% of rows fail (at most {_fmt((1 - mostly) * 100)}% may)",
                hint=entry.hint, related=tuple(loc for loc, _ in located[:_RELATED_LIMIT]))]
        return list(_row_findings(entry, kwargs, located))
    observed = _plain(result.get("observed_value"))
    if observed is None:
        return []  # a mean or median over no values: nothing to measure yet
    requirement = _requirement(kwargs)
    column = kwargs.get("column")
    metric = entry.expectation.removeprefix("expect_").split("_to_")[0].replace("_", " ")
    subject = f"{metric} of {column}" if isinstance(column, str) else metric
    return [entry.rule.finding(
        Location(suite.file, entry.line, 1),
        f"{entry.rule.title}: {subject} is {_fmt(observed)}" + (f" (expected {requirement})" if requirement else ""),
        hint=entry.hint)]


def _row_findings(entry: SuiteEntry, kwargs: Mapping[str, Any],
                  located: list[tuple[Location, dict[str, Any]]]) -> Iterator[Finding]:
    columns = _domain_columns(kwargs)
    values = [tuple(_plain(row.get(column)) for column in columns) for _, row in located]
    if "unique" in entry.expectation:
        groups: dict[tuple[Any, ...], list[Location]] = defaultdict(list)
        for (location, _), value in zip(located, values):
            groups[value].append(location)
        for (location, _), value in zip(located, values):
            others = tuple(other for other in groups[value][:_RELATED_LIMIT + 1] if other != location)[:_RELATED_LIMIT]
            yield entry.rule.finding(location, f"{entry.rule.title}: {_describe(columns, value)} appears "
                                               f"{len(groups[value])} times", hint=entry.hint, related=others,
                                     key=repr(value))
        return
    requirement = "" if "null" in entry.expectation else _requirement(kwargs)
    for (location, _), value in zip(located, values):
        described = (f"{columns[0]} is missing" if "not_be_null" in entry.expectation and len(columns) == 1
                     else _describe(columns, value))
        yield entry.rule.finding(location, f"{entry.rule.title}: {described}"
                                           + (f" (expected {requirement})" if requirement else ""),
                                 hint=entry.hint, key=repr(value))


def _row_location(entry: SuiteEntry, frames: Frames, row: dict[str, Any]) -> Location:
    record = _plain(row.get("record"))
    record_id = str(record) if record is not None else None
    index = _plain(row.get("row"))
    anchors = frames.anchors.get(entry.frame, [])
    if isinstance(index, int) and 0 <= index < len(anchors):
        doc, path = anchors[index]
        return doc.location((*path, *entry.field), record_id)
    return Location(str(_plain(row.get("file"))), 1, 1, record_id)


def _domain_columns(kwargs: Mapping[str, Any]) -> list[str]:
    for name in _COLUMN_LIST_KWARGS:
        if isinstance(kwargs.get(name), list):
            return [str(c) for c in kwargs[name]]
    return [str(kwargs[name]) for name in _COLUMN_KWARGS if isinstance(kwargs.get(name), str)]


def _describe(columns: list[str], value: tuple[Any, ...]) -> str:
    if len(columns) == 1:
        return f"{columns[0]} is {_fmt(value[0])}"
    return ", ".join(f"{column} {_fmt(item)}" for column, item in zip(columns, value))


def _requirement(kwargs: Mapping[str, Any]) -> str:
    if isinstance(kwargs.get("value_set"), list):
        items = kwargs["value_set"]
        shown = ", ".join(_fmt(v) for v in items[:_SET_SHOWN])
        return "one of " + shown + (f" and {len(items) - _SET_SHOWN} more" if len(items) > _SET_SHOWN else "")
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    low_word = "more than" if kwargs.get("strict_min") else "at least"
    high_word = "less than" if kwargs.get("strict_max") else "at most"
    if low is not None and high is not None:
        return f"{low_word} {_fmt(low)} and {high_word} {_fmt(high)}"
    if low is not None:
        return f"{low_word} {_fmt(low)}"
    if high is not None:
        return f"{high_word} {_fmt(high)}"
    if isinstance(kwargs.get("regex"), str):
        return f"matching {kwargs['regex']}"
    if kwargs.get("column_A") and kwargs.get("column_B"):
        relation = "at least" if kwargs.get("or_equal") else "more than"
        return f"{kwargs['column_A']} {relation} {kwargs['column_B']}"
    return ""


def _plain(value: Any) -> Any:
    """numpy scalars and NaN from great-expectations as plain Python values (None for missing)."""
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (list, tuple, dict, str)):
        try:
            value = item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    if value is not None and type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def _fmt(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return repr(str(value))


def run_check(ctx: Context) -> Iterator[Finding]:
    """The `expectations` check of the registry (checks/__init__.py)."""
    if not ctx.expectations:
        return
    suite = load_suite(ctx.project)
    if suite is None or not suite.entries:
        return
    parameters = parameter_values(ctx.project, ctx.today)
    yield from run_suite(suite, build_frames(ctx.corpus, ctx.today), parameters)

