"""The Simple Recurrent Network (Elman network) of the paper's eqs. 1-3.

Row-vector convention, batch first, as in the paper::

    a(t) = x(t) W_in + z(t-1) W_rec + b        (1)   pre-activations, (batch, K)
    z(t) = tanh(a(t))                          (2)   hidden state,    (batch, K)
    o    = z(T-1) W_out + c                    (3)   output logits,   (batch, n_out)
    y~   = o (linear)  or  softmax(o)

with z(-1) = 0.  The error is taken at the last step only (many-to-one), as in
all four of the paper's tasks.
"""
from dataclasses import dataclass

import numpy as np

from . import _validate as V

OUTPUTS = ("linear", "softmax")
REC_INITS = ("normal", "orthogonal", "identity")


def softmax(o):
    """Row-wise softmax (along the last axis), computed stably by subtracting each row's maximum.

    Args:
        o: logits, an array of at least one dimension with finite entries.
    """
    o = V.float_array(o, "o (the logits)")
    if o.ndim == 0 or o.shape[-1] == 0:
        raise ValueError(f"softmax needs an array of logits along its last axis, got shape {o.shape}")
    V.check_finite(o, "o (the logits)")
    return _softmax(o)


def _softmax(o):
    """softmax on a checked array (the network's own outputs: no checks, no warnings)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(o - o.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


def check_net(net, name="net"):
    """Refuse anything that is not an SRN (TypeError), before it fails deep inside a computation."""
    if not isinstance(net, SRN):
        raise TypeError(f"{name} must be an srnlab.SRN (e.g. srnlab.SRN.init(...)), got {type(net).__name__}")
    return net


def check_dtype(dtype):
    """float32 or float64 (as a numpy dtype); anything else is refused."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


@dataclass
class ForwardPass:
    """What a forward pass leaves behind.

    Attributes (batch-first views of time-major buffers):
        a : (batch, T, K)  pre-activations a(t)
        z : (batch, T, K)  hidden states z(t) = tanh(a(t))
        o : (batch, n_out) output pre-activations at the last step
        y_hat : (batch, n_out)  network output g(o): o itself or softmax(o)
    """

    a: np.ndarray
    z: np.ndarray
    o: np.ndarray
    y_hat: np.ndarray


@dataclass
class SRN:
    """A Simple Recurrent Network with a tanh hidden layer (eqs. 1-3).

    Fields:
        W_in  : (n_in, K)    input weights
        W_rec : (K, K)       recurrent weights
        b     : (K,)         hidden bias
        W_out : (K, n_out)   output weights
        c     : (n_out,)     output bias
        output: "linear" (regression, squared error) or "softmax"
                (classification, cross-entropy)

    All arrays share one floating dtype (float64 by default; float32 works).
    """

    W_in: np.ndarray
    W_rec: np.ndarray
    b: np.ndarray
    W_out: np.ndarray
    c: np.ndarray
    output: str = "linear"
    PARAMS = ("W_in", "W_rec", "b", "W_out", "c")

    def __post_init__(self):
        V.choice(self.output, "output kind", OUTPUTS)
        arrays = {name: V.float_array(getattr(self, name), name) for name in self.PARAMS}
        dtype = np.result_type(*arrays.values())
        for name, arr in arrays.items():
            V.check_finite(arr, name)
            setattr(self, name, np.array(arr, dtype=dtype))  # own copy
        W_rec, W_out = self.W_rec, self.W_out
        if W_rec.ndim != 2 or W_rec.shape[0] != W_rec.shape[1] or W_rec.shape[0] == 0:
            raise ValueError(f"W_rec must be a non-empty square (K, K) matrix, got shape {W_rec.shape}")
        K = W_rec.shape[0]
        expected = {"W_in": (None, K), "b": (K,), "W_out": (K, None)}
        for name, shape in expected.items():
            arr = getattr(self, name)
            ok = arr.ndim == len(shape) and all(s is None or s == d for s, d in zip(shape, arr.shape))
            if not ok or arr.size == 0:
                want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
                raise ValueError(f"{name} must have shape {want} to match W_rec of shape {W_rec.shape}, got {arr.shape}")
        if self.c.shape != (W_out.shape[1],):
            raise ValueError(f"c must have shape ({W_out.shape[1]},) to match W_out, got {self.c.shape}")
        if self.output == "softmax" and W_out.shape[1] < 2:
            raise ValueError("a softmax output needs n_out >= 2 classes")

    # ------------------------------------------------------------ construction
    @classmethod
    def init(cls, n_in, n_hidden, n_out, output="linear", std=0.1, rng=None,
             rec_init="normal", gain=1.0, dtype=np.float64):
        """A network with zero-mean normal weights and zero biases.

        ``std`` is a STANDARD DEVIATION, not a variance.  The paper's
        "sigma = 0.01" is called a standard deviation in one place and a
        "dispersion" (variance) in another; the data of its Fig. 2 fit neither
        reading literally (lesson 04 measures which scale does).
        std = 1/sqrt(K) puts the spectral radius of a normal W_rec near 1,
        the critical scale.

        Args:
            n_in, n_hidden (K), n_out: layer sizes, each >= 1.
            output: "linear" or "softmax".
            std: standard deviation of W_in, W_out and (for rec_init="normal") W_rec.
            rng: None, an int seed, or a numpy.random.Generator.
            rec_init: how W_rec is drawn:
                "normal"     gain * N(0, std^2) entries;
                "orthogonal" gain * a random orthogonal matrix (Saxe et al. 2014);
                "identity"   gain * I, the IRNN start of Le, Jaitly & Hinton (2015)
                             (they pair it with ReLU; with tanh it is a baseline).
            gain: scale applied to W_rec (all rec_init kinds).
            dtype: float64 (default) or float32.
        """
        n_in = V.positive_int(n_in, "n_in")
        K = V.positive_int(n_hidden, "n_hidden (the number of hidden units K)")
        n_out = V.positive_int(n_out, "n_out")
        V.choice(output, "output kind", OUTPUTS)
        std = V.nonnegative_float(std, "std (a standard deviation)")
        gain = V.nonnegative_float(gain, "gain")
        V.choice(rec_init, "rec_init", REC_INITS)
        dtype = check_dtype(dtype)
        rng = V.as_rng(rng)
        W_in = rng.normal(0.0, std, (n_in, K))
        if rec_init == "normal":
            W_rec = gain * rng.normal(0.0, std, (K, K))
        elif rec_init == "orthogonal":
            Qm, R = np.linalg.qr(rng.normal(size=(K, K)))
            W_rec = gain * Qm * np.sign(np.diag(R))  # sign fix: uniform (Haar) distribution
        else:
            W_rec = gain * np.eye(K)
        W_out = rng.normal(0.0, std, (K, n_out))
        return cls(W_in=W_in.astype(dtype), W_rec=W_rec.astype(dtype), b=np.zeros(K, dtype),
                   W_out=W_out.astype(dtype), c=np.zeros(n_out, dtype), output=output)

    # ------------------------------------------------------------ properties
    @property
    def n_in(self):
        return self.W_in.shape[0]

    @property
    def K(self):
        """The number of hidden units."""
        return self.W_rec.shape[0]

    @property
    def n_out(self):
        return self.W_out.shape[1]

    @property
    def dtype(self):
        return self.W_rec.dtype

    def params(self):
        """The parameters as a dict name -> array (the arrays themselves, not copies)."""
        return {name: getattr(self, name) for name in self.PARAMS}

    def copy(self):
        return SRN(**{k: v.copy() for k, v in self.params().items()}, output=self.output)

    def save(self, path):
        """Write the network to an .npz file, atomically: its five arrays and its output kind."""
        from .results import atomic_write
        atomic_write(path, self.to_npz())

    def to_npz(self):
        """The bytes of the .npz file ``save`` writes (``load`` reads them back)."""
        import io
        buf = io.BytesIO()
        np.savez_compressed(buf, output=np.array(self.output), **self.params())
        return buf.getvalue()

    @classmethod
    def load(cls, path):
        """A network written by ``save``.  A missing file raises FileNotFoundError; a damaged
        one a ``srnlab.results.ResultsError`` (a ValueError) in one line that names it."""
        from pathlib import Path
        from .results import ResultsError
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist (no saved network there)")
        try:
            with np.load(path, allow_pickle=False) as f:
                return cls(**{k: f[k] for k in cls.PARAMS}, output=str(f["output"]))
        except Exception as exc:
            raise ResultsError(f"{path}: this network file is damaged ({type(exc).__name__}: {exc})") from None

    def astype(self, dtype):
        """A copy with every parameter in the given float dtype, float32 or float64."""
        return SRN(**{k: v.astype(check_dtype(dtype)) for k, v in self.params().items()}, output=self.output)

    def spectral_radius(self):
        """The largest |eigenvalue| of W_rec (computed on W_rec / max|W_rec|, then scaled back,
        so that huge weights give their radius rather than an overflow)."""
        scale = float(np.max(np.abs(self.W_rec)))
        if scale == 0.0:
            return 0.0
        return scale * float(np.max(np.abs(np.linalg.eigvals(self.W_rec / scale))))

    # ------------------------------------------------------------ forward pass
    def check_input(self, X):
        """Validate X (batch, T, n_in) and return it as an array of the net's dtype."""
        X = V.float_array(X, "X")
        if X.ndim != 3:
            raise ValueError(
                f"X must be 3-d with shape (batch, time, n_in), got {X.ndim}-d shape {X.shape}"
                + ("; for one sequence use X[None]" if X.ndim == 2 else "")
            )
        if X.shape[2] != self.n_in:
            raise ValueError(f"X has {X.shape[2]} input features per step but the network's W_in expects n_in={self.n_in}")
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must hold at least one sequence of at least one step, got shape {X.shape}")
        V.check_finite(X, "X")
        return X.astype(self.dtype, copy=False)

    def forward(self, X):
        """Run eqs. 1-3 on a batch.

        Args:
            X: (batch, T, n_in) input sequences.
        Returns:
            ForwardPass with a, z (batch, T, K), o and y_hat (batch, n_out).
        """
        X = self.check_input(X)
        a, z = self._forward(X)
        z_last = z[-1]
        o = z_last @ self.W_out + self.c
        y_hat = _softmax(o) if self.output == "softmax" else o
        return ForwardPass(a=a.transpose(1, 0, 2), z=z.transpose(1, 0, 2), o=o, y_hat=y_hat)

    def _forward(self, X, workspace=None):
        """Time-major forward loop on a checked X; returns a, z of shape (T, batch, K).

        With a ``Workspace`` the two arrays are views into its buffers.
        """
        B, T, n_in = X.shape
        X_tm = np.ascontiguousarray(X.transpose(1, 0, 2))            # (T, B, n_in)
        shape = (T, B, self.K)
        if workspace is None:
            a, z = np.empty(shape, self.dtype), np.empty(shape, self.dtype)
        else:
            a, z = workspace.get("a", shape, self.dtype), workspace.get("z", shape, self.dtype)
        # The input projection of all steps at once: one GEMM instead of T.
        np.matmul(X_tm.reshape(T * B, n_in), self.W_in, out=a.reshape(T * B, self.K))
        a += self.b                                                   # in place: no big temporary
        np.tanh(a[0], out=z[0])                                       # z(-1) = 0
        for t in range(1, T):
            a[t] += np.dot(z[t - 1], self.W_rec)                      # eq. 1
            np.tanh(a[t], out=z[t])                                   # eq. 2
        return a, z

    def predict(self, X, chunk=None):
        """The output y~ at the last step, (batch, n_out), without storing states.

        Forward only and memory-light (two (batch, K) buffers), for validation
        on large batches.  ``chunk`` limits how many sequences run at once.
        """
        X = self.check_input(X)
        B = X.shape[0]
        chunk = B if chunk is None else V.positive_int(chunk, "chunk")
        outs = []
        for s in range(0, B, chunk):
            Xc = X[s:s + chunk]
            z = np.zeros((Xc.shape[0], self.K), self.dtype)
            for t in range(Xc.shape[1]):
                z = np.tanh(Xc[:, t] @ self.W_in + z @ self.W_rec + self.b)
            o = z @ self.W_out + self.c
            outs.append(_softmax(o) if self.output == "softmax" else o)
        return np.concatenate(outs, axis=0)
