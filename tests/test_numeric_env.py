"""Tests of aesthetics_lib.numeric_env: the course's CPU settings, the same as the Makefile's."""

from __future__ import annotations

import re
from pathlib import Path

from aesthetics_lib import numeric_env
from aesthetics_lib.course_weights import CPU_ENV_KEYS
from aesthetics_lib.numeric_env import CPU_ENV, course_env_supported, in_course_env

MAKEFILE = Path(__file__).resolve().parents[1] / "Makefile"


def test_the_library_and_the_makefile_pin_the_same_cpu_settings():
    line = next(ln for ln in MAKEFILE.read_text(encoding="utf-8").splitlines() if ln.startswith("CPU_ENV :="))
    assert dict(re.findall(r"(\w+)=(\S+)", line)) == CPU_ENV
    assert CPU_ENV_KEYS == tuple(CPU_ENV)  # what a training call logs


def test_in_course_env_needs_every_setting_with_its_value():
    assert in_course_env(dict(CPU_ENV, OMP_NUM_THREADS="1"))
    assert not in_course_env({k: v for k, v in CPU_ENV.items() if k != "OPENBLAS_CORETYPE"})
    assert not in_course_env(dict(CPU_ENV, NPY_ENABLE_CPU_FEATURES="X86_V4"))


def test_only_an_x86_64_cpu_with_avx2_can_run_under_the_settings(monkeypatch):
    try:  # the module the library reads the CPU features from: numpy._core from NumPy 2, numpy.core before
        from numpy._core import _multiarray_umath as umath
    except ImportError:
        from numpy.core import _multiarray_umath as umath

    monkeypatch.setattr(numeric_env.platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(umath, "__cpu_features__", {"AVX": True, "AVX2": True, "FMA3": True, "F16C": True})
    assert course_env_supported()
    monkeypatch.setattr(umath, "__cpu_features__", {"AVX": True, "AVX2": False, "FMA3": True, "F16C": True})
    assert not course_env_supported()
    monkeypatch.setattr(numeric_env.platform, "machine", lambda: "arm64")
    monkeypatch.setattr(umath, "__cpu_features__", {"AVX": True, "AVX2": True, "FMA3": True, "F16C": True})
    assert not course_env_supported()
