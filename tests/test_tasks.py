"""The four tasks of section 7."""
import numpy as np
import pytest


from srnlab import tasks


def positions(X, name):
    if name in ("addition", "multiplication"):
        return [np.flatnonzero(row[:, 1]) for row in X]
    return [np.flatnonzero(row[:, :2].sum(axis=1)) for row in X]


@pytest.mark.parametrize("name", list(tasks.TASKS))
@pytest.mark.parametrize("T", [10, 50, 100, 150])
def test_shapes_lengths_and_marker_ranges(name, T):
    rng = np.random.default_rng(T)
    lengths = set()
    n_markers = 3 if name == "temporal_order_3bit" else 2
    for _ in range(30):
        X, y = tasks.generate(name, 50, T, rng=rng)
        L = X.shape[1]
        lengths.add(L)
        assert T <= L <= 11 * T // 10
        spec = tasks.spec(name)
        assert X.shape == (50, L, spec.n_in)
        assert y.shape == ((50, 1) if spec.output == "linear" else (50,))
        ranges = tasks.marker_ranges(name, L)
        for p in positions(X, name):
            assert len(p) == n_markers
            for pos, (lo, hi) in zip(p, ranges):
                assert lo <= pos + 1 <= hi          # 1-based, inclusive
    if T >= 20:
        assert len(lengths) > 1                     # the length varies from call to call


def test_marker_ranges_follow_the_paper():
    assert tasks.marker_ranges("addition", 100) == [(1, 10), (11, 50)]
    assert tasks.marker_ranges("temporal_order", 100) == [(10, 20), (40, 50)]
    assert tasks.marker_ranges("temporal_order_3bit", 100) == [(10, 20), (30, 40), (60, 70)]


@pytest.mark.parametrize("name", ["addition", "multiplication"])
def test_regression_targets(name):
    X, y = tasks.generate(name, 200, 30, rng=1)
    assert X[:, :, 0].min() >= 0 and X[:, :, 0].max() <= 1
    v = np.array([row[p, 0] for row, p in zip(X, positions(X, name))])
    want = v.sum(axis=1) / 2 if name == "addition" else v.prod(axis=1)
    np.testing.assert_allclose(y[:, 0], want, rtol=1e-15)


@pytest.mark.parametrize("name,n_classes", [("temporal_order", 4), ("temporal_order_3bit", 8)])
def test_classification_targets_and_balance(name, n_classes):
    X, y = tasks.generate(name, 8000, 20, rng=2)
    assert np.all(X.sum(axis=2) == 1)                         # one-hot, every step
    symbols = X.argmax(axis=2)
    for row, p, label in zip(symbols[:200], positions(X[:200], name), y[:200]):
        bits = row[p]                                         # A = 0, B = 1
        assert label == int("".join(map(str, bits)), 2)
        noise = np.delete(row, p)
        assert np.all((noise >= 2) & (noise <= 5))            # only c, d, e, f elsewhere
    counts = np.bincount(y, minlength=n_classes)
    expected = len(y) / n_classes
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected)), counts


def test_accuracy_criterion():
    y = np.array([[0.5], [0.2], [0.9]])
    assert tasks.accuracy("addition", y + [[0.039], [-0.039], [0.041]], y) == pytest.approx(2 / 3)
    assert tasks.accuracy("addition", y + 0.06, y, tol=0.08) == 1.0
    probs = np.eye(4)[[0, 1, 2, 3]]
    assert tasks.accuracy("temporal_order", probs, np.array([0, 1, 3, 3])) == 0.75


def test_min_lengths():
    assert tasks.min_length("addition") == 10
    for name in tasks.TASKS:
        T = tasks.min_length(name)
        tasks.generate(name, 5, T, rng=0)
        with pytest.raises(ValueError, match="too short"):
            tasks.generate(name, 5, T - 1, rng=0)
