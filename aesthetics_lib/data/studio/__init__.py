"""The synthetic photo studio: the course's offline default dataset, in the real CADB and AVA layouts.

The studio renders small "photos" from known factors, derives a hidden true quality from them, and
lets simulated raters vote. The labels are written in the real on-disk layouts, so the real loaders
(:mod:`aesthetics_lib.data.cadb`, :mod:`aesthetics_lib.data.ava`) read them unchanged, and the
ground truth is kept beside them (``studio_factors.csv``, ``masks/``, ``studio_report.json``).

One module per part (each documents its part; every public name is re-exported here):

- :mod:`~aesthetics_lib.data.studio.factors`: the shared constants, :class:`StudioConfig`, :func:`sample_factors`;
- :mod:`~aesthetics_lib.data.studio.rendering`: :func:`render`, one factor row to an image and its subject mask;
- :mod:`~aesthetics_lib.data.studio.quality`: :func:`quality_terms`, :func:`quality_raw`, :func:`true_quality`;
- :mod:`~aesthetics_lib.data.studio.raters`: :func:`simulate_votes`, :func:`expected_mean`;
- :mod:`~aesthetics_lib.data.studio.labels`: :func:`attributes_from_factors`, :func:`composition_elements`;
- :mod:`~aesthetics_lib.data.studio.writers`: rendering a dataset to disk in CADB's or AVA's layout;
- :mod:`~aesthetics_lib.data.studio.report`: :func:`studio_report`, :func:`two_peaked`;
- :mod:`~aesthetics_lib.data.studio.apps_truth`: the applications' ground truth (best crops, bursts);
- :mod:`~aesthetics_lib.data.studio.generate`: :func:`generate_cadb`, :func:`generate_ava`,
  :func:`ensure_studio` (the cache), :func:`read_factors`, :func:`subject_mask`, :func:`studio_params`.

**Phenomena** built in for the lessons (each measured in ``studio_report.json``): fine detail that
only native resolution shows (``noise``, ``softness`` and the 2-pixel ``texture`` weave; 05), a
long-side cue (the rhythm band, whose period is a 20th of the *short* side, matters most in elongated
images; 06), polarising images with two-peaked votes (07), a salient subject whose placement drives
quality, with its mask in ``masks/`` (08-10), content bias across scenes (03, 08), a known best crop
(:func:`render_canvas`, :func:`generate_crop_set`, :func:`crop_quality`; 11), bursts of near
duplicates with a known order (:func:`render_studio_burst`; 11) and the noise ceiling, SRCC(vote mean,
true quality), that no model can beat (every results table).

Introduced in notebooks/00_welcome; the phenomena it holds are used from 01 to 11.
"""

from __future__ import annotations

from aesthetics_lib.data.studio.apps_truth import (
    CropExample,
    StudioBurst,
    canvas_factors,
    crop_factors,
    crop_quality,
    crop_table,
    generate_crop_set,
    render_canvas,
    render_studio_burst,
)
from aesthetics_lib.data.studio.factors import (
    ASPECT_MODES,
    AVA_TARGET,
    CADB_TARGET,
    EXTREME_FRACTION,
    FACTORS_FILE,
    FINE_DETAIL_TERMS,
    LAYOUTS,
    MASKS_DIR,
    PLACEMENTS,
    QUALITY_TERMS,
    REPORT_FILE,
    SCENE_BASE,
    SCENE_FREQ,
    SCENE_HUE,
    SCENE_SHAPES,
    SHAPES,
    STUDIO_VERSION,
    StudioConfig,
    sample_factors,
)
from aesthetics_lib.data.studio.generate import (
    STUDIO_N,
    ensure_studio,
    generate_ava,
    generate_cadb,
    read_factors,
    studio_cache_dir,
    studio_params,
    subject_mask,
)
from aesthetics_lib.data.studio.labels import attributes_from_factors, composition_elements
from aesthetics_lib.data.studio.quality import quality_raw, quality_terms, true_quality
from aesthetics_lib.data.studio.raters import expected_mean, simulate_votes
from aesthetics_lib.data.studio.rendering import (
    RENDER_KEYS,
    RHYTHM_CYCLES,
    RHYTHM_MIN_PERIOD,
    SCENE_STYLE,
    band_box,
    horizon_rows,
    image_size,
    render,
    subject_radii,
)
from aesthetics_lib.data.studio.report import studio_report, two_peaked
from aesthetics_lib.data.studio.writers import AVA_CHALLENGE_BASE, AVA_CHALLENGES, AVA_TAGS

__all__ = [
    # factors
    "STUDIO_VERSION", "LAYOUTS", "PLACEMENTS", "SHAPES", "REPORT_FILE", "FACTORS_FILE", "MASKS_DIR",
    "SCENE_FREQ", "SCENE_BASE", "SCENE_SHAPES", "SCENE_HUE", "ASPECT_MODES", "EXTREME_FRACTION",
    "QUALITY_TERMS", "FINE_DETAIL_TERMS", "CADB_TARGET", "AVA_TARGET", "StudioConfig", "sample_factors",
    # rendering
    "render", "image_size", "horizon_rows", "subject_radii", "band_box", "RENDER_KEYS", "RHYTHM_CYCLES",
    "RHYTHM_MIN_PERIOD", "SCENE_STYLE",
    # quality and raters
    "quality_terms", "quality_raw", "true_quality", "expected_mean", "simulate_votes",
    # labels, writers and the report
    "attributes_from_factors", "composition_elements", "AVA_TAGS", "AVA_CHALLENGES", "AVA_CHALLENGE_BASE",
    "two_peaked", "studio_report",
    # the applications' ground truth
    "CropExample", "StudioBurst", "canvas_factors", "crop_table", "crop_factors", "crop_quality",
    "render_canvas", "generate_crop_set", "render_studio_burst",
    # generation, cache and readers
    "STUDIO_N", "generate_cadb", "generate_ava", "studio_cache_dir", "ensure_studio", "studio_params", "read_factors",
    "subject_mask",
]
