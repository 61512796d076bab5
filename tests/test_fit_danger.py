"""eval/fit_danger.py's fit: the n x n Newton steps give the dense d x d solver's model."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import eval_script

fit_danger = eval_script("fit_danger")


def dense_fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """The solver fit() replaced (d x d Hessian each step), kept as the oracle."""
    weight = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    a = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], 1 / c)
    penalty[-1] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a @ w)))
        grad = a.T @ (weight * (p - y)) + penalty * w
        hess = (a * (weight * p * (1 - p))[:, None]).T @ a + np.diag(penalty)
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w[:-1], float(w[-1])


def _problem(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit rows (like the tf-idf and vector parts), a rare class tied to a few features."""
    rng = np.random.default_rng(seed)
    x = np.abs(rng.standard_normal((n, d))) * (rng.random((n, d)) < 0.3)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    score = x @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n)
    y = (score > np.quantile(score, 0.8)).astype(np.float64)
    return x, y


@pytest.mark.parametrize(("n", "d"), [(60, 200), (200, 30), (50, 50)])
@pytest.mark.parametrize("c", fit_danger.CS)
def test_fit_gives_the_dense_solvers_weights(n: int, d: int, c: float) -> None:
    x, y = _problem(n, d, seed=n + d)
    w, b = fit_danger.fit(x, y, c)
    w0, b0 = dense_fit(x, y, c)
    scale = max(np.abs(w0).max(), abs(b0))
    assert np.abs(w - w0).max() < 1e-9 * scale
    assert abs(b - b0) < 1e-9 * scale


def test_fit_reaches_the_optimum_with_the_bias_unpenalised() -> None:
    x, y = _problem(80, 300, seed=7)
    c = 3.0
    w, b = fit_danger.fit(x, y, c)
    weight = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    r = weight * (1 / (1 + np.exp(-(x @ w + b))) - y)
    assert np.abs(x.T @ r + w / c).max() < 1e-8  # the weights' gradient, penalty included
    assert abs(r.sum()) < 1e-8  # the bias's, no penalty: a penalised bias would leave this > 0
