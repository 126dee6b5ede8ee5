"""The course's numeric environment: the variables that pin every CPU to the same code paths.

NumPy, OpenBLAS, MKL, oneDNN and PyTorch each choose their kernels from the CPU at import time. On a
CPU with AVX-512, NumPy's own loops take other code paths than on one with AVX2 only, and results
differ in the last bits. The Makefile's ``CPU_ENV`` (:data:`CPU_ENV` here; a test keeps the two
equal) pins all of them to the AVX2 paths, so that the studio and the stored notebook outputs are
the same on x86-64 CPUs with AVX2, Intel or AMD (the Makefile's comment names the few trainings
inside notebooks that still end a few thousandths apart).

The studio is data, so it must not depend on how Jupyter was started: a studio built outside this
environment is built in a child process that has it (:func:`aesthetics_lib.data.studio.ensure_studio`).
Introduced in notebooks/00_welcome (the studio it builds).
"""

from __future__ import annotations

import os
import platform
from typing import Mapping

#: The Makefile's ``CPU_ENV``: PyTorch's own kernels, oneDNN, MKL's vendor-independent branch,
#: OpenBLAS under NumPy and SciPy, and NumPy's own loops, all on their AVX2 code paths.
CPU_ENV: dict[str, str] = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "COMPATIBLE",
    "OPENBLAS_CORETYPE": "Haswell",
    "NPY_ENABLE_CPU_FEATURES": "X86_V3",
}

#: The CPU features NumPy must report for ``NPY_ENABLE_CPU_FEATURES=X86_V3`` to be accepted.
_X86_V3 = ("AVX", "AVX2", "FMA3", "F16C")


def in_course_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``environ`` (default: this process's environment) holds every :data:`CPU_ENV` value."""
    env = os.environ if environ is None else environ
    return all(env.get(k) == v for k, v in CPU_ENV.items())


def course_env_supported() -> bool:
    """Whether this CPU can run under :data:`CPU_ENV`: an x86-64 CPU with AVX2, FMA3 and F16C. On an
    x86-64 CPU without them NumPy refuses to import with ``X86_V3`` enabled; on other CPUs (ARM) the
    settings name code paths that do not exist there."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy before 2.0
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as features
        except ImportError:
            return False
    return all(features.get(f, False) for f in _X86_V3)
