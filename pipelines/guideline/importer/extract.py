"""Structured fields from a statement's words: direction, strength, certainty, population, interventions and
doses. Every value is a proposal that an editor confirms (the record lists it in provenance.extracted).

The heuristics, in short:
- direction: 'insufficient evidence' / 'unable to recommend for or against' -> none; 'do not', 'avoid',
  'recommendation against', 'does not support' -> against, except 'do not delay/forget/withhold...', which
  is advice for; an imperative verb at the start of a clause, 'recommend', 'should', 'is an option',
  'consider', 'reserved for', 'require' -> for. A bullet with no verb of its own ('Calcium 1000-1200 mg/day',
  'Denosumab for ...') is advice for when it names an intervention or a dose, and otherwise takes the
  direction of its lead line ('Surgery is reserved for specific complications:'). A sentence that only
  describes ('Side effects are mild') has no direction.
- statement_type: recommendation when a direction was found, information otherwise.
- strength: a grading scheme's grade only when the text names the scheme (AAOS, GRADE, USPSTF, ... or its
  full name); the grade comes from an explicit label ('strong recommendation', 'grade B') or the scheme's
  wording list ('option', 'suggest'). Otherwise UNGRADED 'Not graded', with a note when the text uses
  strength words without naming a scheme.
- certainty: 'high-certainty evidence', 'low-quality evidence'..., unless negated ('paucity of high-quality').
- concepts: the longest vocabulary label or synonym (term_index) at each position; a class is dropped when
  one of its members is named too; concepts after 'compared to', 'versus', 'over' are comparators;
  concepts after 'contraindications to', 'despite', 'intolerance of' describe the population instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from guideline.corpus import terminology
from guideline.corpus.grading import Grade, GradingSchemes
from guideline.corpus.vocabulary import Vocabulary
from guideline.importer.concepts import DraftConcept
from guideline.importer.doses import DRUG_KINDS, Span, dosing

UNGRADED = ("UNGRADED", "Not graded", "not-graded")
# Statements in this layout are a line or two; a longer text is not a statement, and is read only this far.
MAX_TEXT = 4000
# The longest drug name looked up in the terminology, in words ('angiotensin receptor blocker').
TERM_WORDS = 4

_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
_IMPERATIVE_FOR = frozenset({
    "administer", "add", "adjust", "advise", "aim", "apply", "arrange", "assess", "begin", "calculate", "check",
    "choose", "combine", "confirm", "consider", "continue", "counsel", "decrease", "defer", "discuss", "document",
    "educate", "encourage", "ensure", "escalate", "evaluate", "follow", "give", "immobilise", "immobilize",
    "increase", "individualise", "individualize", "initiate", "institute", "limit", "maintain", "manage", "measure",
    "monitor", "obtain", "offer", "operate", "optimise", "optimize", "order", "perform", "prefer", "prescribe",
    "prioritise", "prioritize", "provide", "reassess", "recheck", "recommend", "reduce", "refer", "repeat",
    "restart", "resume", "review", "schedule", "screen", "select", "start", "substitute", "supplement", "switch",
    "take", "target", "test", "titrate", "treat", "use", "vaccinate", "watch"})
_IMPERATIVE_AGAINST = frozenset({"avoid", "withhold", "stop", "discontinue", "cease", "hold", "omit"})
_SKIP_ADVERBS = frozenset({"always", "then", "also", "only", "first", "next", "still", "routinely", "promptly",
                           "immediately", "strongly", "carefully", "subsequently", "preferably", "generally",
                           "and", "but", "or"})
_CLAUSE_START_RE = re.compile(r"(?:^|[,;:(—–]|\s-\s|\bthen\b)\s*")
_DOUBLE_NEGATIVE_RE = re.compile(
    r"\b(?:do\s+not|don't|never)\s+(?:\w+\s+)?(?:delay|forget|omit|miss|overlook|neglect|hesitate|withhold|stop|"
    r"interrupt|discontinue|underuse|undertreat|skip|postpone)\b")
_EPISTEMIC_RE = re.compile(r"\b(?:do\s+not|don't|never)\s+(?:assume|presume|confuse|mistake|equate|interpret|"
                           r"conclude|infer)\b")
_AGAINST_RE = re.compile(
    r"\b(?:do\s+not|don't|(?:does|did)\s+not\s+support|should\s+not|must\s+not|should\s+be\s+avoided|"
    r"(?:is|are)\s+(?:best\s+)?avoided|recommends?\s+against|recommendations?\s+(?:is\s+)?against|advis(?:es?|ed)\s+against|"
    r"not\s+(?:routinely\s+|generally\s+)?recommended|(?:is|are|remains?|be)\s+(?:\w+\s+)?contraindicated|"
    r"(?:is|are)\s+not\s+indicated|not\s+be\s+used|not\s+(?:\w+\s+)?advised|"
    r"no\s+role\s+for|refrain\s+from|discouraged?|"
    r"never\s+(?:use|give|prescribe|start|combine|administer|treat|offer|add))\b")
_NONE_RE = re.compile(
    r"\b(?:insufficient\s+(?:evidence|data)|inconclusive|(?:unable|inability)\s+to\s+recommend|"
    r"cannot\s+(?:be\s+)?recommend(?:ed)?\s+(?:for\s+or\s+against|either)|"
    r"no\s+recommendation\s+(?:can|could)\s+be\s+made|neither\s+for\s+nor\s+against|not\s+enough\s+evidence|"
    r"(?:evidence|data)\s+(?:is|are|remains?)\s+(?:too\s+)?(?:lacking|insufficient|inconclusive|limited|sparse|scarce)|"
    r"too\s+(?:limited|weak|sparse|scarce|uncertain)\s+to\s+(?:recommend|support|make)|"
    r"no\s+recommendation\s+is\s+made|unclear\s+(?:benefit|whether))\b")
_FOR_RE = re.compile(
    r"\b(?:recommend(?:s|ed)?|recommendations?\s+for|should|must|(?:is|are|remains?)\s+(?:an?\s+|the\s+)?"
    r"(?:reasonable\s+|preferred\s+|effective\s+|acceptable\s+)?(?:option|alternative|choice)|"
    r"consider(?:ed)?|suggest(?:s|ed)?|offer(?:ed)?|advised|encouraged|(?:can|may)\s+be\s+(?:used|given|offered)|"
    r"(?:strong|moderate|weak|conditional|limited)(?:[- ]strength)?\s+recommendations?)\b")
# Words that make a lead or a verbless bullet advice, but only describe when the sentence starts 'These agents...'.
_WEAK_FOR_RE = re.compile(r"\b(?:first[- ]line|cornerstone|preferred|indicated|reserved\s+for|require[sd]?|"
                          r"necessary|essential|mandatory|beneficial)\b")
_DESCRIPTIVE_RE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|shows?|showed|shown|provides?|reduces?|increases?|improves?|causes?|"
    r"occurs?|remains?|appears?|seems?|includes?|lowers?|raises?|demonstrates?|results?|leads?|carr(?:y|ies)|"
    r"offers|exists?|affects?|depends?|varies|vary|works?|acts?|prevents?|needs?)\b", re.IGNORECASE)
_MAIN_CLAUSE_RE = re.compile(r",?\s*\b(?:which|who|that)\b|[(—–;]")
_ANAPHORA_RE = re.compile(r"^\s*(?:this|these|they|it|such|both|either|the\s+latter|the\s+former)\b",
                          re.IGNORECASE)
_EXCLUDE_AFTER_RE = re.compile(
    r"^[\s-]*(?:(?:and|or)\s+[\w-]+\s+)?(?:allerg\w*|intoleran\w*|hypersensitivity|contraindicat\w*|failure|"
    r"(?:is|are|was|were|has|have)\s+(?:not\s+tolerated|failed|been\s+ineffective|contraindicated))\b",
    re.IGNORECASE)
_EXCLUDE_BEFORE_RE = re.compile(
    r"(?:contraindicat\w*(?:\s+to)?|intoleran\w*(?:\s+(?:to|of))?|allerg\w*(?:\s+to)?|despite|refractory\s+to|"
    r"failure\s+(?:of|on)|failed|history\s+of)\s+(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
_COMPARATOR_BEFORE_RE = re.compile(
    r"(?:compared\s+(?:to|with)|versus|vs\.?|over|rather\s+than|instead\s+of|than|in\s+preference\s+to)\s+"
    r"(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE)
_CERTAINTY_RE = re.compile(
    r"\b(?P<a>high|moderate|low|very[- ]low)[- ](?:certainty|quality)\b|"
    r"\bevidence\s+(?:(?:is|was|remains)\s+)?(?:of|with)\s+(?P<b>high|moderate|low|very[- ]low)\s+(?:certainty|quality)\b",
    re.IGNORECASE)
# GRADE pairs a strength with a certainty of evidence: '(strong recommendation, low-certainty evidence)'. Only
# GRADE does, so the pair names the scheme even when the text does not.
_GRADE_STYLE_RE = re.compile(r"\b(?:strong|conditional|weak)\s+recommendation\b.{0,80}?\b(?:certainty|quality)\b",
                             re.IGNORECASE)
GRADE = "GRADE"
_NEGATED_RE = re.compile(r"(?:(?:paucity|lack|absence|shortage|dearth)\s+of|\bno|\bwithout|\blimited|"
                         r"\binsufficient|\bfew)\s*$", re.IGNORECASE)
_STRENGTH_WORDS_RE = re.compile(
    r"\b(?:strong|moderate|weak|conditional|limited)(?:[- ]strength)?\s+recommendations?\b|\bis\s+an\s+option\b|"
    r"\bgrade\s+[A-D]\b", re.IGNORECASE)

_LEADING_CLAUSE_RE = re.compile(r"^(?:if|when|after|once|unless|while|in\s+case|where)\b[^,]{3,160}(?=,)",
                                re.IGNORECASE)
_PATIENTS_RE = re.compile(
    r"\b(?:in|for|among)\s+((?:(?!(?:for|in|among|with|of|to|from|and|or|the)\b)[A-Za-z][\w-]*\s+){0,4}?(?:patients|adults|children|adolescents|infants|neonates|women|"
    r"men|females|males|people|persons|individuals|those|elderly|smokers|survivors)\b"
    r"(?:\s+(?:who|with|without|at|on|aged|over|under|older|younger|receiving|taking|presenting|undergoing|"
    r"having|whose|after|before|in|of)\b(?:[^,;.()—]|\.(?=\d))*)?)", re.IGNORECASE)
# A list that goes on after a comma: 'oral intolerance, dementia, malabsorption, or non-compliance'.
_LIST_ITEM_RE = re.compile(r",\s*((?:(?:or|and)\s+)?(?:[^,;.()—\s]|\.(?=\d))+(?:\s+(?:[^,;.()—\s]|\.(?=\d))+){0,5})"
                           r"\s*(?=[,;.()—]|$)")
_TIME_RES = (
    re.compile(r"\b(?:within\s+)?\d+(?:\s*[-–]\s*\d+)?\s*(?:hours?|days?|weeks?|months?)\s+(?:of|from|after|since)\s+"
               r"(?:the\s+)?(?:symptom\s+|pain\s+)?(?:onset|diagnosis|injury|surgery|admission|presentation|"
               r"fracture|symptoms)\b", re.IGNORECASE),
    re.compile(r"\bwithin\s+\d+(?:\s*[-–]\s*\d+)?\s*(?:hours?|days?|weeks?|months?)\b", re.IGNORECASE),
)
# Populations named without 'patients': 'in pregnancy', 'in established cardiovascular disease', 'in renal impairment'.
_NAMED_POPULATION_RES = (
    re.compile(r"\b(?:in|during)\s+((?:early\s+|late\s+)?(?:pregnancy|breastfeeding|lactation|labou?r|childhood|"
               r"infancy|old\s+age|the\s+elderly)|pregnant\s+(?:women|patients|people))\b", re.IGNORECASE),
    re.compile(r"\bin\s+((?:(?!(?:the|a|an|and|or|with|of|to|for)\b)[a-z][\w-]*\s+){0,3}(?:failure|disease|impairment|"
               r"insufficiency|injury|syndrome|deficiency))\b", re.IGNORECASE),
)
_WHILE_RE = re.compile(r"\bwhile\s+((?:on|taking|receiving|using)\s+[^,;.()—]+)", re.IGNORECASE)
_WITH_USE_RE = re.compile(r"\bwith\s+((?:chronic|long[- ]term|prolonged)\s+(?:use|therapy|treatment))\b",
                          re.IGNORECASE)
_LEAD_QUALIFIER_RE = re.compile(r"^(?:for|in|among)\s+(.+?)\s*:?\s*$", re.IGNORECASE)
_PURPOSE_RE = re.compile(r"^for\s+(?:the\s+)?(?:prevention|treatment|management|prophylaxis|reduction|control|"
                         r"relief|diagnosis|secondary\s+prevention)\b", re.IGNORECASE)
_PATIENT_PREFIX_RE = re.compile(r"^(?:all\s+)?(?:patients|people|individuals|those|adults)\s+(?:with|at|on)\s+",
                                re.IGNORECASE)
# 'when colchicine is contraindicated' says who the advice is for, not that the advice is against.
_CONDITION_CONTRA_RE = re.compile(r"\b(?:when|if|where|unless|in\s+case)\b[^,;.]*?\bcontraindicated\b")
_LIST_STOP_WORDS = _IMPERATIVE_FOR | _IMPERATIVE_AGAINST | {
    "which", "who", "that", "the", "this", "these", "as", "but", "then", "although", "because", "since", "while"}


@dataclass(frozen=True)
class Context:
    """What a statement inherits from where it stands in the article."""

    lead: str | None = None
    section_title: str | None = None
    previous: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extraction:
    """Fields in record order (only those with a value) and what could not be extracted."""

    fields: dict[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def interventions(self) -> tuple[str, ...]:
        return tuple(self.fields.get("intervention", ()))


GroupKey = tuple[str | int | None, str | int | None]


@dataclass(frozen=True)
class StatementInput:
    text: str
    lead: str | None
    section_title: str | None
    # Statements with the same key follow one another under one lead: 'These agents...' refers back.
    group_key: GroupKey | None


# One character for one, so that offsets found in the mapped text hold in the original.
_MATCHABLE = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-",
                            "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def matchable(text: str) -> str:
    """Hyphen-like dashes, curly quotes and non-breaking spaces as ASCII, for the patterns below."""
    return text.translate(_MATCHABLE)


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


class Extractor:
    def __init__(self, vocabulary: Vocabulary, grading: GradingSchemes,
                 scheme_names: Mapping[str, str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.grading = grading
        self.index = vocabulary.term_index()
        self.kinds = {cid: concept.kind for cid, concept in vocabulary.concepts.items()}
        self.max_words = max((len(key.split()) for key in self.index), default=1)
        self.drafts: dict[str, DraftConcept] = {}
        self.ungraded = self._ungraded()
        self.schemes = self._scheme_patterns(scheme_names or {})

    def _ungraded(self) -> tuple[str, str | None, str, str]:
        for (scheme, version), grades in self.grading.schemes.items():
            for grade in grades.values():
                if grade.strength_class == "not-graded":
                    return scheme, version, grade.grade, grade.strength_class
        return UNGRADED[0], None, UNGRADED[1], UNGRADED[2]

    def _scheme_patterns(self, names: Mapping[str, str]) -> list[tuple[str, re.Pattern[str]]]:
        """A scheme is named by its id ('AAOS', case-sensitive) or the proper-name start of its full name."""
        patterns: list[tuple[str, re.Pattern[str]]] = []
        for scheme in dict.fromkeys(scheme for scheme, _ in self.grading.schemes):
            if scheme == self.ungraded[0]:
                continue
            patterns.append((scheme, re.compile(rf"\b{re.escape(scheme)}\b")))
            prefix = _proper_name(names.get(scheme, ""))
            if prefix:
                patterns.append((scheme, re.compile(rf"\b{re.escape(prefix)}\b", re.IGNORECASE)))
        return patterns

    # Concepts -------------------------------------------------------------------------------------------

    def concepts(self, text: str) -> list[Span]:
        tokens = [(m.group().lower(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
        monitoring = any(token.startswith("monitor") for token, _, _ in tokens)
        spans: list[Span] = []
        i = 0
        while i < len(tokens):
            if i > 0 and tokens[i - 1][0] == "non" and text[tokens[i - 1][2]:tokens[i][1]] in ("-", " "):
                i += 1
                continue
            found: tuple[str, int] | None = None
            for n in range(min(max(self.max_words, TERM_WORDS), len(tokens) - i), 0, -1):
                key = " ".join(t[0] for t in tokens[i:i + n])
                concept = self._lookup(key, monitoring) or self._term(key, text[tokens[i][1]:tokens[i + n - 1][2]])
                if concept:
                    found = (concept, n)
                    break
            if found is None:
                i += 1
                continue
            concept, n = found
            spans.append(Span(concept, self.kinds.get(concept), tokens[i][1], tokens[i + n - 1][2]))
            i += n
        return spans

    def _lookup(self, key: str, monitoring: bool) -> str | None:
        keys = [key]
        if key.endswith("ies") and len(key) > 4:
            keys.append(key[:-3] + "y")
        elif key.endswith("s") and len(key.rsplit(" ", 1)[-1]) > 3:
            keys.append(key[:-1])
        for candidate in keys:
            if candidate in self.index:
                return self.index[candidate]
            if monitoring:
                for variant in (f"{candidate} monitoring", f"monitoring for {candidate}",
                                f"monitoring of {candidate}"):
                    if variant in self.index:
                        return self.index[variant]
        return None

    def _term(self, key: str, phrase: str) -> str | None:
        """A drug the vocabulary lacks but the terminology knows becomes a draft concept (the vocabulary wins
        when it has the terminology's id)."""
        for candidate in (key, key[:-1]) if key.endswith("s") else (key,):
            entry = terminology.lookup(candidate)
            if entry is None:
                continue
            if entry.id in self.vocabulary:
                return entry.id
            self.drafts.setdefault(entry.id, DraftConcept(entry)).saw(phrase)
            self.kinds[entry.id] = entry.kind
            return entry.id
        return None

    def _drop_ancestors(self, concepts: list[str]) -> list[str]:
        present = set(concepts)
        kept = [c for c in concepts if not any(other != c and c in self.vocabulary.ancestors(other)
                                                for other in present)]
        return list(dict.fromkeys(kept))

    def topic_conditions(self, *texts: str | None) -> tuple[str, ...]:
        for text in texts:
            if text:
                found = [s.concept for s in self.concepts(text) if s.kind == "condition"]
                if found:
                    return tuple(self._drop_ancestors(found))
        return ()

    # Statements -----------------------------------------------------------------------------------------

    def extract_all(self, inputs: Sequence[StatementInput], conditions: tuple[str, ...]) -> list[Extraction]:
        """Extract a run of statements in article order, so that 'These agents...' can refer back."""
        results: list[Extraction] = []
        previous: dict[GroupKey, tuple[str, ...]] = {}
        for item in inputs:
            context = Context(item.lead, item.section_title,
                              previous.get(item.group_key, ()) if item.group_key is not None else (), conditions)
            result = self.extract(item.text, context)
            if item.group_key is not None:
                previous[item.group_key] = result.interventions
            results.append(result)
        return results

    def extract(self, text: str, context: Context) -> Extraction:
        text = matchable(text[:MAX_TEXT])
        spans = self.concepts(text)
        interventions, comparators, conditions = self._roles(text, spans)
        own = bool(interventions)
        if not interventions and _ANAPHORA_RE.match(text):
            interventions = list(context.previous)
        for inherited in (context.lead, context.section_title):
            if not interventions and inherited:
                interventions = self._drop_ancestors([s.concept for s in self.concepts(inherited)
                                                      if s.kind != "condition"])
        context_drugs = [c for c in interventions if self.kinds.get(c) in DRUG_KINDS]
        doses, dose_missing = dosing(text, spans, context_drugs)

        direction, from_lead = self._direction(text, own, bool(doses), context.lead)
        fields: dict[str, Any] = {"statement_type": "recommendation" if direction else "information"}
        notes: list[str] = []
        if direction:
            fields["direction"] = direction
            strength, note = self._strength(text)
            fields["strength"] = strength
            if note:
                notes.append(note)
        certainty = _certainty(text)
        if certainty or direction:
            fields["certainty"] = certainty or "not-rated"

        qualifiers = _qualifiers(text, context.lead)
        if from_lead and not interventions:
            qualifiers = _dedupe([*qualifiers, _lower_first(text.rstrip("."))])
        all_conditions = self._drop_ancestors([*context.conditions, *conditions])
        population: dict[str, Any] = {}
        if all_conditions:
            population["condition"] = all_conditions
        if qualifiers:
            population["qualifiers"] = qualifiers
        if population:
            fields["population"] = population
        if interventions:
            fields["intervention"] = interventions
        if comparators:
            fields["comparator"] = comparators
        if doses:
            fields["dosing"] = doses
        if notes:
            fields["notes"] = " ".join(notes)

        missing: list[str] = []
        if direction and not interventions:
            missing.append("intervention (no vocabulary label or synonym in the statement or its lead)")
        if direction and not population:
            missing.append("population")
        missing.extend(dose_missing)
        return Extraction(fields, tuple(missing))

    def _roles(self, text: str, spans: list[Span]) -> tuple[list[str], list[str], list[str]]:
        """(interventions, comparators, conditions) the statement names; a concept named as what the
        population cannot take ('intolerance of metformin') is none of them."""
        interventions: list[str] = []
        comparators: list[str] = []
        conditions: list[str] = []
        for span in spans:
            before = text[max(0, span.start - 60):span.start]
            if span.kind == "condition":
                conditions.append(span.concept)
            elif _EXCLUDE_BEFORE_RE.search(before) or _EXCLUDE_AFTER_RE.match(text[span.end:span.end + 60]):
                continue
            elif _COMPARATOR_BEFORE_RE.search(before):
                comparators.append(span.concept)
            else:
                interventions.append(span.concept)
        interventions = self._drop_ancestors(interventions)
        comparators = [c for c in self._drop_ancestors(comparators) if c not in interventions]
        return interventions, comparators, conditions

    def _direction(self, text: str, names_intervention: bool, doses: bool, lead: str | None) -> tuple[str | None,
                                                                                                      bool]:
        """The direction, and whether it came from the lead line (a verbless item of a list the lead introduces)."""
        decided, direction = _cue_direction(text)
        if decided:
            return direction, False
        if doses:
            return "for", False
        if _ANAPHORA_RE.match(text) or _DESCRIPTIVE_RE.search(_MAIN_CLAUSE_RE.split(text, maxsplit=1)[0]):
            return None, False
        if names_intervention:
            return "for", False
        if lead:
            inherited = _cue_direction(matchable(lead))[1]
            return inherited, inherited is not None
        return None, False

    def _strength(self, text: str) -> tuple[dict[str, Any], str | None]:
        found = sorted(((m.start(), scheme) for scheme, pattern in self.schemes for m in [pattern.search(text)] if m))
        if not found and self.grading.versions(GRADE) and _GRADE_STYLE_RE.search(text):
            found = [(0, GRADE)]
        for _, scheme in found:
            grade = self._grade(scheme, text)
            if grade is not None:
                strength: dict[str, Any] = {"scheme": grade.scheme}
                if grade.version is not None:
                    strength["version"] = grade.version
                strength.update({"grade": grade.grade, "class": grade.strength_class})
                return strength, None
        scheme, version, label, strength_class = self.ungraded
        ungraded: dict[str, Any] = {"scheme": scheme}
        if version is not None:
            ungraded["version"] = version
        ungraded.update({"grade": label, "class": strength_class})
        if found:
            return ungraded, (f"The statement names {found[0][1]} but no grade of it; graded {scheme} until an "
                              "editor adds the source's grade.")
        words = _STRENGTH_WORDS_RE.search(text)
        if words:
            return ungraded, (f"The article's wording ('{words.group(0)}') suggests a strength, but it names no "
                              f"grading scheme; graded {scheme} until an editor confirms the source's grade.")
        return ungraded, None

    def _grade(self, scheme: str, text: str) -> Grade | None:
        versions = self.grading.versions(scheme)
        named = [v for v in versions if v and re.search(rf"\b{re.escape(v)}\b", text)]
        ordered = named + [v for v in versions if v not in named]
        for version in ordered:
            grades = self.grading.schemes.get((scheme, version), {})
            for grade in grades.values():
                if _grade_label_re(grade.grade).search(text):
                    return grade
        for version in ordered:
            grades = self.grading.schemes.get((scheme, version), {})
            wordings = sorted(((w, g) for g in grades.values() for w in g.wording), key=lambda item: -len(item[0]))
            for wording, grade in wordings:
                if re.search(rf"\b{re.escape(wording)}\b", text, re.IGNORECASE):
                    return grade
        return None


def _proper_name(name: str) -> str:
    """The leading capitalised words of a scheme's name: 'American Academy of Orthopaedic Surgeons'."""
    words: list[str] = []
    for word in name.replace(",", " ,").split():
        if word == ",":
            continue
        if word[:1].isupper() or word in ("of", "for", "and", "the", "on", "in"):
            words.append(word)
        else:
            break
    while words and words[-1] in ("of", "for", "and", "the", "on", "in"):
        words.pop()
    return " ".join(words) if len(words) >= 2 else ""


def _grade_label_re(label: str) -> re.Pattern[str]:
    escaped = re.escape(label)
    if len(label) <= 2:
        return re.compile(rf"\b[Gg]rade\s+{escaped}\b")
    return re.compile(rf"\b(?:grade\s+)?{escaped}(?:[- ]strength)?\s+recommendations?\b|\bgrade\s*:?\s*{escaped}\b|"
                      rf"\b{escaped}\s+grade\b", re.IGNORECASE)


def _clause_starts(text: str) -> list[tuple[str, str]]:
    """(first word, second word) of each clause, skipping a leading adverb."""
    starts: list[tuple[str, str]] = []
    for match in _CLAUSE_START_RE.finditer(text):
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", text[match.end():match.end() + 80])
        words = [w.lower() for w in words[:4]]
        while words and (words[0] in _SKIP_ADVERBS or (words[0].endswith("ly") and len(words) > 1
                                                       and words[1] in _IMPERATIVE_FOR | _IMPERATIVE_AGAINST)):
            words = words[1:]
        if words:
            starts.append((words[0], words[1] if len(words) > 1 else ""))
    return starts


def _cue_direction(text: str) -> tuple[bool, str | None]:
    """(decided, direction) from explicit wording; decided with None means 'explicitly no direction'."""
    low = " ".join(text.lower().split())
    if _DOUBLE_NEGATIVE_RE.search(low):
        return True, "for"
    if _EPISTEMIC_RE.search(low):
        return True, None
    low = _CONDITION_CONTRA_RE.sub(" ", low)
    starts = _clause_starts(low)
    if _AGAINST_RE.search(low) or any(w in _IMPERATIVE_AGAINST and nxt != "of" for w, nxt in starts):
        return True, None if _advice_both_ways(starts) else "against"
    if _NONE_RE.search(low):
        return True, "none"
    if any(w in _IMPERATIVE_FOR and nxt != "of" for w, nxt in starts) or _FOR_RE.search(low):
        return True, "for"
    if _WEAK_FOR_RE.search(low) and not _ANAPHORA_RE.match(low):
        return True, "for"
    return False, None


def _advice_both_ways(starts: list[tuple[str, str]]) -> bool:
    """'Start X ..., and avoid Y' (a summary's list of advice): no one direction fits the statement. A switch
    ('stop X and start Y') starts with the advice against and keeps it."""
    verbs = [w in _IMPERATIVE_FOR for w, nxt in starts
             if w in _IMPERATIVE_FOR or w in _IMPERATIVE_AGAINST or w == "never" or (w, nxt) == ("do", "not")]
    return bool(verbs) and verbs[0] and not all(verbs)


def _certainty(text: str) -> str | None:
    for match in _CERTAINTY_RE.finditer(text):
        if _NEGATED_RE.search(text[max(0, match.start() - 30):match.start()]):
            continue
        level = (match.group("a") or match.group("b")).lower().replace(" ", "-")
        return level
    return None


def _dedupe(items: list[str]) -> list[str]:
    kept: list[str] = []
    for item in items:
        low = item.lower()
        if not item or any(low in other.lower() for other in kept):
            continue
        kept = [other for other in kept if other.lower() not in low]
        kept.append(item)
    return kept


def _with_list(text: str, end: int) -> int:
    """Extend a phrase ending at `end` over the short comma-separated items that continue it."""
    while True:
        item = _LIST_ITEM_RE.match(text, end)
        if not item:
            return end
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", item.group(1))]
        last = words[:1] in (["or"], ["and"])
        if last:
            words = words[1:]
        if not words or words[0] in _LIST_STOP_WORDS or words[0].endswith("ing"):
            return end
        end = item.end(1)
        if last:
            return end


def _qualifiers(text: str, lead: str | None) -> list[str]:
    found: list[str] = []
    leading = _LEADING_CLAUSE_RE.match(text.strip())
    if leading:
        found.append(_lower_first(leading.group(0).strip()))
    for match in _PATIENTS_RE.finditer(text):
        phrase = _PATIENT_PREFIX_RE.sub("", text[match.start(1):_with_list(text, match.end(1))].strip())
        if phrase and phrase.lower() not in ("patients", "adults", "people", "individuals", "those"):
            found.append(phrase)
    for pattern in _TIME_RES:
        found.extend(m.group(0) for m in pattern.finditer(text))
    for pattern in _NAMED_POPULATION_RES:
        found.extend(m.group(1) for m in pattern.finditer(text))
    found.extend(m.group(1).strip() for m in _WHILE_RE.finditer(text))
    found.extend(m.group(1) for m in _WITH_USE_RE.finditer(text))
    if lead and not _PURPOSE_RE.match(lead):
        from_lead = _LEAD_QUALIFIER_RE.match(lead.strip())
        if from_lead:
            found.append(_PATIENT_PREFIX_RE.sub("", from_lead.group(1).rstrip(":").strip()))
    return _dedupe([" ".join(q.split()).strip(" ,") for q in found])
