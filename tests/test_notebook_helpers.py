"""setup_notebook, fmt, check and the solution runner: the helpers every notebook relies on."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from aesthetics_lib.notebook import (
    CLAIMS_NOTE,
    CLAIMS_NOTE_DATA,
    SolutionError,
    check,
    check_prediction,
    fmt,
    fmt_interval,
    is_correct,
    print_table,
    printed_numbers,
    quoted,
    run_claims,
    run_solution,
    setup_notebook,
    shown,
)


def test_setup_is_silent_and_seeds(capsys) -> None:
    setup_notebook(seed=3)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    setup_notebook(seed=3)
    b = (random.random(), np.random.rand(), torch.rand(1).item())
    assert a == b
    assert capsys.readouterr().out == ""
    assert torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)


def test_fmt_significant_digits() -> None:
    assert fmt(0.123456) == "0.123"
    assert fmt(1234.5) == "1.23e+03"
    assert fmt(-0.0) == "0" and fmt(-0.0001, 1) == "-0.0001"
    assert fmt(7) == "7" and fmt(np.int64(7)) == "7"
    assert fmt([0.5, np.float32(0.25)]) == "[0.5, 0.25]"
    assert fmt({"srcc": 0.61234}) == "{srcc: 0.612}"
    assert fmt(float("nan")) == "nan"
    assert fmt(torch.tensor([1.0, 2.0])) == "[1, 2]"


def test_check_prints_and_returns_none(capsys) -> None:
    assert check(0.5004, 0.5) is None  # a cell ending in check(...) shows only the verdict
    assert capsys.readouterr().out.strip() == "correct"
    assert check(0.7, 0.5, hint="try again") is None
    assert capsys.readouterr().out.strip() == "try again"


def test_check_right_wrong_and_placeholder(capsys) -> None:
    check = is_correct  # same verdicts, with the boolean returned
    assert check(0.5004, 0.5, tol=1e-2) is True
    assert "correct" in capsys.readouterr().out
    assert check(0.7, 0.5, hint="look at the CDFs") is False
    assert "look at the CDFs" in capsys.readouterr().out
    assert check(..., 0.5) is False
    assert "no answer yet" in capsys.readouterr().out
    assert check(" Rule Of Thirds ", "ruleofthirds") is True
    assert check({"a", "b"}, {"b", "a"}) is True
    assert check([1, 2], [1, 2, 3]) is False  # shape mismatch is a wrong answer, not a crash
    capsys.readouterr()
    assert check("abc", 0.5) is False  # an answer of the wrong type gets a hint, not a traceback
    assert "could not check" in capsys.readouterr().out


def test_print_table(capsys) -> None:
    print_table([{"model": "nima", "srcc": 0.61234}, {"model": "dcnn", "srcc": 0.5}])
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["model", "srcc"] and out[1].split() == ["nima", "0.612"]


def test_check_prediction_grades_the_prediction_against_the_run(capsys) -> None:
    def said(*args, **kwargs) -> str:
        assert check_prediction(*args, **kwargs) is None
        return capsys.readouterr().out

    assert "no prediction yet" in said(..., 0.6, 0.4)
    assert "predict one of" in said("sideways", 0.6, 0.4)
    assert "now change the setting" in said("down", 0.6, None)  # predicted, not run yet
    out = said("Down ", 0.6, 0.4, what="accuracy")
    assert "accuracy: 0.6 -> 0.4 (down" in out and "correct: your prediction held" in out
    assert "did not hold" in said("up", 0.6, 0.4)
    assert "correct" in said("same", 0.5, 0.5 + 1e-12)


def test_run_solution_requires_every_check_correct(capsys) -> None:
    ns = {"check": check, "check_prediction": check_prediction, "expected": 0.5}
    run_solution("answer = 0.25 * 2\ncheck(answer, expected)", ns)  # right: no error
    assert ns["answer"] == 0.5 and "correct" in capsys.readouterr().out
    with pytest.raises(SolutionError, match=r"check\(s\) \[2\] of 2"):
        run_solution("check(0.5, expected)\ncheck(0.7, expected)", ns)
    with pytest.raises(SolutionError, match="no check"):
        run_solution("answer = 1", ns)
    with pytest.raises(SolutionError):  # an unanswered prediction is not a solution
        run_solution("check_prediction(..., 1.0, 2.0)", ns)
    run_solution("check_prediction('up', 1.0, 2.0)", ns)
    with pytest.raises(ZeroDivisionError):  # a solution that crashes fails as it is
        run_solution("1 / 0", ns)


def test_solution_cell_magic_under_ipython(capsys) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from aesthetics_lib.notebook import setup_notebook, check\nsetup_notebook()")
        good = shell.run_cell("%%solution\nanswer = 2 + 2\ncheck(answer, 4)")
        assert good.success and shell.user_ns["answer"] == 4
        bad = shell.run_cell("%%solution\ncheck(5, 4)")
        assert not bad.success and isinstance(bad.error_in_exec, SolutionError)
    finally:
        InteractiveShell.clear_instance()
        torch.use_deterministic_algorithms(False)


CLAIMS_CELL = (
    "gain = 0.0723\n"
    "assert fmt(gain) == '0.0718', 'the view gain'\n"
    "def near(v, t):\n"
    "    assert abs(v - t) < 0.01, f'{v} near {t}'\n"
    "    return True\n"
    "near(gain, 0.5)\n"
    "kept = gain * 2  # a name later cells read\n"
    "assert kept > 0\n"
)


def test_claims_fail_under_ci_and_print_a_note_in_a_students_run(capsys, monkeypatch) -> None:
    monkeypatch.delenv("AESTHETICS_DATA", raising=False)
    ns = {"fmt": fmt}
    with pytest.raises(AssertionError, match="the view gain"):
        run_claims(CLAIMS_CELL, ns, strict=True)
    assert "kept" not in ns and capsys.readouterr().out == ""
    run_claims(CLAIMS_CELL, ns, strict=False)  # every claim checked, the cell runs to its end
    assert ns["kept"] == pytest.approx(0.1446)
    out = capsys.readouterr().out
    assert out == CLAIMS_NOTE.format("the view gain; 0.0723 near 0.5") + "\n"
    run_claims("for v in (1, 2, 3):\n    assert v == 9\n    assert v == 9, 'the nines'", ns, strict=False)
    assert capsys.readouterr().out == CLAIMS_NOTE.format("the nines; 3 other claims") + "\n"
    run_claims("assert fmt(0.0718) == '0.0718', 'the view gain'", ns, strict=False)  # all hold: silent
    assert capsys.readouterr().out == ""
    # an error after a failed claim (a check that relied on it) ends the cell with the note
    run_claims("rows = {}\nassert 'ada' in rows, 'the ada row'\nx = rows['ada']", ns, strict=False)
    assert "the ada row; the rest of this check, which relied on them" in capsys.readouterr().out
    with pytest.raises(KeyError):  # with every claim holding, an error is a bug: raised
        run_claims("rows = {}\nx = rows['ada']", ns, strict=False)
    monkeypatch.setenv("CI", "true")  # the default follows CI
    with pytest.raises(AssertionError):
        run_claims(CLAIMS_CELL, ns)
    monkeypatch.delenv("CI")
    run_claims(CLAIMS_CELL, ns)
    assert capsys.readouterr().out.startswith("Note: some numbers of this run differ")
    # on other data the note says why the numbers differ: the text describes the studio
    monkeypatch.setenv("AESTHETICS_DATA", "cadb:/data/CADB")
    run_claims(CLAIMS_CELL, ns)
    assert capsys.readouterr().out == CLAIMS_NOTE_DATA.format(data="cadb:/data/CADB", claims="the view gain; 0.0723 near 0.5") + "\n"


def test_claims_cell_magic_under_ipython(capsys, monkeypatch) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.delenv("CI", raising=False)
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from aesthetics_lib.notebook import setup_notebook, fmt\nsetup_notebook()")
        soft = shell.run_cell("%%claims\n" + CLAIMS_CELL)
        assert soft.success and shell.user_ns["kept"] == pytest.approx(0.1446)
        monkeypatch.setenv("CI", "true")
        strict = shell.run_cell("%%claims\n" + CLAIMS_CELL)
        assert not strict.success and isinstance(strict.error_in_exec, AssertionError)
    finally:
        InteractiveShell.clear_instance()
        torch.use_deterministic_algorithms(False)


def test_shown_rounds_to_the_quoted_decimals() -> None:
    assert shown(0.1872, "0.187") and not shown(0.1879, "0.187")
    assert shown(-0.0046, "-0.005") and shown(12.4, "12") and not shown(12.6, "12")
    assert fmt_interval(0.187, 0.0983, 0.27512) == "0.187 [0.0983, 0.275]"


def test_shown_allows_a_stated_spread() -> None:
    assert shown(0.0718, "0.0723", spread=0.001) and not shown(0.0718, "0.0723")
    assert not shown(0.0705, "0.0723", spread=0.001)
    with pytest.raises(ValueError, match="spread"):
        shown(0.1, "0.1", spread=-0.01)


def test_printed_numbers_reads_a_value_and_its_interval() -> None:
    assert printed_numbers("0.05 [0.000898, 0.0999]") == [0.05, 0.000898, 0.0999]
    assert printed_numbers("[-0.197, -0.103]") == [-0.197, -0.103]
    assert printed_numbers(fmt_interval(0.1234, -1.5e-05, 0.25)) == [0.123, -1.5e-05, 0.25]
    with pytest.raises(ValueError, match="'n/a' in '0.1 \\[n/a, 0.2\\]'"):
        printed_numbers("0.1 [n/a, 0.2]")


def test_quoted_reads_a_paired_difference() -> None:
    from aesthetics_lib.compare import PairedDifference

    d = PairedDifference(0.199, 0.111, 0.29)
    assert quoted(d, ("0.199", "0.111", "0.29")) and not quoted(d, ("0.199", "0.111", "0.30"))
    assert quoted(d, ("0.2", "0.112", "0.291"), spread=0.002) and not quoted(d, ("0.2", "0.112", "0.291"))
    with pytest.raises(ValueError, match="three numbers"):
        quoted(d, ("0.199",))

