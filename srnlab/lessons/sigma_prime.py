"""A deep sigmoid feed-forward network, small and readable (lesson 01).

This is the network of Nielsen's *Neural Networks and Deep Learning*, ch. 5,
rewritten in the package's row-vector convention: a batch is a matrix whose
rows are examples.  With layers l = 1..L and a^0 = X,

    z^l = a^(l-1) W^l + b^l        (batch, n_l)     weighted input
    a^l = sigma(z^l)               (batch, n_l)     activation

where W^l has shape (n_(l-1), n_l) and b^l shape (n_l,).  The cost of one
example is either

    quadratic      C = 0.5 * ||a^L - y||^2
    cross_entropy  C = -sum_j [ y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j) ]

and the cost of a batch is the mean over its examples.  Backpropagation
sends delta^l = dC/dz^l from the output back to the first layer:

    delta^L = (a^L - y) * sigma'(z^L)         quadratic
    delta^L = (a^L - y)                       cross-entropy (sigma' cancels)
    delta^l = (delta^(l+1) W^(l+1)^T) * sigma'(z^l)

    dC/db^l = mean over the batch of delta^l           (n_l,)
    dC/dW^l = a^(l-1)^T delta^l / batch                (n_(l-1), n_l)

Nielsen's "speed of learning" of layer l is ||dC/db^l||, the length of the
batch-averaged bias gradient (``BackpropResult.speeds``).  Every factor
sigma'(z) <= 1/4, which is why it shrinks from the last layer to the first.

The chain of single neurons (one neuron per layer) has its own function,
``chain``, that returns each neuron's z, a, the factor w_j sigma'(z_j) and
dC/db_j.  The lesson's interactive demos draw their figures once with ``build_chain``
(the chain) and ``build_speeds`` (speeds against depth), which return the updates for
the sliders.
"""
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from . import _real_array
from ..course.blas import one_blas_thread as _one_blas_thread

COSTS = ("quadratic", "cross_entropy")
INITS = ("scaled", "standard")

# ---------------------------------------------------------------- the sigmoid
def sigmoid(z):
    """sigma(z) = 1 / (1 + exp(-z)), computed without overflow for any z (sigma(+-inf) = 1, 0)."""
    z = _z(z)
    e = np.exp(-np.abs(z))                       # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)) = e / (1 + e)^2 with e = exp(-|z|).

    The second form is symmetric in z and keeps full relative precision in
    the tails (sigma'(-40) is about 4e-18, not 0).  Its maximum is 1/4 at z = 0.
    """
    e = np.exp(-np.abs(_z(z)))
    return e / (1.0 + e) ** 2


def _z(z):
    """z as float64; NaN has no sigma (inf has: sigma(-inf) = 0, sigma(inf) = 1)."""
    z = _real_array(z, "z").astype(float, copy=False)
    if np.isnan(z).any():
        raise ValueError(f"z contains {int(np.isnan(z).sum())} NaN value(s); sigma needs numbers (+-inf is allowed)")
    return z


# ---------------------------------------------------------------- a chain of single neurons
@dataclass
class Chain:
    """A chain of single sigmoid neurons, one per layer (Nielsen's toy network).

    a_0 is the input; for j = 1..L:  z_j = w_j a_(j-1) + b_j,  a_j = sigma(z_j).
    With dC/da_L given, backpropagation gives

        dC/db_j = sigma'(z_j) w_(j+1) sigma'(z_(j+1)) ... w_L sigma'(z_L) dC/da_L.

    Attributes (each of shape (L,), index 0 is neuron 1):
        w, b    : the weights and biases
        z, a    : weighted inputs and activations
        factors : w_j sigma'(z_j), the factor neuron j contributes to the
                  gradient of every earlier bias
        grad_b  : dC/db_j
    """

    w: np.ndarray
    b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    factors: np.ndarray
    grad_b: np.ndarray
    a0: float = 0.5
    dC_daL: float = 1.0

    @property
    def depth(self):
        return len(self.w)


def chain(w, b, a0=0.5, depth=None, dC_daL=1.0):
    """Run a chain of single sigmoid neurons forward and backward.

    Args:
        w, b: the weights and biases, each a number (the same in every layer)
            or a 1-d array with one entry per neuron.
        a0: the input activation a_0 (a finite number).
        depth: the number of neurons L; needed when w and b are both numbers.
        dC_daL: the derivative of the cost with respect to the last output
            (1 by default, so grad_b is the pure product of factors).
    Returns:
        Chain with z, a, factors = w_j sigma'(z_j) and grad_b = dC/db_j, each (L,).
    """
    w_arr = _real_array(w, "w")
    b_arr = _real_array(b, "b")
    for arr, name in ((w_arr, "w"), (b_arr, "b")):
        if arr.ndim > 1:
            raise ValueError(f"{name} must be a number or a 1-d array (one entry per neuron), got shape {arr.shape}")
    lengths = {arr.size for arr in (w_arr, b_arr) if arr.ndim == 1}
    if depth is not None:
        depth = V.positive_int(depth, "depth (the number of neurons in the chain)")
        lengths.add(depth)
    if len(lengths) > 1:
        raise ValueError(f"w, b and depth disagree on the number of neurons: {sorted(lengths)}")
    if not lengths:
        raise ValueError("give depth (the number of neurons) when w and b are both single numbers")
    L = lengths.pop()
    if L == 0:
        raise ValueError("the chain needs at least one neuron; w and b are empty")
    w_arr = np.broadcast_to(w_arr, (L,)).astype(float)
    b_arr = np.broadcast_to(b_arr, (L,)).astype(float)
    V.check_finite(w_arr, "w")
    V.check_finite(b_arr, "b")
    a0 = _finite_number(a0, "a0")
    dC_daL = _finite_number(dC_daL, "dC_daL")

    z, a = np.empty(L), np.empty(L)
    prev = a0
    for j in range(L):                       # forward
        z[j] = w_arr[j] * prev + b_arr[j]
        a[j] = sigmoid(z[j])
        prev = a[j]
    sp = sigmoid_prime(z)
    grad_b = np.empty(L)
    dC_dz = dC_daL * sp[-1]                  # dC/dz_L
    grad_b[-1] = dC_dz
    for j in range(L - 2, -1, -1):           # backward: dC/dz_j = sigma'(z_j) w_(j+1) dC/dz_(j+1)
        dC_dz = sp[j] * w_arr[j + 1] * dC_dz
        grad_b[j] = dC_dz
    return Chain(w=w_arr, b=b_arr, z=z, a=a, factors=w_arr * sp, grad_b=grad_b,
                 a0=a0, dC_daL=dC_daL)


def _finite_number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


# ---------------------------------------------------------------- Nielsen's exercises
def largest_factor(w):
    """The largest |w sigma'(wa + b)| over all inputs a (any bias b): |w| / 4.

    As a runs over the real numbers, z = wa + b does too (w != 0), and
    max sigma' = 1/4 at z = 0.  So a factor of 1 or more needs |w| >= 4
    (Nielsen, ch. 5, first exercise).  w: a number or an array.
    """
    w = _real_array(w, "w")
    V.check_finite(w, "w")
    return np.abs(w) / 4


def window_width(w):
    """The width of the window of inputs {a : |w sigma'(wa + b)| >= 1} (Nielsen, ch. 5).

    Solving sigma (1 - sigma) = 1/|w| gives sigma = (1 +- r)/2, r = sqrt(1 - 4/|w|);
    the two ends in z = wa + b are +-ln((1 + r)/(1 - r)), and dividing by |w|
    gives the width in a:

        width(w) = (2/|w|) ln(|w| (1 + r)/2 - 1)        for |w| >= 4, else 0.

    The bias b only moves the window.  w: a number or an array.
    """
    w = np.abs(_real_array(w, "w"))
    V.check_finite(w, "w")
    big = np.maximum(w, 4.0)                      # 0 below |w| = 4, where the window is empty
    width = 2 / big * np.log(big * (1 + np.sqrt(1 - 4 / big)) / 2 - 1)
    return np.where(w >= 4, width, 0.0)


def check_largest_factor(fn):
    """fn(w) -> the largest |w sigma'(wa + b)| over all inputs a (lesson 01, exercise 1)."""
    from ..course.exercises import _call, _compare, _function, _verdict
    _function(fn)
    for w in (0.5, 3.0, 8.0, -2.0, -10.0):
        got, err = _call(fn, w)
        if err:
            return _verdict(False, err)
        want = abs(w) / 4
        slips = [("forgot the absolute value: a factor's size is |w| sigma', and w can be negative", w / 4),
                 ("gave max sigma' = 1/4 alone: the factor is w times sigma'", 0.25),
                 ("gave |w| alone: sigma' is at most 1/4, never 1", abs(w))]
        msg = _compare(got, want, slips, f"the largest factor for w = {w:g}")
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "the largest factor is |w|/4, so it reaches 1 only when |w| >= 4.")


def check_window_width(fn):
    """fn(w) -> the width of {a : |w sigma'(wa + b)| >= 1} for |w| >= 4 (lesson 01, exercise 2)."""
    from ..course.exercises import _call, _compare, _function, _verdict
    _function(fn)
    for w in (4.5, 6.9, 10.0, 40.0, -8.0):
        got, err = _call(fn, w)
        if err:
            return _verdict(False, err)
        want = float(window_width(w))
        half = want / 2
        slips = [("gave the width in z = wa + b: the window in a is |w| times narrower (divide by |w|)",
                  want * abs(w)),
                 ("gave half the window: it reaches from the peak of sigma' at z = 0 to both sides", half),
                 ("used log10: solving sigma = 1/(1 + e^-z) for z needs the natural log", want / np.log(10)),
                 ("forgot the absolute value: for negative w the window is as wide as for |w|", -want)]
        msg = _compare(got, want, slips, f"the width for w = {w:g}", rtol=1e-6)
        if msg:
            return _verdict(False, msg)
    return _verdict(True, "your window width matches Nielsen's closed form for w = 4.5, 6.9, 10, 40 and -8.")


# ---------------------------------------------------------------- the network
@dataclass
class Network:
    """A fully connected sigmoid network.

    Fields:
        weights: list of L arrays, weights[l-1] = W^l of shape (n_(l-1), n_l)
        biases:  list of L arrays, biases[l-1] = b^l of shape (n_l,)
        cost:    "cross_entropy" (the default, as Nielsen's network2) or "quadratic"
    """

    weights: list
    biases: list
    cost: str = "cross_entropy"

    def __post_init__(self):
        V.choice(self.cost, "cost", COSTS)
        if not isinstance(self.weights, (list, tuple)) or not isinstance(self.biases, (list, tuple)):
            raise TypeError("weights and biases must be lists of arrays, one per layer")
        if len(self.weights) == 0 or len(self.weights) != len(self.biases):
            raise ValueError(f"need one bias vector per weight matrix and at least one layer; "
                             f"got {len(self.weights)} weight matrices and {len(self.biases)} bias vectors")
        W = [V.float_array(w, f"weights[{i}]").astype(float) for i, w in enumerate(self.weights)]
        B = [V.float_array(b, f"biases[{i}]").astype(float) for i, b in enumerate(self.biases)]
        for i, (w, b) in enumerate(zip(W, B)):
            if w.ndim != 2 or w.size == 0:
                raise ValueError(f"weights[{i}] must be a non-empty 2-d (n_in, n_out) matrix, got shape {w.shape}")
            if b.shape != (w.shape[1],):
                raise ValueError(f"biases[{i}] must have shape ({w.shape[1]},) to match weights[{i}] "
                                 f"of shape {w.shape}, got {b.shape}")
            if i > 0 and w.shape[0] != W[i - 1].shape[1]:
                raise ValueError(f"weights[{i}] has {w.shape[0]} rows but layer {i} has "
                                 f"{W[i - 1].shape[1]} neurons; the shapes must chain")
            V.check_finite(w, f"weights[{i}]")
            V.check_finite(b, f"biases[{i}]")
        self.weights = [w.copy() for w in W]
        self.biases = [b.copy() for b in B]

    @classmethod
    def init(cls, sizes, cost="cross_entropy", init="scaled", rng=None):
        """A random network with the given layer sizes.

        Args:
            sizes: [n_0, n_1, ..., n_L], the input size then each layer's size,
                e.g. [64, 30, 30, 10]; at least two entries, each >= 1.
            cost: "cross_entropy" or "quadratic".
            init: "scaled"   weights N(0, 1/n_(l-1)), biases N(0, 1)  (Nielsen's
                             network2 default: std 1 / sqrt(fan-in));
                  "standard" weights N(0, 1), biases N(0, 1)          (his chapter 1).
            rng: None, an int seed or a numpy.random.Generator.
        """
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a list of layer sizes such as [64, 30, 10], got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least an input and an output size, e.g. [64, 10]; got {list(sizes)}")
        sizes = [V.positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
        V.choice(cost, "cost", COSTS)
        V.choice(init, "init", INITS)
        rng = V.as_rng(rng)
        weights, biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            scale = 1.0 / np.sqrt(n_in) if init == "scaled" else 1.0
            weights.append(rng.normal(0.0, scale, (n_in, n_out)))
            biases.append(rng.normal(0.0, 1.0, n_out))
        return cls(weights, biases, cost)

    @property
    def sizes(self):
        """[n_0, n_1, ..., n_L]."""
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    @property
    def n_layers(self):
        """L, the number of layers with weights (hidden layers + the output layer)."""
        return len(self.weights)

    def copy(self):
        return Network([w.copy() for w in self.weights], [b.copy() for b in self.biases], self.cost)

    # ------------------------------------------------------------ forward
    def check_input(self, X):
        """Validate X (batch, n_0) and return it as a float64 array."""
        X = V.float_array(X, "X")
        if X.ndim != 2:
            hint = "; for one example use X[None]" if X.ndim == 1 else ""
            raise ValueError(f"X must be 2-d with shape (batch, n_in), got {X.ndim}-d shape {X.shape}{hint}")
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X has {X.shape[1]} features per example but the network expects n_in={self.sizes[0]}")
        if X.shape[0] == 0:
            raise ValueError("X must hold at least one example, got an empty batch")
        V.check_finite(X, "X")
        return X.astype(float, copy=False)

    def check_targets(self, Y, batch, name="Y"):
        """Targets as (batch, n_L) floats in [0, 1]: from one-hot rows or integer labels (batch,)."""
        arr = np.asarray(Y)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"{name} must be numeric (integer labels or one-hot rows), got dtype {arr.dtype}")
        n_out = self.sizes[-1]
        if arr.ndim == 0 or arr.shape[0] != batch:
            got = "a scalar" if arr.ndim == 0 else f"{arr.shape[0]} rows"
            raise ValueError(f"X holds {batch} examples but {name} has {got}; they must match")
        if arr.ndim == 1:
            if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
                raise ValueError(f"a 1-d {name} must hold integer class labels")
            labels = arr.astype(np.intp)
            if labels.min() < 0 or labels.max() >= n_out:
                raise ValueError(f"class labels in {name} must lie in [0, {n_out - 1}], "
                                 f"got range [{labels.min()}, {labels.max()}]")
            return np.eye(n_out)[labels]
        if arr.shape != (batch, n_out):
            raise ValueError(f"Y must be (batch,) integer labels or (batch, {n_out}) targets, got shape {arr.shape}")
        arr = arr.astype(float)
        V.check_finite(arr, "Y")
        if arr.min() < 0 or arr.max() > 1:
            raise ValueError(f"targets must lie in [0, 1] for sigmoid outputs, got range [{arr.min()}, {arr.max()}]")
        return arr

    def forward(self, X):
        """Weighted inputs and activations of every layer.

        Args:
            X: (batch, n_0) inputs.
        Returns:
            (zs, activations): zs[l-1] = z^l (batch, n_l) for l = 1..L;
            activations[l] = a^l for l = 0..L (activations[0] is X).
        """
        X = self.check_input(X)
        with _one_blas_thread():
            return self._forward(X)

    def _forward(self, X):
        """forward on a checked X."""
        zs, activations = [], [X]
        a = X
        for W, b in zip(self.weights, self.biases):
            z = a @ W + b
            a = sigmoid(z)
            zs.append(z)
            activations.append(a)
        return zs, activations

    def predict(self, X):
        """The output activations a^L, (batch, n_L)."""
        return self.forward(X)[1][-1]

    def accuracy(self, X, labels):
        """The fraction of examples whose largest output is the true class."""
        labels = np.asarray(labels)
        if labels.ndim != 1:
            raise ValueError(f"labels must be 1-d integer classes, got shape {labels.shape}")
        out = self.predict(X)
        self.check_targets(labels, out.shape[0], "labels")        # integers in [0, n_L - 1]
        return float(np.mean(np.argmax(out, axis=1) == labels))

    def loss(self, X, Y):
        """The mean cost over the batch (no weight decay term)."""
        return backprop(self, X, Y).loss


# ---------------------------------------------------------------- backpropagation
@dataclass
class BackpropResult:
    """One forward and backward pass on a batch.

    Attributes (index l-1 holds layer l, for l = 1..L):
        loss:   the mean cost over the batch
        delta:  list of (batch, n_l) arrays, delta^l = dC_x/dz^l for each example x
        grad_W: list of (n_(l-1), n_l) arrays, dC/dW^l (C = the batch mean)
        grad_b: list of (n_l,) arrays, dC/db^l (= the batch mean of delta^l)
        zs, activations: as returned by Network.forward
    """

    loss: float
    delta: list
    grad_W: list
    grad_b: list
    zs: list = field(repr=False)
    activations: list = field(repr=False)

    @property
    def speeds(self):
        """(L,) Nielsen's speed of learning ||dC/db^l|| of every layer, output layer last."""
        return np.array([np.linalg.norm(g) for g in self.grad_b])

    @property
    def hidden_speeds(self):
        """(L-1,) the speeds of the hidden layers only (first hidden layer first)."""
        return self.speeds[:-1]


def _cost(cost, zL, aL, Y):
    """Mean cost over the batch and delta^L = dC_x/dz^L (per example)."""
    n = Y.shape[0]
    if cost == "quadratic":
        err = aL - Y
        return 0.5 * float(np.sum(err * err)) / n, err * sigmoid_prime(zL)
    # -y ln(a) - (1-y) ln(1-a) with ln a = -softplus(-z), ln(1-a) = -softplus(z):
    # = softplus(z) - y z, finite for every finite z (no log(0)).
    loss = float(np.sum(np.logaddexp(0.0, zL) - Y * zL)) / n
    return loss, aL - Y


def backprop(net, X, Y):
    """Forward pass, mean cost and backpropagation on a batch.

    Args:
        net: a Network.
        X: (batch, n_0) inputs.
        Y: (batch, n_L) targets in [0, 1] (e.g. one-hot), or (batch,) integer labels.
    Returns:
        BackpropResult with loss, per-layer delta (batch, n_l), grad_W and grad_b.
    """
    X = _network(net).check_input(X)
    Y = net.check_targets(Y, X.shape[0])
    with _one_blas_thread():
        return _backprop(net, X, Y)


def _network(net):
    if not isinstance(net, Network):
        raise TypeError(f"net must be a Network (e.g. Network.init([64, 30, 10])), got {type(net).__name__}")
    return net


def _backprop(net, X, Y):
    """backprop on a checked X (batch, n_0) and float targets Y (batch, n_L)."""
    zs, activations = net._forward(X)
    n = Y.shape[0]
    loss, d = _cost(net.cost, zs[-1], activations[-1], Y)
    L = net.n_layers
    delta = [None] * L
    delta[-1] = d
    for l in range(L - 2, -1, -1):        # layer l+1 in the module docstring's numbering
        d = (d @ net.weights[l + 1].T) * sigmoid_prime(zs[l])
        delta[l] = d
    grad_W = [activations[l].T @ delta[l] / n for l in range(L)]
    grad_b = [delta[l].mean(axis=0) for l in range(L)]
    return BackpropResult(loss=loss, delta=delta, grad_W=grad_W, grad_b=grad_b,
                          zs=zs, activations=activations)


# ---------------------------------------------------------------- training
@dataclass
class History:
    """What ``sgd`` measured before training and after every epoch.

    Attributes (row e = after e epochs, row 0 = at the start):
        speeds:   (epochs + 1, L) ||dC/db^l|| on the monitor set, every layer
        loss:     (epochs + 1,) mean cost on the monitor set
        accuracy: (epochs + 1,) classification accuracy on the monitor set
    """

    speeds: np.ndarray
    loss: np.ndarray
    accuracy: np.ndarray

    @property
    def hidden_speeds(self):
        """(epochs + 1, L - 1): the hidden layers' speeds."""
        return self.speeds[:, :-1]


def sgd(net, X, Y, epochs, batch_size, eta, lmbda=0.0, rng=None, monitor=None):
    """Mini-batch stochastic gradient descent; updates ``net`` in place.

    Each epoch shuffles the examples and walks through them in minibatches:

        W^l <- (1 - eta * lmbda / n) W^l - eta * dC/dW^l
        b^l <- b^l - eta * dC/db^l

    with dC the minibatch's mean-cost gradient and n the training set size
    (L2 weight decay as in Nielsen's network2; lmbda = 0 turns it off).
    batch_size = n gives full-batch gradient descent.

    Args:
        net: the Network to train (changed in place).
        X: (n, n_0) inputs.  Y: (n,) integer labels or (n, n_L) targets.
        epochs: number of passes over the data (>= 0).
        batch_size: minibatch size, 1 <= batch_size <= n.
        eta: learning rate (> 0).  lmbda: L2 weight decay (>= 0).
        rng: seed or Generator for the shuffling.
        monitor: (X_m, labels_m) on which to measure speeds, loss and accuracy;
            labels_m must be integer labels.  Default: X and Y (Y as labels).
    Returns:
        History, measured before training and after each epoch.
    """
    X = _network(net).check_input(X)
    n = X.shape[0]
    Yf = net.check_targets(Y, n)
    epochs = V.positive_int(epochs, "epochs", minimum=0)
    batch_size = V.positive_int(batch_size, "batch_size")
    if batch_size > n:
        raise ValueError(f"batch_size={batch_size} is larger than the training set ({n} examples)")
    eta = V.nonnegative_float(eta, "eta (the learning rate)", allow_zero=False)
    lmbda = V.nonnegative_float(lmbda, "lmbda (the L2 weight decay)")
    if eta * lmbda / n >= 1:
        raise ValueError(f"eta * lmbda / n = {eta * lmbda / n:.3g} must be < 1: the weight decay factor "
                         f"1 - eta * lmbda / n would be {1 - eta * lmbda / n:.3g}, which zeroes or flips the weights "
                         f"(eta={eta}, lmbda={lmbda}, n={n}); use a smaller eta or lmbda")
    rng = V.as_rng(rng)
    if monitor is None:
        monitor = (X, np.argmax(Yf, axis=1))
    if not isinstance(monitor, (tuple, list)) or len(monitor) != 2:
        raise TypeError(f"monitor must be a pair (X_m, labels_m), got {type(monitor).__name__}"
                        + (f" of length {len(monitor)}" if isinstance(monitor, (tuple, list)) else ""))
    Xm, labels_m = monitor
    labels_m = np.asarray(labels_m)
    if labels_m.ndim != 1:
        raise ValueError(f"monitor labels must be 1-d integer classes, got shape {labels_m.shape}")

    speeds, losses, accs = [], [], []

    def measure():
        res = backprop(net, Xm, labels_m)
        speeds.append(res.speeds)
        losses.append(res.loss)
        accs.append(float(np.mean(np.argmax(res.activations[-1], axis=1) == labels_m)))

    measure()
    decay = 1.0 - eta * lmbda / n
    with _one_blas_thread():
        for _ in range(epochs):
            order = rng.permutation(n)
            for s in range(0, n, batch_size):
                idx = order[s:s + batch_size]
                res = _backprop(net, X[idx], Yf[idx])
                for l in range(net.n_layers):
                    net.weights[l] = decay * net.weights[l] - eta * res.grad_W[l]
                    net.biases[l] = net.biases[l] - eta * res.grad_b[l]
            measure()
    return History(speeds=np.array(speeds), loss=np.array(losses), accuracy=np.array(accs))


# ---------------------------------------------------------------- data
def load_digits():
    """scikit-learn's bundled 8x8 handwritten digits, ready for a sigmoid network.

    1797 images of 8x8 = 64 pixels with grey levels 0..16, ten classes.  No
    download: the data ship with scikit-learn.

    Returns:
        X: (1797, 64) floats in [0, 1] (grey level / 16).
        labels: (1797,) integer classes 0..9.
    """
    from sklearn.datasets import load_digits as _load

    d = _load()
    return d.data / 16.0, d.target.astype(np.intp)


# ---------------------------------------------------------------- the interactive demos
def _room_for_tick_labels(ax, widest):
    """Keep room left of ax for y tick labels as wide as ``widest`` and the y label beyond them.

    The layout of a Demo is made once, for the first picture's tick labels; when other
    limits bring wider ones, the y label moves left, over its neighbour.  An invisible copy
    of the y label where it would then stand makes the layout leave that room.
    """
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath
    from matplotlib.transforms import offset_copy

    label = ax.yaxis.label
    tick_font = FontProperties(size=mpl.rcParams["ytick.labelsize"])
    width = TextToPath().get_text_width_height_descent(widest, tick_font, ismath=False)[0]
    left = mpl.rcParams["ytick.major.size"] + mpl.rcParams["ytick.major.pad"] + width + ax.yaxis.labelpad
    ax.text(0, 0.5, label.get_text(), transform=offset_copy(ax.transAxes, fig=ax.figure, x=-left, units="points"),
            rotation=90, ha="right", va="center", fontproperties=label.get_fontproperties(), color="none")


def _room_for_last_x_tick(ax, widest):
    """Keep room right of ax for an x tick label as wide as ``widest`` at the axis's right end.

    The layout of a Demo is made once, for the first picture's ticks; when other limits put
    a tick at the right end of the axis, half its label reaches past the axes, and past the
    figure's edge.  An invisible label there makes the layout leave that room.
    """
    import matplotlib as mpl
    from matplotlib.transforms import offset_copy

    down = mpl.rcParams["xtick.major.size"] + mpl.rcParams["xtick.major.pad"]
    ax.text(1, 0, widest, transform=offset_copy(ax.transAxes, fig=ax.figure, y=-down, units="points"),
            ha="center", va="top", fontsize=mpl.rcParams["xtick.labelsize"], color="none")


def _grown(current, lo, hi):
    """Axis limits for a drag frame that hold [lo, hi] and change rarely.

    The current limits stay while they hold [lo, hi].  Else they grow to hold both, with
    half of the new span to spare on the side that grew, rounded outward to a round step
    (1, 2 or 5 times a power of ten, about an eighth of the span).  So most frames of a
    drag keep the limits and redraw only the data.
    """
    if current is None:
        new_lo, new_hi = lo, hi
    elif current[0] <= lo and hi <= current[1]:
        return current
    else:
        new_lo, new_hi = min(lo, current[0]), max(hi, current[1])
        spare = 0.5 * (new_hi - new_lo)
        new_lo, new_hi = new_lo - spare * (lo < current[0]), new_hi + spare * (hi > current[1])
    raw = max(new_hi - new_lo, 1.0) / 8
    power = 10.0 ** np.floor(np.log10(raw))
    step = power * min(m for m in (1, 2, 5, 10) if m * power >= raw)
    return (float(np.floor(new_lo / step) * step) + 0.0, float(np.ceil(new_hi / step) * step) + 0.0)


def build_chain(fig, a0=0.5):
    """Draw the chain demo of lesson 01 on fig; return ``update(w, b, depth)`` for the sliders.

    A chain of ``depth`` single sigmoid neurons (``chain``) that share one weight w and one
    bias b, with input a0 and dC/da_L = 1.  Left axes: log10 |w sigma'(z_j)|, the factor of
    each neuron j, with dotted lines at 1 and at 1/4 = max sigma'.  Right axes: log10 |dC/db_j|
    of each neuron and the bound (1/4)(|w|/4)^(L-j) that follows from sigma' <= 1/4.
    Factors and gradients that are 0 (w = 0) or underflow are gaps.

    Axis limits: when the hand rests (``resting``: ``Demo`` says so for the picture that
    stays, and for the first one) they fit the data: x from 0.4 to L + 0.6, the
    factors from min(smallest, 1/10) / 10^0.3 to max(largest, 1) * 10^0.5, the gradients
    matplotlib's autoscaling.  While a slider moves they only grow, in coarse steps
    (``_grown``; the x axis to 5, 10, 20 or 30 neurons), because the gradients' range
    changes by up to hundreds of powers of ten and a change of limits redraws everything;
    the top of the factors' axis then goes straight to where the largest factor, |w|/4 for
    |w| <= 10, fits.

    Args:
        fig: a matplotlib Figure (empty).
        a0: the input a_0.
    Returns:
        update(w, b, depth): redraws for those values and returns the note under the figure
        (whether the gradient explodes or vanishes toward the first neuron).
    """
    from ..course import plotting

    ax1, ax2 = fig.subplots(1, 2)
    (factor_dots,) = ax1.plot([], [], "o", color=plotting.COLORS["blue"])
    ax1.axhline(0, color="k", ls=":", lw=1.5, label="factor 1")
    ax1.axhline(np.log10(0.25), color=plotting.COLORS["red"], ls=":", lw=1.5, label="1/4 = max σ'")
    ax1.set_xlabel("neuron j")
    ax1.set_ylabel("log10 |w σ'(z_j)|")
    ax1.set_title("factor of each neuron")
    ax1.legend(loc="upper right")
    (grad_line,) = ax2.plot([], [], "o-", label="|dC/db_j|")
    (bound_line,) = ax2.plot([], [], "--", color="gray", label="bound ¼(|w|/4)^(L−j)")
    ax2.set_xlabel("neuron j (L = last)")
    ax2.set_ylabel("log10 |dC/db_j|")
    ax2.set_title("gradient of each bias")
    ax2.legend(loc="best")
    _room_for_tick_labels(ax1, "−1.25")          # the widest tick labels these axes show
    _room_for_tick_labels(ax2, "−0.630")
    _room_for_last_x_tick(ax2, "30")              # the x axis reaches 30 neurons
    def set_limits(x, y1, y2):
        if x != ax1.get_xlim():
            ax1.set_xlim(x)
            ax2.set_xlim(x)
        if y1 != ax1.get_ylim():
            ax1.set_ylim(y1)
        if y2 != ax2.get_ylim():
            ax2.set_ylim(y2)

    def update(w, b, depth, resting=True):
        c = chain(w, b, a0=a0, depth=depth)
        j = np.arange(1, depth + 1)
        log_f, drop_f = plotting.log10_safe(c.factors)
        log_g, drop_g = plotting.log10_safe(c.grad_b)
        log_bound, _ = plotting.log10_safe(0.25 * (abs(w) / 4) ** (depth - j))
        factor_dots.set_data(j, log_f)
        grad_line.set_data(j, log_g)
        bound_line.set_data(j, log_bound)

        finite = np.isfinite(log_f).any()
        factors = (min(np.nanmin(log_f) if finite else -1.0, -1.0) - 0.3,
                   max(np.nanmax(log_f) if finite else 0.0, 0.0) + 0.5)
        if resting:                                                        # at rest: fit the data
            ax2.set_autoscaley_on(True)
            ax2.relim()
            ax2.autoscale_view(scalex=False)
            set_limits((0.4, depth + 0.6), factors, ax2.get_ylim())
        else:                                                              # a drag: grow only
            shown = np.concatenate([log_g, log_bound])
            shown = shown[np.isfinite(shown)]                             # the bound at j = L is 1/4
            width = next((d for d in (5, 10, 20, 30) if depth <= d), depth)
            x = ax1.get_xlim() if depth + 0.6 <= ax1.get_xlim()[1] else (0.4, width + 0.6)
            bottom, top = ax1.get_ylim()
            bottom = _grown((bottom, top), factors[0], top)[0]
            top = top if factors[1] <= top else max(factors[1], np.log10(max(abs(w), 10) / 4) + 0.5)
            set_limits(x, (bottom, top), _grown(ax2.get_ylim(), shown.min(), shown.max()))

        notes = [f"a0 = {a0}."]
        big = np.abs(c.factors) >= 1
        if big.all():
            notes.append("Every factor is >= 1: the gradient grows toward the first neuron (exploding).")
        elif big.any():
            notes.append(f"{big.sum()} of {depth} factors are >= 1, the rest smaller: the gradient grows "
                         f"across the first kind and shrinks across the second.")
        else:
            notes.append("Every factor is < 1: the gradient shrinks toward the first neuron (vanishing).")
        if abs(w) < 1e-9:
            notes.append("With w = 0 no signal passes from one neuron to the next: every factor and every "
                         "gradient but the last is exactly 0 (not drawn on the log10 axes).")
        else:
            notes.append(plotting.dropped_note(drop_f + drop_g, "factors or gradients"))
        return " ".join(n for n in notes if n)
    return update


def build_speeds(fig, speeds, reference):
    """Draw the depth demo of lesson 01 on fig; return ``update(depth)`` for the slider.

    One axes: log10 of each hidden layer's speed of learning ||dC/db^l|| at initialisation
    (l = 1 next to the input) for a network of ``depth`` hidden layers, a dashed line that
    falls by a factor of 4 per layer back from the last hidden layer, and, where given,
    the reference speeds (Nielsen's MNIST values) as grey diamonds.  The x axis holds
    every depth of ``speeds``; the y axis reaches from 10^-8 (or below the smallest speed)
    to 10^0.5.

    Args:
        fig: a matplotlib Figure (empty).
        speeds: dict depth -> (depth,) hidden-layer speeds (``BackpropResult.hidden_speeds``).
        reference: dict depth -> the reference speeds for that depth (may be empty).
    Returns:
        update(depth): redraws for a depth of ``speeds`` and returns the note under the
        figure (speeds that were 0, inf or NaN).
    """
    from matplotlib.legend import Legend
    from ..course import plotting

    if not speeds:
        raise ValueError("speeds must map at least one depth to its hidden-layer speeds")
    deepest = max(speeds)
    lowest = min(np.nanmin(plotting.log10_safe(s)[0]) for s in speeds.values())
    ax = fig.subplots()
    (ours,) = ax.plot([], [], "o-", ms=9, label="ours: 8x8 digits, 64 inputs")
    (per_layer,) = ax.plot([], [], "--", color="gray", label="÷4 per layer")
    (theirs,) = ax.plot([], [], "D", ms=9, color="dimgray", label="Nielsen: MNIST, 784 inputs")
    ax.set_xticks(np.arange(1, deepest + 1))
    ax.set_xlim(0.5, deepest + 0.5)
    ax.set_xlabel("hidden layer l (1 = next to the input)")
    ax.set_ylabel("log10 ||dC/db^l||")
    ax.set_ylim(min(-8.0, lowest - 0.5), 0.5)
    # two legends, with and without the reference: switching one on redraws the figure once
    with_ref = ax.legend(handles=[ours, per_layer, theirs], loc="lower right")
    without_ref = Legend(ax, [ours, per_layer], [ours.get_label(), per_layer.get_label()], loc="lower right")
    ax.add_artist(without_ref)
    without_ref.set_visible(False)

    def update(depth):
        s = speeds[depth]
        layers = np.arange(1, depth + 1)
        log_s, dropped = plotting.log10_safe(s)
        ours.set_data(layers, log_s)
        per_layer.set_data(layers, log_s[-1] + (layers - depth) * np.log10(4))
        shown = depth in reference
        theirs.set_data(layers, np.log10(reference[depth]) if shown else np.full(depth, np.nan))
        for legend in (with_ref, without_ref):
            if not legend.get_visible():
                legend.stale = False               # a hidden legend is never drawn, so never "drawn anew"
        if with_ref.get_visible() != shown:        # switching marks both changed: the figure is redrawn
            with_ref.set_visible(shown)
            without_ref.set_visible(not shown)
        ax.set_title(f"{depth} hidden layers: the first learns\n{s[-1] / s[0]:.3g} times slower than the last")
        return plotting.dropped_note(dropped, "speeds")
    return update
