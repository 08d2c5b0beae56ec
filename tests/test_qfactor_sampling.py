"""The Q-factor (eq. 25) and the sampling decision (section 6)."""
import itertools

import numpy as np
import pytest

import srnlab


def test_q_factor_by_hand():
    delta = np.zeros((1, 5, 2))
    delta[0, 4] = [3.0, 4.0]        # ||delta(k)|| = 5
    delta[0, 2] = [0.3, 0.4]        # ||delta(k-2)|| = 0.5
    delta[0, 0] = [30.0, 40.0]      # ||delta(k-4)|| = 50
    assert srnlab.q_factor(delta, 2) == pytest.approx(1.0)     # vanishing tenfold
    assert srnlab.q_factor(delta, 4) == pytest.approx(-1.0)    # exploding tenfold
    with pytest.warns(srnlab.NumericalWarning, match="vanished completely"):
        assert srnlab.q_factor(delta, 1) == np.inf             # delta(k-1) = 0


def test_q_factor_uses_mean_of_per_example_norms():
    delta = np.zeros((2, 3, 1))
    delta[:, 2, 0] = [1.0, 1.0]
    delta[:, 0, 0] = [0.0, 2.0]     # per-example norms 0 and 2: mean 1 (Frobenius would give 2)
    assert srnlab.q_factor(delta, 2) == pytest.approx(0.0, abs=1e-15)


def test_q_factor_on_bptt_output():
    rng = np.random.default_rng(0)
    net = srnlab.SRN.init(6, 30, 4, output="softmax", std=0.05, rng=rng)
    X, y = srnlab.tasks.generate("temporal_order", 20, 40, rng=rng)
    res = srnlab.bptt(net, X, y)
    q = srnlab.q_factor(res.delta, 30)
    n = res.delta_norms
    assert q == pytest.approx(np.log10(n[-1]) - np.log10(n[-31]), rel=1e-12)
    assert q > 5                     # small weights: the gradient vanishes


TABLE = {
    # (zone, ds sign) -> (consistent, printed)
    ("inside", +1): (True, True),
    ("inside", -1): (True, True),
    ("vanishing", +1): (True, False),
    ("vanishing", -1): (False, True),
    ("exploding", +1): (False, True),
    ("exploding", -1): (True, False),
}
Q_OF = {"inside": 0.3, "vanishing": 2.5, "exploding": -4.0}


@pytest.mark.parametrize("zone,sign", list(TABLE))
def test_accept_truth_table(zone, sign):
    consistent, printed = TABLE[(zone, sign)]
    q, ds = Q_OF[zone], 0.5 * sign
    assert srnlab.accept(q, ds) is consistent
    assert srnlab.accept(q, ds, rule="consistent") is consistent
    assert srnlab.accept(q, ds, rule="printed") is printed


def test_accept_threshold_edges_and_nan():
    for rule, q in itertools.product(("consistent", "printed"), (0.0, 3.0, -3.0)):
        assert srnlab.accept(q, 1.5, rule=rule) is False          # |dS| > ds_max: always skip
        assert srnlab.accept(q, -1.5, rule=rule) is False
        assert srnlab.accept(q, float("nan"), rule=rule) is False
    assert srnlab.accept(float("nan"), 0.1) is False
    assert srnlab.accept(1.0, -0.5) is True and srnlab.accept(-1.0, 0.5) is True   # zone is closed
    assert srnlab.accept(np.inf, 0.5) is True                     # fully vanished, dS grows it
    assert srnlab.accept(0.0, 1e6, ds_max=np.inf) is True
    assert srnlab.accept(5.0, 0.1, q_range=(-10, 10)) is True
