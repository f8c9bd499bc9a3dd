"""guideline export: topics as FHIR R5 Bundles following HL7's EBM implementation guide."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from guideline.commands.common import add_root_option, open_project
from guideline.engine.pipeline import load_corpus
from guideline.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from guideline.fhir.export import export_to
from guideline.fhir.profiles import Problem

EXAMPLES = """examples:
  guideline export --format fhir                    every topic, into export/<topic>.fhir.json
  guideline export --format fhir osteoporotic-spine-fracture -o /tmp/fhir
  guideline export osteoporotic-spine-fracture -o -  one topic's Bundle on standard output

Each topic becomes one Bundle (type collection): a Guideline Composition, per recommendation a Recommendation
Composition, its justification and certainty ArtifactAssessments, the population as a Group and the action as a
PlanDefinition with one ActivityDefinition per intervention (doNotPerform for a recommendation against), a
Citation per cited reference, and the board's review comments. The same corpus gives the same bytes. Every
resource is checked against what the EBM profiles require (docs/fhir.md); what fails is listed on stderr.

exit codes: 0 exported, 1 exported but a resource misses a profile requirement, 2 usage error (unknown topic)."""

FORMATS = ("fhir",)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("export", help="export topics as FHIR R5 (HL7 EBM) Bundles",
                            description="Export topics as FHIR R5 Bundles following HL7's Evidence-Based "
                                        "Medicine implementation guide (1.0.0-ballot).",
                            epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topics", nargs="*", metavar="TOPIC", help="topic ids (default: every topic)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="fhir", help="exchange format (default: fhir)")
    parser.add_argument("--out", "-o", metavar="DIR", default="export",
                        help="output folder (default: export/); - writes the Bundles to standard output")
    add_root_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    project = open_project(args)
    corpus = load_corpus([project.data_dir], project)
    known = {t.id for t in corpus.topics}
    unknown = [t for t in args.topics if t not in known]
    if unknown:
        raise UsageError(f"unknown topic {', '.join(unknown)}", hint=f"topics: {', '.join(sorted(known))}")
    out = None if args.out == "-" else Path(args.out)
    problems: list[Problem] = []
    for done in export_to(project, corpus, args.topics, out):
        if done.path is None:
            sys.stdout.buffer.write(done.data)
        else:
            print(f"exported {done.topic}: {done.path} ({done.resources} resources)")
        problems.extend(done.problems)
    for problem in problems:
        print(f"fhir: {problem}", file=sys.stderr)
    return EXIT_FINDINGS if problems else EXIT_OK
