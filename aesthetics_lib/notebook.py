"""Helpers every notebook uses: reproducible set-up, stable number printing, checked exercises.

Introduced in notebooks/00_welcome. ``setup_notebook()`` is the first code cell of every notebook.

Exercises end in :func:`check` or :func:`check_prediction`. Their reference solutions live in the
notebook sources (cells tagged ``solution``), never in the student notebooks; the instructor build
(``make instructor``) runs each solution under the ``%%solution`` cell magic that
:func:`setup_notebook` registers, which fails the cell unless every check in it printed ``correct``
(:func:`run_solution`).

Hidden cells that check the text's claims against the numbers printed above them start with the
``%%claims`` cell magic in the student notebooks (:func:`run_claims`): under CI a claim that fails
fails the notebook; in a student's own run it prints a note and the notebook goes on.
"""

from __future__ import annotations

import ast
import math
import os
import random
from typing import Any, Callable, Mapping, Sequence

import numpy as np

DEFAULT_SEED = 0


def setup_notebook(seed: int = DEFAULT_SEED, threads: int | None = None, dpi: int = 90) -> None:
    """Seed ``random``, NumPy and torch, fix threads, turn on deterministic algorithms, set figure
    format and dpi, and switch progress bars off under CI. Prints nothing."""
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if os.environ.get("CI"):
        os.environ.setdefault("TQDM_DISABLE", "1")
    random.seed(seed)
    np.random.seed(seed)
    import torch

    torch.manual_seed(seed)
    n = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or min(2, os.cpu_count() or 1)
    torch.set_num_threads(n)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if torch.backends.cudnn.is_available():
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    import matplotlib

    matplotlib.rcParams.update(
        {
            "figure.dpi": dpi,
            "savefig.dpi": 110,
            "figure.figsize": (6.4, 4.0),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "savefig.bbox": "tight",
        }
    )
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.register_magic_function(_solution_magic, magic_kind="cell", magic_name="solution")
            ip.register_magic_function(_claims_magic, magic_kind="cell", magic_name="claims")
            from matplotlib_inline.backend_inline import set_matplotlib_formats

            ip.run_line_magic("matplotlib", "inline")
            set_matplotlib_formats("png")
    except Exception:  # outside IPython nothing else is needed
        pass


def fmt(x: Any, digits: int = 3) -> str:
    """Format a number (or a nested list/tuple/dict of numbers) with ``digits`` significant digits.

    Stable across machines: ``fmt(0.123456) == '0.123'``, ``fmt(1234.5) == '1.23e+03'``,
    ``fmt(-0.0) == '0'``; integers are printed in full.
    """
    if isinstance(x, Mapping):
        return "{" + ", ".join(f"{k}: {fmt(v, digits)}" for k, v in x.items()) + "}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(fmt(v, digits) for v in x) + "]"
    if hasattr(x, "tolist") and not isinstance(x, (int, float)):
        return fmt(x.tolist(), digits)
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        v = float(x)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        s = f"{v:.{digits}g}"
        return "0" if s in ("-0", "0") else s
    return str(x)


def fmt_interval(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    """``"0.187 [0.0983, 0.275]"``: a value and its interval, every number through :func:`fmt`."""
    return f"{fmt(value, digits)} [{fmt(low, digits)}, {fmt(high, digits)}]"


def shown(value: Any, text: str, spread: float = 0.0) -> bool:
    """Whether ``value`` rounds to the number ``text`` quotes, to as many decimals as the text shows
    (``shown(0.1872, "0.187")`` is True, ``shown(0.1879, "0.187")`` False), give or take ``spread``.

    The hidden cells that protect a notebook's prose use it: a re-run that moves a quoted number
    fails the tests instead of contradicting the text. ``spread`` is for the few numbers that come
    from a training run inside the notebook: those end a few thousandths apart on Intel and AMD CPUs
    even with the Makefile's ``CPU_ENV`` (``shown(0.0718, "0.0723", spread=0.001)`` is True); the
    notebook says so where it quotes them.
    """
    if spread < 0:
        raise ValueError(f"shown: expected spread >= 0, found {spread}")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(value) - float(text)) <= 0.5 * 10**-decimals + spread + 1e-12


def printed_numbers(text: str) -> list[float]:
    """The numbers of a printed value, interval or both, as :func:`fmt` and :func:`fmt_interval` write
    them: ``"0.05 [0.000898, 0.0999]"`` -> ``[0.05, 0.000898, 0.0999]``; for hidden checks that read
    a table's cells through :func:`shown`. A piece that is not a number raises ``ValueError`` naming
    it and the text."""
    numbers = []
    for piece in text.replace("[", " ").replace("]", " ").replace(",", " ").split():
        try:
            numbers.append(float(piece))
        except ValueError:
            raise ValueError(f"printed_numbers: {piece!r} in {text!r} is not a number") from None
    return numbers


def quoted(difference: Any, texts: Sequence[str], spread: float = 0.0) -> bool:
    """Whether a paired difference (:class:`aesthetics_lib.compare.PairedDifference`) shows as the
    three numbers ``texts``: its difference, low and high end, each through :func:`shown` (with the
    same ``spread``)."""
    if len(texts) != 3:
        raise ValueError(f"quoted: expected three numbers (difference, low, high), found {len(texts)}: {texts!r}")
    values = (difference.difference, difference.low, difference.high)
    return all(shown(v, t, spread) for v, t in zip(values, texts))


def print_table(rows: Sequence[Mapping[str, Any]], digits: int = 3) -> None:
    """Print a list of dicts as an aligned text table, every number through :func:`fmt`."""
    if not rows:
        print("(empty)")
        return
    cols = list(rows[0].keys())
    cells = [[fmt(r.get(c, ""), digits) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def check(
    answer: Any,
    expected: Any,
    *,
    tol: float = 1e-2,
    hint: str = "not quite: look again at the section above.",
    name: str = "",
    validate: Callable[[Any], bool] | None = None,
) -> None:
    """Check a student's answer and print ``correct`` or a hint; never raises.

    Numbers (and arrays of numbers) match within absolute-or-relative tolerance ``tol``; strings
    match case- and space-insensitively; sets/lists match element by element; ``validate`` (a
    function of the answer) overrides the comparison. Returns None, so that a cell ending in
    ``check(...)`` shows only the printed verdict (use :func:`is_correct` for the boolean).
    """
    is_correct(answer, expected, tol=tol, hint=hint, name=name, validate=validate)


#: Every verdict :func:`check` and :func:`check_prediction` gave in this process, in order (True for
#: ``correct``); :func:`run_solution` reads the ones its cell added.
VERDICTS: list[bool] = []


class SolutionError(AssertionError):
    """A reference solution whose checks did not all print ``correct``."""


def run_solution(code: str, namespace: dict[str, Any]) -> None:
    """Run a reference solution's ``code`` in ``namespace`` (a notebook's globals) and raise
    :class:`SolutionError` unless it made at least one check and every check it made was correct.

    The ``%%solution`` cell magic of the instructor build calls this, so that a solution that no
    longer matches its exercise fails the notebook tests instead of teaching a wrong answer.
    """
    start = len(VERDICTS)
    exec(compile(code, "<solution>", "exec"), namespace)
    made = VERDICTS[start:]
    if not made:
        raise SolutionError("this solution cell made no check(...) or check_prediction(...) call")
    if not all(made):
        wrong = [i + 1 for i, ok in enumerate(made) if not ok]
        raise SolutionError(f"check(s) {wrong} of {len(made)} in this solution cell did not print 'correct'")


def _solution_magic(line: str, cell: str) -> None:
    """``%%solution``: run the cell as a reference solution (see :func:`run_solution`)."""
    from IPython import get_ipython

    run_solution(cell, get_ipython().user_ns)


#: How every note of claims that did not hold begins, and what comes before its list of them.
CLAIMS_NOTE_START, CLAIMS_NOTE_LIST = "Note: some numbers of this run differ from those the text quotes", "Not as quoted: "
#: What a student's own run prints when a claim of the text does not hold for its numbers.
CLAIMS_NOTE = CLAIMS_NOTE_START + (
    ", which come from the course's stored run (one CPU thread, the Makefile's CPU settings). On another "
    "machine or thread count, or after a change, trainings and evaluations end a little apart. "
) + CLAIMS_NOTE_LIST + "{}."
#: The same note in a run with ``AESTHETICS_DATA`` set: the text describes the studio, not that data.
CLAIMS_NOTE_DATA = CLAIMS_NOTE_START + (
    ", which come from the course's stored run on its studio. This run reads AESTHETICS_DATA ({data}) "
    "wherever the notebook asks for that layout, and there its numbers are that data's. "
) + CLAIMS_NOTE_LIST + "{claims}."
#: The claims that did not hold in the soft runs of :func:`run_claims`, by their assert's message
#: (None without one); appended to, never cleared.
_FAILED_CLAIMS: list[str | None] = []


def _claim_failed(msg: Any = None) -> None:
    _FAILED_CLAIMS.append(str(msg) if msg else None)


def _claims_text(failed: Sequence[str | None]) -> str:
    """``"a; b; 2 other claims"``: the failed claims' messages, each once, then how many had none."""
    named = list(dict.fromkeys(m for m in failed if m))
    unnamed = sum(m is None for m in failed)
    if unnamed:
        named.append(f"{unnamed} {'other ' if named else ''}claim{'s' if unnamed > 1 else ''}")
    return "; ".join(named)


class _SoftAsserts(ast.NodeTransformer):
    """``assert test, msg`` -> ``if not test: _claim_failed(msg)`` (``msg`` still evaluated only on failure)."""

    def visit_Assert(self, node: ast.Assert) -> ast.If:
        call = ast.Call(ast.Name("_claim_failed", ast.Load()), [node.msg or ast.Constant(None)], [])
        return ast.copy_location(ast.If(ast.UnaryOp(ast.Not(), node.test), [ast.Expr(call)], []), node)


def run_claims(code: str, namespace: dict[str, Any], strict: bool | None = None) -> None:
    """Run a hidden cell that checks the text's claims (its ``assert`` statements) against the numbers
    printed above it, in ``namespace`` (a notebook's globals).

    ``strict`` (default: whether ``CI`` is set, as under ``make test`` and ``make notebooks``): the
    cell runs as it is, so a claim that fails raises and fails the notebook. Otherwise (a student's
    own run, on another CPU or thread count, or after a change) every claim is checked, the cell runs
    to its end, and the claims that do not hold are listed in one note (:data:`CLAIMS_NOTE`, or
    :data:`CLAIMS_NOTE_DATA` when ``AESTHETICS_DATA`` names other data than the studio); an error
    after a failed claim (a check that relied on it) ends the cell with the note instead of stopping
    the notebook. An error with every claim holding is raised: that is a bug, not another machine.
    The ``%%claims`` cell magic that :func:`setup_notebook` registers calls this.
    """
    if strict is None:
        strict = bool(os.environ.get("CI"))
    if strict:
        exec(compile(code, "<claims>", "exec"), namespace)
        return
    start = len(_FAILED_CLAIMS)
    tree = ast.fix_missing_locations(_SoftAsserts().visit(ast.parse(code)))
    namespace["_claim_failed"] = _claim_failed  # stays: a function the cell defines may hold claims
    try:
        exec(compile(tree, "<claims>", "exec"), namespace)
    except Exception:
        if len(_FAILED_CLAIMS) == start:
            raise
        _claim_failed("the rest of this check, which relied on them")
    if len(_FAILED_CLAIMS) > start:
        claims, data = _claims_text(_FAILED_CLAIMS[start:]), os.environ.get("AESTHETICS_DATA", "").strip()
        print(CLAIMS_NOTE_DATA.format(data=data, claims=claims) if data else CLAIMS_NOTE.format(claims))


def _claims_magic(line: str, cell: str) -> None:
    """``%%claims``: run the cell as a check of the text's claims (see :func:`run_claims`)."""
    from IPython import get_ipython

    ip = get_ipython()
    run_claims(ip.transform_cell(cell), ip.user_ns)


#: The outcomes a "predict, run, check" exercise asks the student to predict.
DIRECTIONS = ("up", "down", "same")


def check_prediction(prediction: Any, before: float | None, after: float | None, *, tol: float = 1e-9,
                     what: str = "the result", name: str = "") -> None:
    """Grade a "predict, run, check" exercise: the student wrote ``prediction`` (``"up"``, ``"down"``
    or ``"same"``) *before* changing a setting and rerunning an experiment that measured ``before``
    and ``after``. Prints what was measured and whether the prediction held (``correct`` only when the
    student predicted, ran the changed experiment, and predicted right). Returns None, like
    :func:`check`.

    ``after`` is None while the student has not run the changed experiment yet; a change within
    ``tol`` counts as ``"same"``. ``what`` names the measured quantity in the message.
    """
    label = f"[{name}] " if name else ""
    if prediction is None or prediction is Ellipsis:
        print(f"{label}no prediction yet: write up, down or same before you run anything.")
        VERDICTS.append(False)
        return
    said = str(prediction).strip().lower()
    if said not in DIRECTIONS:
        print(f"{label}predict one of {', '.join(DIRECTIONS)} (found {prediction!r}).")
        VERDICTS.append(False)
        return
    if before is None or after is None:
        print(f"{label}prediction noted ({said}); now change the setting and run the experiment cell.")
        VERDICTS.append(False)
        return
    change = float(after) - float(before)
    seen = "same" if abs(change) <= tol else ("up" if change > 0 else "down")
    verdict = "correct: your prediction held" if said == seen else "your prediction did not hold: can you say why?"
    print(f"{label}{what}: {float(before):.4g} -> {float(after):.4g} ({seen}, change {change:+.4g}); {verdict}")
    VERDICTS.append(said == seen)


def is_correct(
    answer: Any,
    expected: Any,
    *,
    tol: float = 1e-2,
    hint: str = "not quite: look again at the section above.",
    name: str = "",
    validate: Callable[[Any], bool] | None = None,
) -> bool:
    """Like :func:`check` (prints the same verdict) but returns whether the answer is right."""
    label = f"[{name}] " if name else ""
    ok = False
    try:
        if answer is None or answer is Ellipsis:
            print(f"{label}no answer yet: replace the ... with your answer.")
        else:
            ok = bool(validate(answer) if validate is not None else _matches(answer, expected, tol))
            print(f"{label}correct" if ok else f"{label}{hint}")
    except Exception as exc:  # a malformed answer gets a hint, not a traceback
        print(f"{label}could not check this answer ({type(exc).__name__}: {exc}). {hint}")
    VERDICTS.append(ok)
    return ok


def _matches(answer: Any, expected: Any, tol: float) -> bool:
    if isinstance(expected, str):
        return str(answer).strip().lower().replace(" ", "") == expected.strip().lower().replace(" ", "")
    if isinstance(expected, (set, frozenset)):
        return set(answer) == set(expected)
    if isinstance(expected, bool):
        return bool(answer) == expected
    a = np.asarray(answer, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        return False
    return bool(np.allclose(a, e, atol=tol, rtol=tol))
