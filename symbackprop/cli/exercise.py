"""``symbackprop exercise SPEC --ask NAMES -o DIR`` and ``symbackprop mark ANSWERS... --key KEY``.

``exercise`` writes a problem sheet, a solution sheet and a self-checking notebook (per
variant with ``--variants N``) and the teacher's ``key.json`` into DIR, all of them whole or
none (a temporary folder moved into place).  ``mark`` checks every answer of the students' notebooks (or ``.txt`` homework files of
``question: formula`` lines) and writes one CSV row
per student and question, then a summary per question on stderr (or ``--summary FILE``).
Exit status 2 only for the teacher's mistakes (a bad spec, question, key or folder); a
student's unreadable notebook or answer is a row.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from symbackprop.errors import SpecError
from symbackprop.read.spec import parse_shorthand

from .args import seed
from .files import write_folder
from .sheet import write_atomic

__all__ = ["register", "run_exercise", "run_mark"]


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("exercise", help="write problem and solution sheets and a self-checking notebook",
                       description="An exercise from one spec: problems, solutions, a notebook, per variant.")
    e.add_argument("spec", help="a .toml/.json spec file or layer sizes like 2-2-1")
    e.add_argument("--ask", required=True, metavar="NAMES",
                   help="the questions: w2_11 (a gradient), z1_1 or delta1_1 (a δ), W2, b2, delta1 (a whole "
                        "layer in vector form), or 'layer' (one weight per layer); or code: dW2, dZ1 (a program's "
                        "or a layered network's gradient variables); on a [program], fuse:FROM..TO (a fused "
                        "formula, one line of code); comma-separated")
    e.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write into (made if missing)")
    e.add_argument("--format", default="html,ipynb", metavar="FORMATS",
                   help="comma-separated: the sheet formats (as in 'sheet --format') and ipynb (default html,ipynb); "
                        "or nbgrader alone: an nbgrader source notebook (write it into source/NAME of a course)")
    e.add_argument("--lang", choices=["en", "ko"], default="en", help="the language of the sheets")
    e.add_argument("--variants", type=int, metavar="N", help="N versions with their own numbers, named -v1 ... -vN")
    e.add_argument("--seed", type=seed, default=0, help="the seed of the variants' numbers (default 0)")
    e.add_argument("--sizes", metavar="LIST", help="layer sizes to draw from per variant, like 2-2-1,2-3-1")
    e.add_argument("--activations", metavar="LIST", help="activations to draw from per variant, like sigmoid,tanh")
    e.add_argument("--force", action="store_true", help="go on past the work budget (variants × files × questions)")
    e.set_defaults(run=run_exercise)

    m = sub.add_parser("mark", help="check a class's filled-in notebooks: a CSV row per student and question",
                       description="Mark filled-in exercise notebooks; exit 2 only for a bad key or folder.")
    m.add_argument("answers", nargs="+", metavar="ANSWERS", help="notebooks (.ipynb), homework files (.txt, 'question: formula' lines, "
                                                               "'# variant: N'), or folders of them")
    m.add_argument("--key", metavar="KEY.json", help="the key.json written with the exercise (required unless "
                                                     "--trust-notebook-spec)")
    m.add_argument("--trust-notebook-spec", action="store_true",
                   help="without --key, check each notebook against its own copy of the spec, which the "
                        "student can edit (within a work budget)")
    m.add_argument("-o", "--output", metavar="FILE.csv", help="write the table here instead of standard output")
    m.add_argument("--summary", metavar="FILE.json", help="write the per-question summary here as JSON")
    m.set_defaults(run=run_mark)


def _list(text: str | None, field: str) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise SpecError(f"{field}: expected a comma-separated list, received {text!r}")
    return items


def run_exercise(args: argparse.Namespace) -> int:
    # The exercise stage loads verify, sheet and numeric: only for the command that runs.
    from symbackprop.exercise.build import exercise_files

    sizes = _list(args.sizes, "--sizes")
    files = exercise_files(
        args.spec, args.ask, variants=args.variants, seed=args.seed,
        sizes=[parse_shorthand(s) for s in sizes] if sizes else None,
        activations=_list(args.activations, "--activations"), lang=args.lang,
        formats=_list(args.format, "--format") or [], force=args.force,
    )
    # Hundreds of files: written into a temporary folder and moved into place whole, the key last.
    write_folder(args.output, files, last="key.json")
    names = list(files)
    shown = ", ".join(names) if len(names) <= 12 else f"{', '.join(names[:3])}, ..., {names[-1]}"
    print(f"wrote {len(files)} file{'' if len(files) == 1 else 's'} to {args.output}: {shown}", file=sys.stderr)
    return 0


def _refuse_link_in_class(target: str, answers: list[str], field: str) -> None:
    """A link planted in the class folder (``marks.csv`` → a file of the teacher's) must not
    be written through: the table goes only to a path that is not a link inside it."""
    path = Path(target)
    if not path.is_symlink():
        return
    parent = path.parent.resolve()
    for a in map(Path, answers):
        folder = a.resolve() if a.is_dir() else a.parent.resolve()
        if parent == folder or parent.is_relative_to(folder):
            raise SpecError(f"{field}: {target!r} is a link inside the class folder {str(a)!r}; "
                            "remove it or write elsewhere")


def run_mark(args: argparse.Namespace) -> int:
    from symbackprop.exercise.marking import CSV_FIELDS, mark, summary
    from symbackprop.exercise.table import csv_rows

    for target, field in ((args.output, "--output"), (args.summary, "--summary")):
        if target:
            _refuse_link_in_class(target, args.answers, field)
    rows = mark(args.answers, args.key, trust_notebook_spec=args.trust_notebook_spec)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(rows))
    if args.output:
        write_atomic(args.output, out.getvalue())
    else:
        sys.stdout.write(out.getvalue())
    table = summary(rows)
    if args.summary:
        write_atomic(args.summary, json.dumps(table, ensure_ascii=False, indent=1) + "\n")
    students = len({r.student for r in rows})
    print(f"marked {students} student(s), {len(rows)} row(s)", file=sys.stderr)
    for s in table:
        common = ", ".join(f"{kind} ×{n}" for kind, n in s["mistakes"]) or "none"
        print(f"{s['question']}: {s['correct']} of {s['answers']} correct, {s['wrong']} wrong, "
              f"{s['unanswered']} unanswered, {s['unreadable']} unreadable; commonest mistakes: {common}",
              file=sys.stderr)
    return 0
