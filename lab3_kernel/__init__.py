"""The code that runs inside the student's kernel while a submission is graded.

Only this package is importable there (bound read-only into the sandbox as
``lab3_kernel``); it needs nothing but numpy and the standard library.

- :mod:`.recorder`    what graded cells call: run the student's function on the
  grader's inputs and record what it returns (no verdict is reached here)
- :mod:`.capture`     one call of student code: reseeded, output and warnings
  captured, calls into forbidden packages watched, arguments checked for changes
- :mod:`.integrity`   rules checked before recording (nothing tampered with, no
  forbidden code); they can only refuse
- :mod:`.refusals`    a refusal as a code and names (never text), and the words the
  grader writes for it
- :mod:`.wire`        values to and from the grader as JSON (and the grader's
  strict decoder of what the kernel sends back)
- :mod:`.output_cap`  the cap on bytes a cell may print, installed at kernel start
- :mod:`.reference_calls` the reference helpers a test runs with: stand-ins that ask
  the grader over a socket (no code of the reference is here)
"""

from .recorder import record, record_public

__all__ = ["record", "record_public"]
