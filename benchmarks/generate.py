"""Generate a realistic synthetic guideline corpus for benchmarks and scale tests.

    python benchmarks/generate.py --records 10k --out benchmarks/corpora/10k

Writes a project folder: guidelines/ with the repository's data files, topic files of about 40 recommendations
each, shared bibliography files under guidelines/references/, and `defects.json`, the defects planted on purpose
(about 1.5% of records: unresolved citations, unknown concepts, bad enum values, duplicate keys...) with the
file, line, record and rule each one must be reported as. The same seed gives byte-identical output.

Apart from the planted defects the corpus is meant to be clean, as a maintained corpus is: statements use
their grade's wording, strong grades rest on primary evidence of recent years, every reference is cited, records
were reviewed this year (for GUIDELINE_TODAY=2026-11-25) and advice on a drug class is consistent. Topics
belong to therapeutic areas; the shipped vocabulary covers the first areas and each further area adds its own
condition, drug classes, drugs and procedure to the project's vocabulary.yaml, as a growing corpus would.

`change_records` edits a generated project in place: the changes a `--changed-since` run has to find.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "pipelines"))

from guideline.corpus.grading import Grade
from guideline.corpus.project import load_project

RECORDS_PER_TOPIC = 40
TOPICS_PER_AREA = 5
REFERENCES_PER_FILE = 1000
DEFECT_RATE = 0.015
TOPIC_HEADER = "# yaml-language-server: $schema=../../schemas/topic-file.schema.json\n"
REFERENCES_HEADER = "# yaml-language-server: $schema=../../schemas/references-file.schema.json\n"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}

# Defect kind -> (weight, rule it must be reported as). Duplicate keys make a whole file unreadable, so they
# are rare, as they are in real repositories where editors' YAML plugins flag them.
DEFECTS: dict[str, tuple[int, str]] = {
    "unresolved-citation": (20, "REF001"),
    "unknown-concept": (20, "VOC001"),
    "bad-enum": (15, "SCH004"),
    "unknown-field": (10, "SCH001"),
    "unknown-grade": (10, "GRD002"),
    "class-mismatch": (8, "GRD003"),
    "unknown-section": (8, "TOP001"),
    "duplicate-id": (6, "ID001"),
    "bad-dose": (5, "SCH004"),
    "duplicate-key": (2, "YML002"),
}

# Areas the shipped vocabulary already covers: condition -> drug classes -> members, plus procedures.
SHIPPED_AREAS: tuple[tuple[str, dict[str, tuple[str, ...]], tuple[str, ...]], ...] = (
    ("osteoporotic-vertebral-compression-fracture",
     {"bisphosphonate": ("alendronate", "risedronate", "ibandronate", "zoledronic-acid"),
      "anabolic-agent": ("teriparatide", "romosozumab")}, ("kyphoplasty", "bracing")),
    ("atrial-fibrillation", {"direct-oral-anticoagulant": ("apixaban",), "vitamin-k-antagonist": ("warfarin",)}, ()),
    ("type-2-diabetes", {"glucose-lowering-agent": ("metformin",), "sglt2-inhibitor": ("empagliflozin",)}, ()),
)
WHO = ("adults", "older adults", "postmenopausal women", "men over 50", "frail older people", "outpatients",
       "inpatients", "people after hospital discharge", "people in primary care", "residents of care homes")
QUALIFIERS = ("age 65 or older", "prior fracture", "CrCl < 30 mL/min", "oral intolerance", "very high risk",
              "after 5 years of treatment", "first episode", "recurrent episodes", "pregnancy", "after surgery",
              "in hospital", "with dementia", "with heart failure", "with liver disease", "under 40",
              "previously treated", "treatment-naive", "with falls history", "on dialysis", "in remission")
OUTCOMES = ("to reduce pain", "to prevent further events", "to improve function", "to shorten hospital stay",
            "to lower the risk of falls", "to reduce mortality", "to improve quality of life")
UNITS = ("mg", "mcg", "IU")
ROUTES = ("oral", "intravenous", "subcutaneous")
FREQUENCIES = ("daily", "weekly", "monthly", "twice daily")
PRIMARY_TYPES = ("guideline", "systematic-review", "rct", "cohort")
OTHER_TYPES = ("narrative-review", "secondary-summary")
JOURNALS = ("Osteoporosis International", "Journal of Bone and Mineral Research", "The Lancet", "BMJ",
            "New England Journal of Medicine", "Spine", "Cochrane Database of Systematic Reviews")
STATES = ("draft", "submitted", "under-review")
CONSONANTS = ("b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr", "pl", "st")
VOWELS = ("a", "e", "i", "o", "u", "ae", "io")
DRUG_SUFFIXES = ("mab", "tinib", "pril", "olol", "sartan", "statin", "floxacin", "azole", "dronate", "gliptin",
                 "parin", "vir", "cycline", "triptan", "setron", "dipine", "prazole", "lukast")
CONDITION_SUFFIXES = ("-syndrome", "-disease", "itis", "osis", "-deficiency", "-disorder")
PROCEDURE_SUFFIXES = ("plasty", "ectomy", "scopy", "-ablation", "-block", "-therapy")
# Grades a generated record may carry: (scheme, version, grade, class, wording for, wording against).
AGAINST_WORDS = ("recommend against", "suggest against", "do not offer", "recommends against", "must not")
WORDS = ("bone", "fracture", "outcomes", "therapy", "risk", "treatment", "trial", "cohort", "review", "patients",
         "long-term", "effect", "safety", "randomised", "evidence", "prevention", "management", "care", "dose")
# Reasons given with a recommendation; two records on the same question rarely word them alike.
REASONS = (
    "given the reduction in {o} seen in {n} trials", "as benefits outweigh harms in most {w}",
    "when adherence can be supported for {n} months", "after shared decision-making about {o}",
    "provided renal function was checked within {n} weeks", "unless contraindications are documented",
    "while monitoring adverse events every {n} weeks", "with reassessment at {n} months",
    "because cost-effectiveness was shown across {n} studies", "alongside lifestyle measures and {o}",
    "where local services allow follow-up within {n} days", "taking frailty and {o} into account",
)
REASON_OUTCOMES = ("pain scores", "hospital admissions", "mortality", "falls", "function", "quality of life",
                   "readmissions", "bleeding events", "symptom burden", "bone density", "mobility", "recovery time")


@dataclass(frozen=True)
class Defect:
    kind: str
    rule: str
    file: str
    line: int
    record: str


@dataclass(frozen=True)
class Area:
    condition: str
    classes: dict[str, tuple[str, ...]]
    procedures: tuple[str, ...]

    def treatments(self) -> tuple[str, ...]:
        return (*(d for members in self.classes.values() for d in members), *self.procedures)

    def class_of(self, treatment: str) -> str:
        return next((c for c, members in self.classes.items() if treatment in members), treatment)


@dataclass(frozen=True)
class Advice:
    """What the corpus consistently says about one treatment in one area."""

    direction: str
    grade: Grade
    certainty: str
    regimen: tuple[int, str, str, str]


def parse_size(text: str) -> int:
    return SIZES.get(text.lower()) or int(text.replace("_", ""))


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


class _Lines:
    """The file being written, so that a defect can name the line it sits on."""

    def __init__(self, header: str) -> None:
        self.lines: list[str] = [header.rstrip("\n")]

    def add(self, text: str) -> int:
        self.lines.append(text)
        return len(self.lines)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Generator:
    def __init__(self, records: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.records = records
        project = load_project(REPO_ROOT)
        self.known = set(project.vocabulary.concepts)
        # Grades whose wording names them alone: a verb two grades of one scheme share cannot show the grade.
        self.grades = []
        for by_grade in project.grading.schemes.values():
            words = [w for g in by_grade.values() for w in g.wording]
            self.grades += [g for g in by_grade.values() if g.strength_class in ("strong", "moderate", "conditional")
                            and g.wording and all(words.count(w) == 1 for w in g.wording)
                            and not _for_word(g).endswith(("against", "not"))]
        self.grades.sort(key=lambda g: (g.scheme, g.version or "", g.grade))
        self.topics = max(1, round(records / RECORDS_PER_TOPIC))
        self.areas = [Area(c, classes, procs) for c, classes, procs in SHIPPED_AREAS]
        self.new_concepts: list[str] = []
        self.names = set(self.known)
        self.drugs = {c.id for c in project.vocabulary.concepts.values() if c.kind == "drug"}
        for number in range(len(self.areas), max(len(self.areas), self.topics // TOPICS_PER_AREA)):
            self.areas.append(self._new_area(number))
        self.advice: dict[tuple[str, str], Advice] = {}
        self.reference_count = max(10, records // 2)
        self.refs_per_topic = max(1, self.reference_count // self.topics)
        self.reference_years = [self.rng.randint(2017, 2026) for _ in range(self.reference_count)]
        self.reference_types = [self.rng.choice(PRIMARY_TYPES) if self.rng.random() < 0.85
                                else self.rng.choice(OTHER_TYPES) for _ in range(self.reference_count)]
        self.defects: list[Defect] = []
        self.record_ids: list[str] = []

    def _name(self, suffixes: tuple[str, ...]) -> str:
        """A new pseudo-word: real vocabularies hold distinct words, not numbered variants of one."""
        while True:
            word = "".join(self.rng.choice(CONSONANTS) + self.rng.choice(VOWELS) for _ in range(self.rng.randint(2, 3)))
            word += self.rng.choice(suffixes)
            if word not in self.names:
                self.names.add(word)
                return word

    def _new_area(self, number: int) -> Area:
        condition = self._name(CONDITION_SUFFIXES)
        classes: dict[str, tuple[str, ...]] = {}
        lines = [f"  - id: {condition}", f"    label: {condition.capitalize()}", "    kind: condition", ""]
        for _ in range(3):
            suffix = self.rng.choice(DRUG_SUFFIXES)
            klass = f"{self._name(('',))}{suffix}-agent"
            members = tuple(self._name((suffix,)) for _ in range(3))
            classes[klass] = members
            self.drugs.update(members)
            lines += [f"  - id: {klass}", f"    label: {klass.replace('-', ' ').capitalize()}", "    kind: drug-class",
                      ""]
            for drug in members:
                lines += [f"  - id: {drug}", f"    label: {drug.capitalize()}", "    kind: drug", "    parents:",
                          f"      - {klass}", ""]
        procedure = self._name(PROCEDURE_SUFFIXES)
        lines += [f"  - id: {procedure}", f"    label: {procedure.capitalize()}", "    kind: procedure", ""]
        self.new_concepts.extend(lines)
        return Area(condition, classes, (procedure,))

    def advice_for(self, area: Area, treatment: str) -> Advice:
        """Drugs of one class get the same direction and grade in an area: siblings do not pull apart."""
        key = (area.condition, area.class_of(treatment))
        if key not in self.advice:
            rng = self.rng
            grade = rng.choice(self.grades)
            certainty = rng.choice(("high", "moderate")) if grade.strength_class == "strong" else \
                rng.choice(("moderate", "low"))
            direction = "against" if rng.random() < 0.1 and _against_word(grade) else "for"
            regimen = (rng.choice((5, 10, 35, 70, 150, 200, 400, 800, 1000)), rng.choice(UNITS), rng.choice(ROUTES),
                       rng.choice(FREQUENCIES))
            self.advice[key] = Advice(direction, grade, certainty, regimen)
        return self.advice[key]

    def reference_id(self, index: int) -> str:
        return f"ref-{index:07d}"

    def defect_kind(self) -> str | None:
        if self.rng.random() >= DEFECT_RATE:
            return None
        kinds = list(DEFECTS)
        return self.rng.choices(kinds, weights=[DEFECTS[k][0] for k in kinds])[0]

    def topic_files(self) -> Iterator[tuple[str, str]]:
        for number in range(self.topics):
            count = self.records // self.topics + (1 if number < self.records % self.topics else 0)
            yield self.topic_file(number, count)

    def topic_file(self, number: int, count: int) -> tuple[str, str]:
        rng = self.rng
        area = self.areas[number % len(self.areas)]
        label = area.condition.replace("-", " ")
        topic_id = f"t{number + 1:05d}-{area.condition}"
        rel = f"guidelines/topics/{topic_id}.yaml"
        out = _Lines(TOPIC_HEADER)
        sections = [(f"section-{s}", [f"group-{s}-{g}" for g in range(rng.randint(1, 3))])
                    for s in range(1, rng.randint(4, 8))]
        first_ref = number * self.refs_per_topic
        own_refs = [self.reference_id(i) for i in range(first_ref, min(first_ref + self.refs_per_topic,
                                                                        self.reference_count))]
        if number == self.topics - 1:
            own_refs += [self.reference_id(i) for i in range(first_ref + self.refs_per_topic, self.reference_count)]
        out.add("topic:")
        out.add(f"  id: {topic_id}")
        out.add(f"  question: {q(f'How should {label} be managed? (topic {number + 1})')}")
        out.add(f"  title: {q(f'Management of {label}, part {number + 1}')}")
        out.add(f"  summary: {topic_id}-000")
        out.add("  audience:")
        out.add("    - clinicians")
        if rng.random() < 0.3:
            out.add("    - pharmacists")
        out.add(f"  last_updated: \"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}\"")
        out.add(f"  review_state: {rng.choice(STATES)}")
        out.add("  sections:")
        for section_id, groups in sections:
            out.add(f"    - id: {section_id}")
            out.add(f"      title: {q(section_id.replace('-', ' ').title())}")
            if groups:
                out.add("      groups:")
                for group in groups:
                    out.add(f"        - id: {group}")
                    out.add(f"          lead: {q('For ' + rng.choice(WHO) + ':')}")
        out.add("")
        out.add("recommendations:")
        for index in range(count):
            # The first records cite the topic's references in turn, so every reference is cited.
            must_cite = own_refs[index - 1::count - 1] if index and count > 1 else []
            self.record(out, rel, f"{topic_id}-{index:03d}", area, sections, own_refs, must_cite,
                        summary=index == 0)
        return rel, out.text()

    def record(self, out: _Lines, rel: str, rec_id: str, area: Area, sections: list[tuple[str, list[str]]],
               own_refs: list[str], must_cite: list[str], *, summary: bool) -> None:
        rng = self.rng
        defect = None if summary else self.defect_kind()
        if defect == "duplicate-id" and not self.record_ids:
            defect = None

        def mark(line: int) -> None:
            assert defect is not None
            self.defects.append(Defect(defect, DEFECTS[defect][1], rel, line, rec_id))

        if defect == "duplicate-id":
            rec_id = rng.choice(self.record_ids)
            mark(out.add(f"  - id: {rec_id}"))
        else:
            out.add(f"  - id: {rec_id}")
            self.record_ids.append(rec_id)
        section, groups = rng.choice(sections)
        if summary:
            out.add("    section: summary")
        elif defect == "unknown-section":
            mark(out.add(f"    section: {section}-old"))
        else:
            out.add(f"    section: {section}")
            if groups:
                out.add(f"    group: {rng.choice(groups)}")
        main = rng.choice(area.treatments())
        siblings = area.classes.get(area.class_of(main), ())
        chosen = [main] + ([rng.choice([s for s in siblings if s != main])]
                           if len(siblings) > 1 and rng.random() < 0.25 else [])
        advice = self.advice_for(area, main)
        grade = advice.grade
        kind = "information" if rng.random() < 0.12 else "recommendation"
        bad_enum = rng.choice(("statement_type", "certainty")) if defect == "bad-enum" else None
        if bad_enum:
            kind = "recommendation"
        treatment = " or ".join(c.replace("-", " ") for c in chosen)
        who = rng.choice(WHO)
        condition = area.condition.replace("-", " ")
        reason = rng.choice(REASONS).format(o=rng.choice(REASON_OUTCOMES), n=rng.randint(2, 60), w=rng.choice(WHO))
        if kind == "information":
            statement = (f"In {who} with {condition}, {treatment} was studied for {rng.choice(REASON_OUTCOMES)} "
                         f"over {rng.randint(2, 60)} months ({reason})")
        else:
            verb = _against_word(grade) if advice.direction == "against" else _for_word(grade)
            outcome = rng.choice(OUTCOMES)
            statement = rng.choice((
                f"We {verb} {treatment} for {who} with {condition} {outcome}, {reason}",
                f"For {who} with {condition}, we {verb} {treatment} {outcome} {reason}",
                f"{reason.capitalize()}, we {verb} {treatment} {outcome} in {who} with {condition}",
            ))
        out.add(f"    statement: {q(statement)}")
        if bad_enum == "statement_type":
            mark(out.add("    statement_type: recomendation"))
        else:
            out.add(f"    statement_type: {kind}")
        if kind == "recommendation":
            out.add(f"    direction: {advice.direction}")
            out.add("    strength:")
            out.add(f"      scheme: {grade.scheme}")
            if grade.version:
                out.add(f"      version: \"{grade.version}\"")
            if defect == "unknown-grade":
                mark(out.add("      grade: Very strong"))
            else:
                out.add(f"      grade: {q(grade.grade)}")
            if defect == "class-mismatch":
                mark(out.add(f"      class: {'insufficient' if grade.strength_class != 'insufficient' else 'strong'}"))
            else:
                out.add(f"      class: {grade.strength_class}")
            if bad_enum == "certainty":
                mark(out.add("    certainty: medium"))
            else:
                out.add(f"    certainty: {advice.certainty}")
        elif defect in ("unknown-grade", "class-mismatch"):
            defect = None
        out.add("    population:")
        out.add(f"      description: {q(f'{who.capitalize()} with {condition}')}")
        out.add("      condition:")
        out.add(f"        - {area.condition}")
        if rng.random() < 0.6:
            out.add("      qualifiers:")
            for qualifier in sorted(rng.sample(QUALIFIERS, rng.choice((1, 1, 2)))):
                out.add(f"        - {q(qualifier)}")
        out.add("    intervention:")
        for index, concept in enumerate(chosen):
            if defect == "unknown-concept" and index == 0:
                mark(out.add(f"      - {concept}-xr"))
            else:
                out.add(f"      - {concept}")
        drugs = [c for c in chosen if c in self.drugs]
        if kind == "recommendation" and advice.direction == "for" and drugs and (rng.random() < 0.4
                                                                                 or defect == "bad-dose"):
            out.add("    dosing:")
            for agent in drugs:
                dose, unit, route, frequency = self.advice_for(area, agent).regimen
                out.add(f"      - agent: {agent}")
                if defect == "bad-dose":
                    mark(out.add("        dose: 0"))
                    defect = None
                else:
                    out.add(f"        dose: {dose}")
                out.add(f"        unit: {unit}")
                out.add(f"        route: {route}")
                out.add(f"        frequency: {frequency}")
        elif defect == "bad-dose":
            defect = None
        cited = list(dict.fromkeys([*must_cite, *rng.sample(own_refs, min(len(own_refs), rng.randint(1, 2)))]))
        if rng.random() < 0.05:
            cited.append(self.reference_id(rng.randrange(self.reference_count)))
        cited = list(dict.fromkeys(cited))
        if kind == "recommendation" and grade.strength_class == "strong":
            primary = [r for r in own_refs if self.reference_types[int(r[4:])] in PRIMARY_TYPES]
            if primary and not any(r in primary for r in cited):
                cited.append(primary[0])
        out.add("    citations:")
        if defect == "unresolved-citation":
            mark(out.add(f"      - ref-missing-{rng.randrange(10**6):06d}"))
        for ref in cited:
            out.add(f"      - {ref}")
        if defect == "duplicate-key":
            out.add("    review_state: draft")
            mark(out.add("    review_state: submitted"))
        else:
            out.add(f"    review_state: {rng.choice(STATES)}")
        out.add(f"    last_reviewed: \"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}\"")
        if defect == "unknown-field":
            mark(out.add(f"    certainity: {q('moderate')}"))
        out.add("    provenance:")
        out.add(f"      file: articles/{rec_id[:6]}.txt")
        out.add(f"      line: {rng.randint(1, 400)}")
        out.add("      method: import")
        if rng.random() < 0.3:
            out.add(f"    notes: {q('Grade taken from the source guideline, ' + ' '.join(rng.sample(WORDS, 5)) + '.')}")
        out.add("")

    def reference_files(self) -> Iterator[tuple[str, str]]:
        rng = self.rng
        for start in range(0, self.reference_count, REFERENCES_PER_FILE):
            rel = f"guidelines/references/bibliography-{start // REFERENCES_PER_FILE + 1:03d}.yaml"
            out = _Lines(REFERENCES_HEADER)
            out.add("references:")
            for index in range(start, min(start + REFERENCES_PER_FILE, self.reference_count)):
                out.add(f"  - id: {self.reference_id(index)}")
                out.add(f"    type: {self.reference_types[index]}")
                out.add(f"    title: {q(' '.join(rng.sample(WORDS, 6)).capitalize() + f' ({index})')}")
                out.add(f"    source: {q(rng.choice(JOURNALS))}")
                out.add(f"    year: {self.reference_years[index]}")
                out.add("    identifiers:")
                out.add(f"      pmid: \"{40_000_000 + index}\"")
                if rng.random() < 0.5:
                    out.add(f"      doi: 10.{rng.randint(1000, 9999)}/synthetic.{index}")
                out.add("")
            yield rel, out.text()


def _for_word(grade: Grade) -> str:
    return grade.wording[0]


def _against_word(grade: Grade) -> str | None:
    return next((w for w in grade.wording if w in AGAINST_WORDS), None)


def generate(target: Path, records: int, *, seed: int = 1) -> list[Defect]:
    """Write a project of `records` recommendations under target; returns the planted defects."""
    generator = Generator(records, seed)
    corpus = target / "guidelines"
    if corpus.exists():
        shutil.rmtree(corpus)
    (corpus / "topics").mkdir(parents=True)
    (corpus / "references").mkdir(parents=True)
    for path in sorted((REPO_ROOT / "guidelines").glob("*.yaml")):
        shutil.copy(path, corpus / path.name)
    files = [*generator.topic_files(), *generator.reference_files()]
    if generator.new_concepts:
        vocabulary = (REPO_ROOT / "guidelines" / "vocabulary.yaml").read_text(encoding="utf-8").rstrip("\n")
        (corpus / "vocabulary.yaml").write_text(
            vocabulary + "\n\n  # Synthetic therapeutic areas of the generated corpus\n"
            + "\n".join(generator.new_concepts), encoding="utf-8")
    for rel, text in files:
        (target / rel).write_text(text, encoding="utf-8")
    (target / "defects.json").write_text(json.dumps([asdict(d) for d in generator.defects], indent=1) + "\n",
                                         encoding="utf-8")
    return generator.defects


def change_records(target: Path, count: int, *, seed: int = 2) -> list[tuple[str, str]]:
    """Edit `count` recommendations of a generated project in place; returns (file, record id) of each.

    The edits cycle through a reworded statement (no new finding), a citation that no longer resolves, an
    unknown concept, a record renamed to the id of a record in another file, and a reference removed from the
    bibliography (which breaks a citation in a file that was not edited)."""
    rng = random.Random(seed)
    files = sorted((target / "guidelines" / "topics").glob("*.yaml"))
    changed: list[tuple[str, str]] = []
    for number in range(count):
        path = rng.choice(files)
        lines = path.read_text(encoding="utf-8").splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("  - id: ")]
        start = rng.choice(starts[1:] or starts)
        rec_id = lines[start][len("  - id: "):]
        end = next((i for i in starts if i > start), len(lines))
        block = range(start, end)
        edit = number % 5
        if edit == 1:
            at = next(i for i in block if lines[i] == "    citations:") + 1
            lines[at] = f"      - ref-gone-{number:04d}"
        elif edit == 2:
            at = next(i for i in block if lines[i] == "    intervention:") + 1
            lines[at] = "      - no-such-concept"
        elif edit == 3:
            other = rng.choice([f for f in files if f != path] or files)
            other_id = next(line for line in other.read_text(encoding="utf-8").splitlines()
                            if line.startswith("  - id: ") and not line.endswith("-000"))[len("  - id: "):]
            lines[start] = f"  - id: {other_id}"
            changed.append((other.relative_to(target).as_posix(), other_id))
            rec_id = other_id
        elif edit == 4:
            at = next(i for i in block if lines[i] == "    citations:") + 1
            ref = lines[at].strip()[2:]
            removed = _remove_reference(target, ref) if ref.startswith("ref-0") else None
            if removed:
                changed.append((removed, ref))
        else:
            at = next(i for i in block if lines[i].startswith("    statement: "))
            lines[at] = lines[at][:-1] + f" (reworded {number})\""
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        changed.append((path.relative_to(target).as_posix(), rec_id))
    return changed


def _remove_reference(target: Path, ref: str) -> str | None:
    """Delete one reference from its bibliography file; returns that file."""
    for path in sorted((target / "guidelines" / "references").glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        try:
            start = lines.index(f"  - id: {ref}")
        except ValueError:
            continue
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")), len(lines))
        if sum(1 for line in lines if line.startswith("  - id: ")) < 2:
            return None
        del lines[start:end]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path.relative_to(target).as_posix()
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--records", "-n", type=parse_size, default=1_000,
                        help="number of recommendations: 1k, 10k, 100k or a number (default 1k)")
    parser.add_argument("--out", "-o", type=Path, help="project folder to write (default benchmarks/corpora/SIZE)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    out = args.out or REPO_ROOT / "benchmarks" / "corpora" / str(args.records)
    defects = generate(out, args.records, seed=args.seed)
    print(f"{out}: {args.records} recommendations, {len(defects)} planted defects "
          f"({len(defects) / args.records:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
