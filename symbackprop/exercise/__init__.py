r"""Stage 6a, exercises: problem sheets, solutions and a self-checking notebook from one spec.

:func:`exercise_files` (:mod:`.build`) turns a spec and the questions asked (:mod:`.questions`,
names read by the one resolver) into a problem sheet and a solution sheet (:mod:`.sheets`,
built on :func:`symbackprop.sheet.build_sheet`, in any registered format and language) and a
Jupyter notebook (:mod:`.notebook`, needs the ``notebook`` extra) whose check cells call
:func:`check` (:mod:`.check`, on :func:`symbackprop.verify.verify`, showing the verdict but
not the answer); :mod:`.variants` draws one version per student from a seed; :mod:`.marking`
reads filled-in notebooks back, each student on their own, and tabulates a class's verdicts
and commonest mistakes; :mod:`.table` writes the table (a total per student, cells no
spreadsheet reads as a formula).  Code questions (``--ask dW2,dhprebn`` on a ``[program]``
or a layered network) are asked by :mod:`.code_exercise` and checked by :func:`check_code`
(:mod:`.code_check`).

Exports: ``exercise_files``, ``check``, ``check_code``, ``Feedback``, ``read_questions``,
``Question``, ``variant_tables``, ``mark``, ``Mark``.

>>> from symbackprop.exercise import check
>>> check("2-2-1", "w2_11", r"\delta^{(2)}_1 a^{(1)}_1").status
'correct'
"""

from .build import exercise_files
from .check import Feedback, check
from .code_check import check_code
from .marking import Mark, mark
from .questions import Question, read_questions
from .variants import variant_tables

__all__ = ["Feedback", "Mark", "Question", "check", "check_code", "exercise_files", "mark", "read_questions",
           "variant_tables"]
