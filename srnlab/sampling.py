"""The sampling method's decision for one minibatch (the paper's section 6).

After the forward and backward pass the method knows Q (eq. 25) and dS
(eqs. 14-24) for the proposed update, and decides whether to make it:

1. if |dS| > ds_max, skip the minibatch (large jumps make training oscillate);
2. if Q_min <= Q <= Q_max (the safe zone), use it, whatever dS;
3. outside the safe zone use it only if it moves Q back toward the zone.

"Like a sailing ship: inside the safe zone it sails wherever the wind blows;
outside it, it raises the sails only when the wind blows toward the zone."

Step 3 has two readings (``shared/brief/paper.md``, inconsistency 1):

* "consistent" (default): Q > Q_max means vanishing, so the old gradients
  must grow: accept only if dS > 0; Q < Q_min means exploding: accept only if
  dS < 0.  This agrees with the definitions of Q and dS.
* "printed": the rule as printed, accept if (Q < Q_min and dS > 0) or
  (Q > Q_max and dS < 0), which is the opposite.

Lesson 07 runs both from the same weights and lets the data decide.
"""
import numbers

import numpy as np

from . import _validate as V

RULES = ("consistent", "printed")


def check_q_range(q_range):
    """Validate (Q_min, Q_max) and return it as a tuple of floats."""
    try:
        q_min, q_max = (float(v) for v in q_range)
    except (TypeError, ValueError):
        raise TypeError(f"q_range must be a pair (Q_min, Q_max) of numbers, got {q_range!r}") from None
    if np.isnan(q_min) or np.isnan(q_max):
        raise ValueError(f"q_range must not contain NaN, got {q_range!r}")
    if q_min > q_max:
        raise ValueError(f"q_range=({q_min}, {q_max}) has Q_min > Q_max; it must satisfy Q_min <= Q_max, e.g. (-1.0, 1.0)")
    return q_min, q_max


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
    q_min, q_max = check_q_range(q_range)
    for name, v in (("q", q), ("ds", ds)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {v!r}")
    if isinstance(ds_max, bool) or not isinstance(ds_max, numbers.Real) or not ds_max > 0:
        raise ValueError(f"ds_max must be a number > 0 (inf switches the |dS| test off), got {ds_max!r}")
    V.choice(rule, "rule", RULES)
    q, ds = float(q), float(ds)
    if np.isnan(q) or np.isnan(ds) or abs(ds) > ds_max:
        return False
    if q_min <= q <= q_max:
        return True
    vanishing = q > q_max
    if rule == "consistent":
        return ds > 0 if vanishing else ds < 0
    return ds < 0 if vanishing else ds > 0
