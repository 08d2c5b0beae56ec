"""Bad input, all in one table: every refusal of the public API at a glance.

Each row is (call, the error srnlab must raise, words its message must hold: what was
wrong, what it got, what is allowed).  ``expect_error`` also checks that srnlab's own
code raised it, not NumPy from deep inside.  Below the table: what is accepted because
it can be used unambiguously (NumPy scalars are numbers), the numbers that do not exist
(inf / NaN with a NumericalWarning that says why), and training that blows up.
"""
import math
import warnings

import numpy as np
import pytest

import srnlab
from conftest import expect_error
from srnlab import tasks
from srnlab.workspace import Workspace

REG = srnlab.SRN.init(2, 5, 1, rng=0)                                   # addition-sized
CLS = srnlab.SRN.init(6, 8, 4, output="softmax", std=0.3, rng=0)        # temporal-order-sized
XR, YR = tasks.generate("addition", 4, 12, rng=0)
XC, YC = tasks.generate("temporal_order", 5, 12, rng=1)
XC2, YC2 = tasks.generate("temporal_order", 3, 12, rng=2)
RES = srnlab.bptt(CLS, XC, YC)
H = XC.shape[1] - 1
OTHER = srnlab.SRN.init(6, 8, 4, output="softmax", std=0.3, rng=9)      # same shapes, other weights
WIDE = srnlab.SRN.init(6, 11, 4, output="softmax", std=0.3, rng=0)      # another K


def with_nan(a, where=(1, 3, 0)):
    a = np.array(a, float)
    a[where] = np.nan
    return a


def inf_at_00(shape):
    a = np.zeros(shape)
    a[0, 0] = np.inf
    return a


def cfg(**kw):
    return srnlab.TrainConfig(**{"task": "temporal_order", "T": 20, **kw})


REFUSALS = [
    # ------------------------------------------------------------------ SRN
    ("init: negative std", lambda: srnlab.SRN.init(2, 5, 1, std=-0.1), ValueError, ["std", ">= 0", "-0.1"]),
    ("init: NaN std", lambda: srnlab.SRN.init(2, 5, 1, std=np.nan), ValueError, ["std", "finite", "nan"]),
    ("init: zero hidden units", lambda: srnlab.SRN.init(2, 0, 1), ValueError, ["n_hidden", ">= 1"]),
    ("init: float K", lambda: srnlab.SRN.init(2, 5.5, 1), TypeError, ["n_hidden", "integer", "5.5"]),
    ("init: bool n_in", lambda: srnlab.SRN.init(True, 5, 1), TypeError, ["n_in", "integer", "True"]),
    ("init: unknown output", lambda: srnlab.SRN.init(2, 5, 1, output="sigmoid"), ValueError,
     ["'sigmoid'", "'linear'", "'softmax'"]),
    ("init: softmax with one class", lambda: srnlab.SRN.init(2, 3, 1, output="softmax"), ValueError, ["n_out >= 2"]),
    ("init: unknown rec_init", lambda: srnlab.SRN.init(2, 5, 1, rec_init="orthogonl"), ValueError,
     ["rec_init", "'orthogonal'"]),
    ("init: negative gain", lambda: srnlab.SRN.init(2, 5, 1, rec_init="orthogonal", gain=-1), ValueError,
     ["gain", ">= 0"]),
    ("init: int dtype", lambda: srnlab.SRN.init(2, 5, 1, dtype=int), ValueError, ["float32 or float64", "int64"]),
    ("init: rng a string", lambda: srnlab.SRN.init(2, 5, 1, rng="seed"), TypeError, ["rng", "Generator", "str"]),
    ("init: negative seed", lambda: srnlab.SRN.init(2, 5, 1, rng=-1), ValueError, ["non-negative", "-1"]),
    ("constructor: shapes do not fit", lambda: srnlab.SRN(W_in=np.ones((2, 4)), W_rec=np.eye(3), b=np.zeros(3),
                                                          W_out=np.ones((3, 1)), c=np.zeros(1)),
     ValueError, ["W_in", "(n, 3)", "(2, 4)"]),
    ("constructor: NaN weight", lambda: srnlab.SRN(W_in=np.ones((2, 3)), W_rec=with_nan(np.eye(3), (0, 0)),
                                                   b=np.zeros(3), W_out=np.ones((3, 1)), c=np.zeros(1)),
     ValueError, ["W_rec contains 1 NaN"]),
    ("astype: int (would truncate every weight)", lambda: REG.astype(int), ValueError, ["float32 or float64", "int64"]),
    ("astype: float16", lambda: REG.astype("float16"), ValueError, ["float32 or float64", "float16"]),
    ("astype: not a dtype", lambda: REG.astype("abc"), TypeError, ["float32 or float64", "'abc'"]),
    ("predict: chunk 0", lambda: CLS.predict(XC, chunk=0), ValueError, ["chunk", ">= 1"]),
    ("predict: NaN input", lambda: CLS.predict(with_nan(XC)), ValueError, ["X contains 1 NaN"]),
    ("forward: empty batch", lambda: CLS.forward(np.zeros((0, 5, 6))), ValueError,
     ["at least one sequence", "(0, 5, 6)"]),
    ("softmax: a string", lambda: srnlab.softmax("abc"), TypeError, ["numeric", "logits"]),
    ("softmax: NaN logit", lambda: srnlab.softmax(np.array([[np.nan, 1.0]])), ValueError, ["1 NaN", "logits"]),
    ("softmax: a scalar", lambda: srnlab.softmax(1.0), ValueError, ["last axis", "()"]),
    # ------------------------------------------------------------------ bptt
    ("bptt: X of the wrong width", lambda: srnlab.bptt(REG, np.zeros((4, 12, 3)), np.zeros((4, 1))), ValueError,
     ["3 input features", "n_in=2"]),
    ("bptt: 2-d X", lambda: srnlab.bptt(REG, np.zeros((12, 2)), np.zeros((1, 1))), ValueError,
     ["3-d", "(batch, time, n_in)", "X[None]"]),
    ("bptt: complex X", lambda: srnlab.bptt(CLS, XC.astype(complex), YC), TypeError, ["numeric", "complex128"]),
    ("bptt: strings in X", lambda: srnlab.bptt(REG, [["a"]], YR), TypeError, ["numeric"]),
    ("bptt: NaN in X", lambda: srnlab.bptt(REG, with_nan(XR), YR), ValueError, ["X contains 1 NaN", "finite"]),
    ("bptt: batch sizes differ", lambda: srnlab.bptt(REG, XR, YR[:3]), ValueError,
     ["4 sequences", "batch size 3", "must match"]),
    ("bptt: h deeper than the sequence", lambda: srnlab.bptt(REG, XR, YR, h=XR.shape[1] + 1), ValueError,
     [f"h={XR.shape[1] + 1}", "between 1 and"]),
    ("bptt: h = 0", lambda: srnlab.bptt(REG, XR, YR, h=0), ValueError, ["h must be an integer >= 1", "got 0"]),
    ("bptt: float h", lambda: srnlab.bptt(REG, XR, YR, h=3.0), TypeError, ["h must be an integer", "3.0"]),
    ("bptt: unknown reduction", lambda: srnlab.bptt(REG, XR, YR, reduction="avg"), ValueError,
     ["'avg'", "'mean'", "'sum'"]),
    ("bptt: not a network", lambda: srnlab.bptt("net", XR, YR), TypeError, ["net must be an srnlab.SRN", "str"]),
    ("ds: not a network", lambda: srnlab.ds(None, XR, YR, np.zeros((5, 5)), 3), TypeError,
     ["net must be an srnlab.SRN", "NoneType"]),
    ("log_indicator: not a network", lambda: srnlab.log_indicator([], XC, YC, {}, 3), TypeError,
     ["net must be an srnlab.SRN", "list"]),
    ("bptt: not a Workspace", lambda: srnlab.bptt(REG, XR, YR, workspace={}), TypeError, ["Workspace", "dict"]),
    ("bptt: class label out of range", lambda: srnlab.bptt(CLS, XC, YC + 4), ValueError, ["class labels", "[0, 3]"]),
    ("bptt: fractional labels", lambda: srnlab.bptt(CLS, XC, YC + 0.5), ValueError, ["integer class labels"]),
    ("bptt: boolean labels", lambda: srnlab.bptt(CLS, XC, YC > 1), TypeError, ["numeric", "bool"]),
    ("bptt: targets of the wrong width", lambda: srnlab.bptt(CLS, XC, np.ones((5, 2))), ValueError,
     ["shape", "n_out=4"]),
    ("bptt: rows that are not probabilities", lambda: srnlab.bptt(CLS, XC, np.full((5, 4), 0.5)), ValueError,
     ["probability vector"]),
    ("bptt_randomized: p = 0", lambda: srnlab.bptt_randomized(CLS, XC, YC, p=0), ValueError, ["p ", "> 0"]),
    ("bptt_randomized: p > 1", lambda: srnlab.bptt_randomized(CLS, XC, YC, p=1.5), ValueError, ["(0, 1]", "1.5"]),
    ("bptt_reference: h = 0", lambda: srnlab.bptt_reference(CLS, XC, YC, h=0), ValueError, ["h must be", ">= 1"]),
    ("bptt_reference: unknown reduction", lambda: srnlab.bptt_reference(CLS, XC, YC, reduction="avg"), ValueError,
     ["'avg'", "'mean'"]),
    # ------------------------------------------------------------------ Q and the rule
    ("q_factor: h deeper than delta", lambda: srnlab.q_factor(np.ones((2, 5, 3)), 5), ValueError,
     ["h=5", "T=5", "at most h=4"]),
    ("q_factor: NaN in delta", lambda: srnlab.q_factor(np.full((2, 5, 3), np.nan), 4), ValueError,
     ["NaN", "inf is allowed"]),
    ("q_factor: unknown norm", lambda: srnlab.q_factor(np.ones((2, 5, 3)), 4, norm="l1"), ValueError,
     ["'l1'", "'spectral'"]),
    ("q_factor: 2-d delta", lambda: srnlab.q_factor(np.ones((5, 3)), 2), ValueError, ["3-d", "(batch, T, K)"]),
    ("accept: Q_min > Q_max", lambda: srnlab.accept(0.0, 0.1, q_range=(1.0, -1.0)), ValueError,
     ["Q_min > Q_max", "Q_min <= Q_max"]),
    ("accept: a q_range of three", lambda: srnlab.accept(0.0, 0.1, q_range=(1, 2, 3)), TypeError, ["pair"]),
    ("accept: unknown rule", lambda: srnlab.accept(0.0, 0.1, rule="print"), ValueError, ["'print'", "'printed'"]),
    ("accept: ds_max = 0", lambda: srnlab.accept(0.0, 0.1, ds_max=0), ValueError, ["ds_max", "> 0", "got 0"]),
    ("accept: ds_max = True", lambda: srnlab.accept(0.0, 0.1, ds_max=True), ValueError, ["ds_max", "got True"]),
    ("accept: q a string", lambda: srnlab.accept("0.5", 0.1), TypeError, ["q must be a real number", "'0.5'"]),
    ("accept: q an array", lambda: srnlab.accept(np.array([0.0]), 0.1), TypeError, ["q must be a real number"]),
    ("winds: shapes that do not broadcast", lambda: srnlab.winds(np.zeros(3), np.zeros(4)), ValueError,
     ["same shape", "(3,)", "(4,)"]),
    ("winds: strings", lambda: srnlab.winds("a", 1.0), TypeError, ["q must be a numeric array"]),
    ("decide: unknown rule", lambda: srnlab.decide(0.0, 0.0, rule="x"), ValueError, ["'x'", "'consistent'"]),
    # ------------------------------------------------------------------ the theorem and the indicator
    ("ds: dW_rec of the wrong shape", lambda: srnlab.ds(REG, XR, YR, np.zeros((4, 4)), 3), ValueError,
     ["dW_rec", "(5, 5)", "(4, 4)"]),
    ("ds: inf in dW_rec", lambda: srnlab.ds(REG, XR, YR, inf_at_00((5, 5)), 3), ValueError,
     ["dW_rec contains 1 NaN or infinite"]),
    ("ds: h deeper than the sequence", lambda: srnlab.ds(REG, XR, YR, np.zeros((5, 5)), XR.shape[1]), ValueError,
     ["deeper than the sequence"]),
    ("ds: a result of another network", lambda: srnlab.ds(CLS, XC, YC, np.zeros((8, 8)), 3,
                                                          result=srnlab.bptt(OTHER, XC, YC)),
     ValueError, ["not a BPTT result of this network", "a(0)"]),
    ("ds: a result of another batch", lambda: srnlab.ds(CLS, XC, YC, np.zeros((8, 8)), 3,
                                                        result=srnlab.bptt(CLS, XC2, YC2)),
     ValueError, ["not a BPTT result of this network and batch", f"{(3, XC2.shape[1], 8)}"]),
    ("ds: a result for other targets", lambda: srnlab.ds(CLS, XC, YC, np.zeros((8, 8)), 3,
                                                         result=srnlab.bptt(CLS, XC, (YC + 1) % 4)),
     ValueError, ["not a BPTT result for these targets"]),
    ("ds: a result with the other reduction", lambda: srnlab.ds(CLS, XC, YC, np.zeros((8, 8)), 3, reduction="sum",
                                                                result=RES),
     ValueError, ["reduction='mean'", "reduction='sum'"]),
    ("ds: a result too shallow", lambda: srnlab.ds(CLS, XC, YC, np.zeros((8, 8)), 5,
                                                   result=srnlab.bptt(CLS, XC, YC, h=3)),
     ValueError, ["went back 3 steps", "h=5"]),
    ("ds_relative: not a result", lambda: srnlab.ds_relative(CLS, XC, YC, np.zeros((8, 8)), 3, result="res"),
     TypeError, ["BPTTResult", "str"]),
    ("tangent: not a result", lambda: srnlab.tangent(CLS, "res", np.zeros((8, 8)), 3), TypeError,
     ["BPTTResult", "str"]),
    ("s_gradient: a result of a network of another size", lambda: srnlab.s_gradient(WIDE, RES, 3), ValueError,
     ["not a BPTT result of this network", "K=11"]),
    ("s_frozen: a result of None", lambda: srnlab.s_frozen(CLS, None, CLS.W_rec, 3), TypeError,
     ["BPTTResult", "NoneType"]),
    ("log_indicator: a list as step", lambda: srnlab.log_indicator(CLS, XC, YC, [1.0], 3), TypeError,
     ["dict of parameter changes", "list"]),
    ("log_indicator: unknown key", lambda: srnlab.log_indicator(CLS, XC, YC, {"W_hh": 0}, 3), ValueError,
     ["unknown key", "'W_hh'", "W_rec"]),
    ("log_indicator: a step of the wrong shape", lambda: srnlab.log_indicator(CLS, XC, YC, {"W_rec": np.zeros((3, 3))}, 3),
     ValueError, ["step['W_rec']", "(8, 8)", "(3, 3)"]),
    ("log_indicator: unknown norm", lambda: srnlab.log_indicator(CLS, XC, YC, {}, 3, norm="max"), ValueError,
     ["'max'", "'spectral'"]),
    ("log_indicator: exact not a bool", lambda: srnlab.log_indicator(CLS, XC, YC, {}, 3, exact="yes"), TypeError,
     ["exact must be True or False"]),
    ("log_indicator: a result of another network", lambda: srnlab.log_indicator(
        CLS, XC, YC, {}, 3, result=srnlab.bptt(OTHER, XC, YC)), ValueError, ["not a BPTT result of this network"]),
    # ------------------------------------------------------------------ tasks
    ("generate: unknown task", lambda: tasks.generate("temporal_ordr", 10, 50), ValueError,
     ["'temporal_ordr'", "Did you mean 'temporal_order'"]),
    ("generate: T too short", lambda: tasks.generate("addition", 10, 5), ValueError, ["T=5", "too short", "T >= 10"]),
    ("generate: no sequences", lambda: tasks.generate("addition", 0, 50), ValueError,
     ["n (the number of sequences)", ">= 1"]),
    ("generate: float T", lambda: tasks.generate("addition", 2, 20.0), TypeError, ["T (the sequence length)", "20.0"]),
    ("generate: bool n", lambda: tasks.generate("addition", True, 20), TypeError, ["n (the number", "True"]),
    ("accuracy: NaN outputs", lambda: tasks.accuracy("temporal_order", np.full((3, 4), np.nan), np.array([0, 1, 2])),
     ValueError, ["y_hat contains 12 NaN", "diverged"]),
    ("accuracy: a label outside the classes", lambda: tasks.accuracy("temporal_order", np.eye(4)[[0, 1, 2]],
                                                                     np.array([0, 1, 7])),
     ValueError, ["class labels", "[0, 3]", "[0, 7]"]),
    ("accuracy: outputs of the wrong width", lambda: tasks.accuracy("temporal_order", np.ones((3, 2)), np.zeros(3)),
     ValueError, ["y_hat must have shape (n, 4)", "(3, 2)"]),
    ("accuracy: targets of the wrong shape", lambda: tasks.accuracy("addition", np.ones((3, 1)), np.ones((3, 2))),
     ValueError, ["y must have shape (3, 1) or (3,)", "(3, 2)"]),
    ("accuracy: rows differ", lambda: tasks.accuracy("addition", np.ones((3, 1)), np.ones((2, 1))), ValueError,
     ["3 rows", "y has 2"]),
    ("accuracy: tolerance 0", lambda: tasks.accuracy("addition", np.zeros((2, 1)), np.zeros((2, 1)), tol=0), ValueError,
     ["tol", "> 0"]),
    ("marker_ranges: float length", lambda: tasks.marker_ranges("addition", 30.0), TypeError, ["length", "30.0"]),
    # ------------------------------------------------------------------ training
    ("TrainConfig: unknown method", lambda: cfg(method="sample"), ValueError, ["unknown method", "'sampling'"]),
    ("TrainConfig: bool lr", lambda: cfg(lr=True), TypeError, ["lr must be a real number", "True"]),
    ("TrainConfig: inf clip_norm", lambda: cfg(clip_norm=np.inf), ValueError, ["clip_norm", "finite"]),
    ("TrainConfig: momentum 1", lambda: cfg(momentum=1), ValueError, ["momentum", "[0, 1)"]),
    ("TrainConfig: negative tolerance", lambda: cfg(task="addition", tol=-1), ValueError, ["tol", "> 0", "-1"]),
    ("TrainConfig: bool in q_range", lambda: cfg(q_range=(True, 2)), TypeError, ["q_range", "pair", "True"]),
    ("TrainConfig: Q_min > Q_max", lambda: cfg(q_range=(2, 1)), ValueError, ["Q_min > Q_max"]),
    ("TrainConfig: ds_max = True", lambda: cfg(ds_max=True), ValueError, ["ds_max", "got True"]),
    ("TrainConfig: bool h", lambda: cfg(h=True), TypeError, ["h (the horizon of Q and dS)", "True"]),
    ("TrainConfig: h = T", lambda: cfg(h=20), ValueError, ["between 1 and T-1 = 19", "T=20", "got 20"]),
    ("TrainConfig: bptt_depth < h for sampling", lambda: cfg(method="sampling", bptt_depth=5), ValueError,
     ["bptt_depth >= h", "got 5"]),
    ("TrainConfig: n_train below a batch", lambda: cfg(n_train=5), ValueError, ["n_train", ">= 10", "got 5"]),
    ("TrainConfig: n_train not whole batches", lambda: cfg(n_train=15), ValueError,
     ["n_train=15", "multiple of batch=10", "n_train=10"]),
    ("TrainConfig: unknown indicator", lambda: cfg(indicator="dS"), ValueError, ["unknown indicator", "'log10'"]),
    ("TrainConfig: reset_velocity_every 0", lambda: cfg(reset_velocity_every=0), ValueError,
     ["reset_velocity_every", ">= 1"]),
    ("TrainConfig: unknown select_by", lambda: cfg(select_by="acc"), ValueError, ["select_by", "'accuracy'"]),
    ("TrainConfig: T a string", lambda: cfg(T="20"), TypeError, ["T must be an integer", "'20'"]),
    ("TrainConfig: T too short", lambda: cfg(T=3), ValueError, ["T=3", "too short"]),
    ("Trainer: a network of the wrong task", lambda: srnlab.Trainer(REG, task="temporal_order", T=20), ValueError,
     ["n_in=6", "n_in=2"]),
    ("Trainer: not a network", lambda: srnlab.Trainer("net", task="temporal_order", T=20), TypeError,
     ["net must be an srnlab.SRN", "str"]),
    ("Trainer: a dict for a TrainConfig", lambda: srnlab.Trainer(CLS, {"task": "temporal_order"}), TypeError,
     ["config must be a TrainConfig", "dict"]),
    ("Trainer: both a config and keywords", lambda: srnlab.Trainer(CLS, cfg(), lr=1), TypeError,
     ["either a TrainConfig or keyword arguments"]),
    ("Trainer: a string seed", lambda: srnlab.Trainer(CLS, cfg(), seed="a"), TypeError, ["rng", "str"]),
    ("Trainer: watch not a function", lambda: srnlab.Trainer(CLS, cfg(), watch=3), TypeError,
     ["watch must be a function"]),
    ("run: negative updates", lambda: srnlab.Trainer(CLS, cfg(n_val=20)).run(-1), ValueError,
     ["n_updates", ">= 0", "-1"]),
    ("run: float updates", lambda: srnlab.Trainer(CLS, cfg(n_val=20)).run(2.0), TypeError, ["n_updates", "2.0"]),
    ("run: callback not a function", lambda: srnlab.Trainer(CLS, cfg(n_val=20)).run(1, callback=3), TypeError,
     ["callback must be a function", "int"]),
    ("train: bool updates", lambda: srnlab.train(CLS, "temporal_order", 20, True), TypeError, ["n_updates", "True"]),
    ("Workspace: a negative shape", lambda: Workspace().get("a", (-1, 2), float), ValueError,
     ["shape", ">= 0", "(-1, 2)"]),
]


@pytest.mark.parametrize("call, error, words", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refused(call, error, words):
    with expect_error(error, *words):
        call()


# ---------------------------------------------------------------------- accepted: unambiguous input
ACCEPTED = [
    ("NumPy scalars as sizes", lambda: srnlab.SRN.init(np.int64(2), np.int32(5), np.int64(1)).K == 5),
    ("a NumPy float std", lambda: srnlab.SRN.init(2, 5, 1, std=np.float32(0.1)).K == 5),
    ("a NumPy float ds_max", lambda: cfg(ds_max=np.float32(1.0)).ds_max == 1.0),
    ("a NumPy float learning rate", lambda: cfg(lr=np.float32(1e-3)).lr == pytest.approx(1e-3)),
    ("a NumPy int T", lambda: cfg(T=np.int64(20)).T == 20),
    ("NumPy q and dS", lambda: srnlab.accept(np.float32(0.0), np.float64(0.1)) is True),
    ("a NumPy int depth", lambda: srnlab.bptt(CLS, XC, YC, h=np.int64(3)).depth == 3),
    ("(n,) outputs for a one-output task", lambda: tasks.accuracy("addition", np.array([0.1, 0.2, 0.9]),
                                                                  np.array([[0.1], [0.2], [0.3]])) == pytest.approx(2 / 3)),
    ("float labels that are whole numbers", lambda: tasks.accuracy("temporal_order", np.eye(4)[[0, 1]],
                                                                   np.array([0.0, 1.0])) == 1.0),
    ("a list as X", lambda: REG.forward([[[0.5, 1.0]]]).y_hat.shape == (1, 1)),
]


@pytest.mark.parametrize("call", [c for _, c in ACCEPTED], ids=[n for n, _ in ACCEPTED])
def test_accepted(call):
    assert call()


# ---------------------------------------------------------------------- numbers that do not exist
def test_q_is_finite_for_any_finite_gradients_however_extreme():
    d = np.ones((2, 5, 3))
    d[:, 0] = 1e300
    assert srnlab.q_factor(d, 4) == pytest.approx(-300.0)
    d[:, 0] = 1e-310                                    # subnormal, but not zero
    assert srnlab.q_factor(d, 4, norm="spectral") == pytest.approx(310.0, rel=1e-3)


@pytest.mark.parametrize("old, expected, words", [
    (0.0, math.inf, "vanished completely"),
    (np.inf, -math.inf, "overflowed to inf"),
])
def test_q_infinite_says_why(old, expected, words):
    d = np.ones((2, 5, 3))
    d[:, 0] = old
    with pytest.warns(srnlab.NumericalWarning, match=words):
        assert srnlab.q_factor(d, 4) == expected


def test_q_of_two_zero_gradients_is_nan_and_says_why():
    with pytest.warns(srnlab.NumericalWarning, match="no ratio exists"):
        assert math.isnan(srnlab.q_factor(np.zeros((2, 5, 3)), 4))


def test_ds_relative_of_a_vanished_gradient_says_why():
    net = srnlab.SRN.init(6, 8, 4, output="softmax", std=0.0, rng=0)    # W_rec = 0: nothing reaches back
    with pytest.warns(srnlab.NumericalWarning, match="vanished"):
        assert math.isnan(srnlab.ds_relative(net, XC, YC, np.ones((8, 8)), 5))


# ---------------------------------------------------------------------- training that blows up
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", ["sgd", "clip", "sampling"])
@pytest.mark.parametrize("std, lr", [(5.0, 1e-2), (0.1, 1e305), (5.0, 1e10)])
def test_blow_ups_stop_cleanly(method, std, lr, dtype):
    """An exploding start (std 5, K = 100) or an absurd learning rate: no exception, no NumPy
    warning; the run either completes or stops as "diverged at update N: ..." with its best
    network and its history kept."""
    net = srnlab.SRN.init(6, 100, 4, output="softmax", std=std, rng=0, dtype=dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = srnlab.train(net, "temporal_order", 30, 60, lr=lr, method=method, n_train=100, n_val=20,
                         epoch=10, record_every=1)
    ours = [w for w in caught if str(w.message).startswith("training stopped: diverged")]
    assert len(ours) == len(caught), [str(w.message) for w in caught]        # no NumPy warning
    assert t.status == "completed" or t.status.startswith("diverged at update")
    if t.status != "completed":
        assert len(ours) == 1 and t.status in str(ours[0].message)
        n = int(t.status.split()[3].rstrip(":"))
        assert 1 <= n <= 60 and len(t.history["update"]) in (n - 1, n)
    assert all(np.all(np.isfinite(p)) for p in t.best.params().values())
    assert len(t.history["val_acc"]) >= 1


def test_an_absurd_learning_rate_diverges_at_once_and_says_where():
    net = srnlab.SRN.init(6, 100, 4, output="softmax", std=0.1, rng=0)
    with pytest.warns(RuntimeWarning, match="training stopped: diverged at update"):
        t = srnlab.train(net, "temporal_order", 30, 60, lr=1e305, n_train=100, n_val=20, epoch=10, record_every=1)
    assert t.status.startswith("diverged at update") and "largest |weight|" in t.status
    assert t.best_update == 0 and np.array_equal(t.best.W_rec, net.W_rec)   # the best network is the start


def test_ds_of_an_exploding_float32_network_is_the_number_not_an_overflow():
    """In float32 the products G * dG overflow (3.4e38); dS is summed in float64 and exists."""
    net = srnlab.SRN.init(6, 100, 4, output="softmax", std=1.0, rng=0, dtype=np.float32)
    X, y = tasks.generate("temporal_order", 10, 100, rng=1)
    dW = np.full((100, 100), 1e-4, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = srnlab.ds(net, X, y, dW, 99)
        rel = srnlab.ds_relative(net, X, y, dW, 99)
    assert np.isfinite(value) and abs(value) > 3.4e38 and np.isfinite(rel)


def test_ds_of_an_overflowed_old_gradient_says_why():
    net = srnlab.SRN.init(6, 100, 4, output="softmax", std=3.0, rng=0, dtype=np.float32)
    X, y = tasks.generate("temporal_order", 10, 100, rng=1)
    res = srnlab.bptt(net, X, y)
    assert not np.all(np.isfinite(res.delta[:, 0]))            # std 3: delta overflows float32 on the way back
    with pytest.warns(srnlab.NumericalWarning, match="itself is not finite"):
        assert not np.isfinite(srnlab.ds(net, X, y, np.zeros((100, 100), np.float32), 99, result=res))
