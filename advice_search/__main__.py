"""The ``advice-search`` process: Ctrl-C is one line from its first instruction on.

Python turns Ctrl-C into KeyboardInterrupt, which during the imports of the first ~100 ms
prints a traceback. This module runs first (bin/advice-search runs `python -m advice_search`,
ingest.py imports it): a quiet handler is set before anything else is imported,
``cli.interrupt`` (a KeyboardInterrupt, so ingest's cleanup code runs and ``main`` prints its
one line) while ``cli.main`` runs (``cli.interrupt_again`` delivers one that landed in a
finalizer again), and the quiet one again for the interpreter's exit.
bin/advice-search starts Python with Ctrl-C blocked, so even one pressed during the
interpreter's own start-up waits for the quiet handler instead of printing a traceback.
"""

import _signal  # the C module: `signal` itself imports enum, which takes milliseconds
import os
import sys

INTERRUPTED = "advice-search: interrupted."


def _quit(signum: int, frame: object) -> None:
    """Ctrl-C outside ``main``: nothing is being written, so leave at once."""
    try:  # noqa: SIM105 (contextlib would cost an import before the handler is set)
        sys.stdout.flush()
    except Exception:  # interrupted mid-write: nothing more to save
        pass
    os.write(2, (INTERRUPTED + "\n").encode())
    os._exit(130)


_signal.signal(_signal.SIGINT, _quit)
_signal.pthread_sigmask(_signal.SIG_UNBLOCK, {_signal.SIGINT})  # one held back arrives now


def run() -> None:
    """The command's entry point."""
    from .cli import interrupt, interrupt_again, main

    code = 130
    try:
        sys.unraisablehook = interrupt_again
        _signal.signal(_signal.SIGINT, interrupt)
        code = main()
    except KeyboardInterrupt:  # between the two handlers, outside main's own try
        print(INTERRUPTED, file=sys.stderr)
    finally:
        _signal.signal(_signal.SIGINT, _quit)
    if code == 130:
        # A KeyboardInterrupt that crossed a library's embedded Python (pybind11) makes the
        # interpreter end itself with SIGINT at exit, after our line: leave directly instead.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)


if __name__ == "__main__":
    run()
