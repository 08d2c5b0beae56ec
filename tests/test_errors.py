"""Bad input: a ValueError or TypeError saying what was wrong and what is allowed."""
import numpy as np
import pytest

import srnlab
from conftest import expect_error


@pytest.fixture
def net():
    return srnlab.SRN.init(2, 5, 1, rng=0)


@pytest.fixture
def data():
    return srnlab.tasks.generate("addition", 4, 12, rng=0)


def expect(exc, *words):
    return expect_error(exc, *words)


def test_negative_std():
    with expect(ValueError, "std", ">= 0", "-0.1"):
        srnlab.SRN.init(2, 5, 1, std=-0.1)


def test_zero_hidden_units():
    with expect(ValueError, "n_hidden", ">= 1"):
        srnlab.SRN.init(2, 0, 1)


def test_unknown_output_kind():
    with expect(ValueError, "'sigmoid'", "'linear'", "'softmax'"):
        srnlab.SRN.init(2, 5, 1, output="sigmoid")


def test_unknown_rec_init():
    with expect(ValueError, "rec_init", "'orthogonal'"):
        srnlab.SRN.init(2, 5, 1, rec_init="orthogonl")


def test_X_of_wrong_width(net):
    with expect(ValueError, "3 input features", "n_in=2"):
        srnlab.bptt(net, np.zeros((4, 12, 3)), np.zeros((4, 1)))


def test_2d_X(net):
    with expect(ValueError, "3-d", "(batch, time, n_in)", "X[None]"):
        srnlab.bptt(net, np.zeros((12, 2)), np.zeros((1, 1)))


def test_batch_sizes_differ(net, data):
    X, y = data
    with expect(ValueError, "4 sequences", "batch size 3", "must match"):
        srnlab.bptt(net, X, y[:3])


def test_nan_in_X(net, data):
    X, y = data
    X = X.copy()
    X[1, 3, 0] = np.nan
    with expect(ValueError, "X contains 1 NaN", "finite"):
        srnlab.bptt(net, X, y)


def test_h_deeper_than_sequence(net, data):
    X, y = data
    T = X.shape[1]
    with expect(ValueError, f"h={T + 1}", "between 1 and"):
        srnlab.bptt(net, X, y, h=T + 1)


def test_h_zero(net, data):
    X, y = data
    with expect(ValueError, "h must be an integer >= 1", "got 0"):
        srnlab.bptt(net, X, y, h=0)


def test_q_factor_h_deeper_than_delta():
    with expect(ValueError, "h=5", "T=5", "at most h=4"):
        srnlab.q_factor(np.ones((2, 5, 3)), 5)


def test_q_range_reversed():
    with expect(ValueError, "Q_min > Q_max", "Q_min <= Q_max"):
        srnlab.accept(0.0, 0.1, q_range=(1.0, -1.0))


def test_unknown_rule():
    with expect(ValueError, "'print'", "'printed'"):
        srnlab.accept(0.0, 0.1, rule="print")


def test_dW_rec_wrong_shape(net, data):
    X, y = data
    with expect(ValueError, "dW_rec", "(5, 5)", "(4, 4)"):
        srnlab.ds(net, X, y, np.zeros((4, 4)), 3)


def test_ds_h_too_deep(net, data):
    X, y = data
    with expect(ValueError, "deeper than the sequence"):
        srnlab.ds(net, X, y, np.zeros((5, 5)), X.shape[1])


def test_unknown_task_suggests_closest():
    with expect(ValueError, "'temporal_ordr'", "Did you mean 'temporal_order'"):
        srnlab.tasks.generate("temporal_ordr", 10, 50)


def test_T_too_short():
    with expect(ValueError, "T=5", "too short", "T >= 10"):
        srnlab.tasks.generate("addition", 10, 5)


def test_n_zero():
    with expect(ValueError, "n (the number of sequences)", ">= 1"):
        srnlab.tasks.generate("addition", 0, 50)


def test_wrong_labels_and_targets():
    soft = srnlab.SRN.init(6, 5, 4, output="softmax", rng=0)
    X, y = srnlab.tasks.generate("temporal_order", 3, 10, rng=0)
    with expect(ValueError, "class labels", "[0, 3]"):
        srnlab.bptt(soft, X, y + 4)
    with expect(ValueError, "shape", "n_out=4"):
        srnlab.bptt(soft, X, np.ones((3, 2)))


def test_bad_rng_and_types(net, data):
    X, y = data
    with expect(TypeError, "rng"):
        srnlab.SRN.init(2, 5, 1, rng="seed")
    with expect(TypeError, "numeric"):
        srnlab.bptt(net, [["a"]], y)
    with expect(TypeError, "n_hidden", "integer"):
        srnlab.SRN.init(2, 5.5, 1)


def test_constructor_shape_mismatch():
    with expect(ValueError, "W_in", "(n, 3)"):
        srnlab.SRN(W_in=np.ones((2, 4)), W_rec=np.eye(3), b=np.zeros(3), W_out=np.ones((3, 1)), c=np.zeros(1))


def test_trainer_config_errors(net):
    with expect(ValueError, "unknown method", "'sampling'"):
        srnlab.train(net, "addition", 20, 10, method="sample")
    with expect(ValueError, "n_in=6"):
        srnlab.train(net, "temporal_order", 20, 10)
    with expect(ValueError, "Q_min > Q_max"):
        srnlab.train(net, "addition", 20, 10, q_range=(2, 1))
