"""The sampling method's decision for one minibatch (the paper's section 6).

After the forward and backward pass the method knows Q (eq. 25) and dS
(eqs. 14-24) for the proposed update, and decides whether to make it:

1. if |dS| > ds_max, skip the minibatch (large jumps make training oscillate);
2. if Q_min <= Q <= Q_max (the safe zone), use it, whatever dS;
3. outside the safe zone use it only if it moves Q back toward the zone.

"Like a sailing ship: inside the safe zone it sails wherever the wind blows;
outside it, it raises the sails only when the wind blows toward the zone."

Step 3 has two readings, because the paper's printed rule contradicts its own
definitions of Q and dS:

* "consistent" (default): Q > Q_max means vanishing, so the old gradients
  must grow: accept only if dS > 0; Q < Q_min means exploding: accept only if
  dS < 0.  This agrees with the definitions of Q and dS.
* "printed": the rule as printed, accept if (Q < Q_min and dS > 0) or
  (Q > Q_max and dS < 0), which is the opposite.

Lesson 07 runs both from the same weights and lets the data decide.

The rule is written once, for arrays (``winds`` says where each proposal stands,
``decide`` applies a rule to many at once); ``accept`` is its scalar case, with
the checks a single call deserves.
"""
import numbers

import numpy as np

from . import _validate as V

RULES = ("consistent", "printed")


def check_q_range(q_range):
    """Validate (Q_min, Q_max) and return it as a tuple of floats."""
    try:
        pair = tuple(q_range)
        if len(pair) != 2 or any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) for v in pair):
            raise TypeError
        q_min, q_max = (float(v) for v in pair)
    except (TypeError, ValueError):
        raise TypeError(f"q_range must be a pair (Q_min, Q_max) of numbers, got {q_range!r}") from None
    if np.isnan(q_min) or np.isnan(q_max):
        raise ValueError(f"q_range must not contain NaN, got {q_range!r}")
    if q_min > q_max:
        raise ValueError(f"q_range=({q_min}, {q_max}) has Q_min > Q_max; it must satisfy Q_min <= Q_max, e.g. (-1.0, 1.0)")
    return q_min, q_max


#: Where the ship is and how the wind blows (the codes ``winds`` returns).
GALE, INSIDE, TOWARD, AWAY, CALM = range(5)
WINDS = {GALE: "a gale: |dS| > ds_max", INSIDE: "Q inside the safe zone",
         TOWARD: "Q outside the zone, the wind blows toward it",
         AWAY: "Q outside the zone, the wind blows away from it",
         CALM: "Q outside the zone, no wind (dS = 0)"}


def check_ds_max(ds_max):
    if isinstance(ds_max, bool) or not isinstance(ds_max, numbers.Real) or not ds_max > 0:
        raise ValueError(f"ds_max must be a number > 0 (inf switches the |dS| test off), got {ds_max!r}")
    return float(ds_max)


def winds(q, ds, q_range=(-1.0, 1.0), ds_max=1.0):
    """The situation of each proposal, as integer codes (arrays of any shape), whatever the rule.

        GALE (0)    |dS| > ds_max, or Q or dS is NaN: every reading skips it
        INSIDE (1)  Q_min <= Q <= Q_max: every reading uses it
        TOWARD (2)  Q outside, and dS pushes it toward the zone (dS > 0 lowers Q)
        AWAY (3)    Q outside, and dS pushes it away from the zone
        CALM (4)    Q outside and dS = 0: every reading skips it

    The consistent reading uses INSIDE and TOWARD, the printed rule INSIDE and AWAY.
    Returns an int8 array of the broadcast shape of q and ds.
    """
    q_min, q_max = check_q_range(q_range)
    ds_max = check_ds_max(ds_max)
    q, ds = V.float_array(q, "q"), V.float_array(ds, "ds")
    try:
        np.broadcast_shapes(q.shape, ds.shape)
    except ValueError:
        raise ValueError(f"q and ds must have the same shape (or broadcast to one), got {q.shape} and {ds.shape}") from None
    with np.errstate(invalid="ignore"):
        inside = (q >= q_min) & (q <= q_max)
        toward = np.where(q > q_max, ds > 0, ds < 0)       # dS > 0 grows the old gradients: Q falls
        gale = np.isnan(q) | np.isnan(ds) | (np.abs(ds) > ds_max)
    code = np.where(inside, INSIDE, np.where(ds == 0, CALM, np.where(toward, TOWARD, AWAY)))
    return np.where(gale, GALE, code).astype(np.int8)


def decide(q, ds, q_range=(-1.0, 1.0), ds_max=1.0, rule="consistent"):
    """The sampling rule for arrays of Q and dS: a boolean array (True = make the update)."""
    V.choice(rule, "rule", RULES)
    w = winds(q, ds, q_range, ds_max)
    return (w == INSIDE) | (w == (TOWARD if rule == "consistent" else AWAY))


def accept(q, ds, q_range=(-1.0, 1.0), ds_max=1.0, rule="consistent"):
    """Should the minibatch's update be made?  Returns a bool.

    Args:
        q: the Q-factor of the minibatch (a float; +inf when the old gradient vanished).
        ds: dS for the proposed update of W_rec.
        q_range: the safe zone (Q_min, Q_max), Q_min <= Q_max; the paper uses (-1, 1).
        ds_max: threshold on |dS| (> 0; the paper: 1; inf disables step 1).
        rule: "consistent" or "printed" (see the module docstring).
    A NaN q or ds is never accepted.
    """
    check_q_range(q_range)
    for name, v in (("q", q), ("ds", ds)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {v!r}")
    return bool(decide(float(q), float(ds), q_range, ds_max, rule))
