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


# ------------------------------------------------------------------ the three sources' variants
def _markers(X, name):
    if name in ("addition", "multiplication"):
        return [np.flatnonzero(x[:, 1]) + 1 for x in X]            # 1-based
    return [np.flatnonzero(x[:, :2].any(axis=1)) + 1 for x in X]


def test_the_paper_variant_is_the_default_to_the_bit():
    for name in tasks.TASKS:
        a = tasks.generate(name, 7, 40, rng=3)
        b = tasks.generate(name, 7, 40, rng=3, variant="paper")
        np.testing.assert_array_equal(a[0], b[0]) and np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize("variant", tasks.VARIANTS)
@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_variants_place_markers_in_their_ranges(name, variant):
    rng = np.random.default_rng(5)
    for T in (20, 57, 100):
        lo, hi = tasks.lengths(name, T, variant)
        for _ in range(5):
            X, y = tasks.generate(name, 50, T, rng, variant=variant)
            L = X.shape[1]
            assert lo <= L <= hi
            for pos in _markers(X, name):
                ranges = tasks.marker_ranges(name, L, variant)
                assert len(pos) == len(ranges)
                assert all(a <= p <= b for p, (a, b) in zip(pos, ranges))


def test_pascanus_variant_as_his_code():
    assert tasks.lengths("addition", 100, "pascanu") == (100, 109)          # T + randint(10)
    assert tasks.lengths("temporal_order", 100, "pascanu") == (100, 100)
    assert tasks.marker_ranges("temporal_order", 100, "pascanu") == [(11, 20), (51, 60)]
    assert tasks.marker_ranges("temporal_order_3bit", 100, "pascanu") == [(11, 20), (31, 40), (61, 70)]
    assert tasks.marker_ranges("addition", 105, "pascanu") == [(1, 10), (11, 52)]
    X, y = tasks.generate("addition", 2000, 50, rng=1, variant="pascanu")
    assert X[:, :, 0].min() >= 0 and X[:, :, 0].max() < 1
    v = X[:, :, 0][X[:, :, 1] == 1].reshape(-1, 2)
    np.testing.assert_allclose(y[:, 0], v.sum(axis=1) / 2)


def test_the_authors_variant_as_his_code():
    assert tasks.lengths("addition", 100, "author") == (100, 100)
    assert tasks.marker_ranges("addition", 100, "author") == [(1, 11), (12, 55)]     # from ceil(1.1 T) = 110
    for name, f in (("addition", lambda a, b: 0.5 + (a + b) / 4), ("multiplication", lambda a, b: 0.5 + a * b / 4)):
        X, y = tasks.generate(name, 3000, 100, rng=2, variant="author")
        assert X.shape[1] == 100 and X[:, :, 0].min() < -0.99 and X[:, :, 0].max() > 0.99
        assert X[:, :, 0].min() >= -1 and X[:, :, 0].max() <= 1
        v = X[:, :, 0][X[:, :, 1] == 1].reshape(-1, 2)
        np.testing.assert_allclose(y[:, 0], f(v[:, 0], v[:, 1]))
        assert 0 <= y.min() and y.max() <= 1


def test_squared_criterion_is_pascanus():
    y = np.array([[0.5], [0.5], [0.5], [0.5]])
    y_hat = np.array([[0.5], [0.53], [0.69], [0.71]])            # errors 0, 0.03, 0.19, 0.21
    assert tasks.accuracy("addition", y_hat, y) == 0.5            # |err| < 0.04
    assert tasks.accuracy("addition", y_hat, y, criterion="squared") == 0.75      # err^2 <= 0.04
    assert tasks.accuracy("temporal_order", np.eye(4)[[0, 1]], np.array([0, 2]), criterion="squared") == 0.5
    with pytest.raises(ValueError, match="criterion"):
        tasks.accuracy("addition", y_hat, y, criterion="relative")


def test_the_mean_target_under_each_criterion():
    """Always answering the mean target: addition about 0.15 under |err| < 0.04 and 0.64 under
    err^2 <= 0.04 (exactly 1 - 2 * 2 * 0.3^2 for the triangular (a + b) / 2); multiplication about
    0.14 and 0.61 (F(0.45) - F(0.05), F(t) = t - t ln t the distribution of a b)."""
    F = lambda t: t - t * np.log(t)
    for name, absolute, squared in (("addition", 0.153, 1 - 4 * 0.3 ** 2),
                                    ("multiplication", None, F(0.45) - F(0.05))):
        _, y = tasks.generate(name, 200_000, 10, rng=0)
        guess = np.full_like(y, 0.5 if name == "addition" else 0.25)
        if absolute is not None:
            assert abs(tasks.accuracy(name, guess, y) - absolute) < 0.005
        assert abs(tasks.accuracy(name, guess, y, criterion="squared") - squared) < 0.005


# --------------------------------------------------------------- the best constant (chance level)
def test_best_constant_known_levels():
    """The paper's data: addition about 0.154 under |e| < 0.04 and 0.64 under e^2 <= 0.04 (the mean
    target (a+b)/2 has a triangular density, peak 2 at 0.5: 2 * 2 * 0.04 = 0.16 minus the slope);
    multiplication 0.28 and 0.77, with the constant near 0.04 and 0.2 (the products pile up at 0)."""
    c, acc = tasks.best_constant("addition")
    assert abs(acc - 0.154) < 0.005 and abs(c - 0.5) < 0.03
    assert abs(tasks.best_constant("addition", criterion="squared")[1] - 0.64) < 0.005
    c, acc = tasks.best_constant("multiplication")
    assert abs(acc - 0.282) < 0.005 and abs(c - 0.04) < 0.005
    c, acc = tasks.best_constant("multiplication", criterion="squared")
    assert abs(acc - 0.766) < 0.005 and abs(c - 0.2) < 0.005


@pytest.mark.parametrize("name", ["addition", "multiplication"])
@pytest.mark.parametrize("variant", ["paper", "author"])
@pytest.mark.parametrize("criterion", ["absolute", "squared"])
def test_best_constant_is_the_best_answer_that_accuracy_scores(name, variant, criterion):
    """Brute force on a small sample: tasks.accuracy of every constant on the grid; none does better,
    and the returned constant scores what best_constant says.  Within one target: the grid starts
    at the smallest target, so a target can sit on a window's edge, where rounding decides."""
    n, tol = 2_000, 0.04
    c, acc = tasks.best_constant(name, tol, criterion, variant, n=n, rng=3)
    _, y = tasks.generate(name, n, tasks.min_length(name, variant), 3, variant=variant)
    grid = np.arange(y.min(), y.max() + 0.0005, 0.001)
    brute = [tasks.accuracy(name, np.full_like(y, g), y, tol, criterion) for g in grid]
    assert acc == pytest.approx(max(brute), abs=1.01 / n)
    assert tasks.accuracy(name, np.full_like(y, c), y, tol, criterion) == pytest.approx(acc, abs=1.01 / n)


def test_best_constant_over_many_tolerances():
    tols = [0.01, 0.04, 0.2]
    c, acc = tasks.best_constant("addition", tols, n=20_000)
    assert c.shape == acc.shape == (3,) and np.all(np.diff(acc) > 0)
    assert acc[1] == tasks.best_constant("addition", 0.04, n=20_000)[1]
    assert tasks.best_constant("addition", n=20_000, rng=5) == tasks.best_constant("addition", n=20_000, rng=5)


@pytest.mark.parametrize("args, kwargs, exc, words", [
    (("temporal_order",), {}, ValueError, "regression tasks"),
    (("addition",), {"tol": 0}, ValueError, "tol"),
    (("addition",), {"tol": []}, ValueError, "non-empty"),
    (("addition",), {"tol": [0.04, -1]}, ValueError, "tol"),
    (("addition",), {"criterion": "relative"}, ValueError, "criterion"),
    (("addition",), {"variant": "authors"}, ValueError, "variant"),
    (("addition",), {"n": 0}, ValueError, "n"),
    (("addition",), {"tol": "0.04"}, TypeError, "tol"),
])
def test_best_constant_bad_input(args, kwargs, exc, words):
    with pytest.raises(exc, match=words):
        tasks.best_constant(*args, **kwargs)
