"""The studio's simulated raters: votes for images of known true quality, in CADB's and AVA's scales.

**Raters** (:func:`simulate_votes`): rater j's latent opinion of image i is
``signal * true_quality_i + crowd_i + bias_j + shift * camp_j * polarising_i + noise_ij``; the vote is
the number of thresholds it passes plus one. ``crowd_i`` is what the crowd sees that the factors do
not say (consensus, not truth; on AVA it includes the challenge's offset), ``camp_j`` is +1 or -1 (the
two camps of a polarising image). The thresholds are the quantiles of the model's population
distribution of latents at the cumulative target histogram, so the pooled votes match the real
marginals (CADB: 5 fixed raters, scores 1..5; AVA: 80..520 raters from a pool, scores 1..10).
``signal`` and the noise SDs are set so that the SD of per-image means matches the real data.

Introduced in notebooks/00_welcome, 04_metrics_and_losses and 07_nima.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from aesthetics_lib.data.studio.factors import StudioConfig, _config


def _latent_sd(cfg: StudioConfig) -> float:
    extra = cfg.bias_sd**2 if cfg.layout == "ava" else 0.0
    return math.sqrt(cfg.crowd_sd**2 + cfg.challenge_sd**2 + extra + cfg.vote_sd**2)


def _components(cfg: StudioConfig, biases: np.ndarray, camps: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Means, weights and SD of the Gaussian mixture that is the population's latent opinion."""
    pi, d = cfg.polarising_fraction, cfg.polarising_shift
    if cfg.layout == "cadb":
        base, cw = biases, np.full(len(biases), 1.0 / len(biases))
        shift = d * camps
    else:
        base, cw = np.zeros(2), np.array([0.5, 0.5])
        shift = d * np.array([1.0, -1.0])
    means = np.concatenate([base, base + shift])
    weights = np.concatenate([cw * (1 - pi), cw * pi])
    sd = math.sqrt(cfg.signal**2 + _latent_sd(cfg) ** 2)
    return means, weights, sd


def _thresholds(cfg: StudioConfig, biases: np.ndarray, camps: np.ndarray) -> np.ndarray:
    means, weights, sd = _components(cfg, biases, camps)
    cdf = lambda x: float(np.sum(weights * stats.norm.cdf((x - means) / sd)))  # noqa: E731
    target = np.asarray(cfg.target, dtype=float)
    cum = np.cumsum(target / target.sum())[:-1]
    return np.array([optimize.brentq(lambda x: cdf(x) - c, -20, 20, xtol=1e-10) for c in cum])


def _raters(cfg: StudioConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([int(seed), 2])
    if cfg.layout == "cadb":
        biases = rng.normal(0, cfg.bias_sd, cfg.raters)
        biases -= biases.mean()
        camps = np.ones(cfg.raters)
        camps[rng.permutation(cfg.raters)[: cfg.raters // 2]] = -1.0
        return biases, camps
    biases = rng.normal(0, cfg.bias_sd, cfg.raters)
    return biases - biases.mean(), np.where(rng.random(cfg.raters) < 0.5, 1.0, -1.0)


def expected_mean(quality: np.ndarray, polarising: np.ndarray, cfg: StudioConfig, seed: int = 0) -> np.ndarray:
    """The expected vote mean of images given their true quality and polarising flag (the rater
    population's average with the crowd offset at 0), on the 1..K scale. ``[N], [N] -> [N]``."""
    biases, camps = _raters(cfg, seed)
    tau = _thresholds(cfg, biases, camps)
    q = np.asarray(quality, float)[:, None]
    pol = np.asarray(polarising, bool)
    if cfg.layout == "cadb":
        centres = biases[None, :]
        shifts = (cfg.polarising_shift * camps)[None, :]
    else:
        centres, shifts = np.zeros((1, 2)), cfg.polarising_shift * np.array([[1.0, -1.0]])
    sd = _latent_sd(cfg)
    out = np.zeros(len(q))
    for k in range(centres.shape[1]):
        mu = cfg.signal * q[:, 0] + centres[0, k] + np.where(pol, shifts[0, k], 0.0)
        out += 1 + stats.norm.cdf((mu[:, None] - tau[None, :]) / sd).sum(1)
    return out / centres.shape[1]


def simulate_votes(
    quality: np.ndarray,
    polarising: np.ndarray,
    layout: str = "cadb",
    seed: int = 0,
    config: StudioConfig | None = None,
    challenge: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Votes of simulated raters for images of the given true quality (see the module docstring).

    Returns ``counts`` (``int [N, K]``, votes per score 1..K), ``crowd`` (the image-level offset) and,
    for CADB, ``scores`` (``int [N, 5]``, one column per fixed rater). Deterministic from ``seed``;
    ``challenge`` (AVA: one id per image) adds a shared offset per challenge.
    Introduced in notebooks/04_metrics_and_losses and 07_nima (what a distribution carries).
    """
    cfg = _config(layout, config)
    q = np.asarray(quality, float)
    pol = np.asarray(polarising, bool)
    n, k = len(q), cfg.num_bins
    biases, camps = _raters(cfg, seed)
    tau = _thresholds(cfg, biases, camps)
    rng = np.random.default_rng([int(seed), 3])
    crowd = rng.normal(0, cfg.crowd_sd, n)
    if challenge is not None and cfg.challenge_sd > 0:
        ids, inv = np.unique(np.asarray(challenge), return_inverse=True)
        offsets = rng.normal(0, cfg.challenge_sd, len(ids))[inv]
        crowd = crowd + offsets - offsets.mean()  # challenges shift images, not the whole dataset
    centre = cfg.signal * q + crowd
    if cfg.layout == "cadb":
        latent = centre[:, None] + biases[None, :] + cfg.polarising_shift * camps[None, :] * pol[:, None]
        latent = latent + rng.normal(0, cfg.vote_sd, (n, cfg.raters))
        scores = 1 + (latent[..., None] > tau).sum(-1)
        counts = np.stack([(scores == s).sum(1) for s in range(1, k + 1)], axis=1)
        return {"scores": scores, "counts": counts, "crowd": crowd}
    lo, hi = cfg.votes_range
    n_votes = np.clip(np.rint(cfg.votes_median * np.exp(rng.normal(0, 0.33, n))), lo, hi).astype(int)
    owner = np.repeat(np.arange(n), n_votes)
    who = rng.integers(0, cfg.raters, len(owner))
    latent = centre[owner] + biases[who] + cfg.polarising_shift * camps[who] * pol[owner]
    latent = latent + rng.normal(0, cfg.vote_sd, len(owner))
    votes = 1 + np.searchsorted(tau, latent)
    counts = np.zeros((n, k), dtype=np.int64)
    np.add.at(counts, (owner, votes - 1), 1)
    return {"counts": counts, "crowd": crowd}
