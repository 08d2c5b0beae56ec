"""Lesson 05's exercise: classifying a gradient profile (srnlab.lessons.training_dynamics).

The runs and the lesson's reader and figures are tested in tests/test_dynamics.py."""
import numpy as np
import pytest

from srnlab.course.exercises import CheckResult
from srnlab.lessons import training_dynamics as dynamics


def q_rule(profile):
    q = profile[0] - profile[-1]
    return "vanishing" if q > 1 else "exploding" if q < -1 else "healthy"


@pytest.mark.parametrize("profile, verdict", [
    (np.linspace(0, -5, 50), "vanishing"),
    (np.linspace(-6, -3, 10), "exploding"),
    (np.full(20, -8.0), "healthy"),                 # low but level: not vanishing
    (np.linspace(0, -1, 30), "healthy"),            # Q = 1 exactly: inside the safe zone
    (np.linspace(0, 1, 30), "healthy"),             # Q = -1 exactly
    ([-2.0, -3.5], "vanishing"),
])
def test_classify_profile_reads_the_tilt(profile, verdict):
    assert dynamics.classify_profile(profile) == verdict


def test_classify_profile_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="1-d array"):
        dynamics.classify_profile(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="at least 2"):
        dynamics.classify_profile([1.0])
    with pytest.raises(ValueError, match="finite"):
        dynamics.classify_profile([0.0, -np.inf])


def test_checker_accepts_the_answer_and_the_package(capsys):
    for fn in (q_rule, dynamics.classify_profile, lambda p: np.str_(q_rule(p))):
        result = dynamics.check_classify_profile(fn)
        assert result and isinstance(result, CheckResult)
    assert "PASSED" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda p: "vanishing" if p[0] < -3 else "healthy", "the level"),
    (lambda p: q_rule(p[::-1]), "swapped the sign"),
    (lambda p: "vanishing" if p[0] - p[-1] >= 1 else "exploding" if p[0] - p[-1] <= -1 else "healthy",
     "ends of the safe zone"),
    (lambda p: "vanishing" if p[0] - np.min(p) > 1 else q_rule(p), "lowest point"),
    (lambda p: q_rule(np.log10(p)), "already holds log10"),
])
def test_checker_names_the_slip(wrong, hint):
    result = dynamics.check_classify_profile(wrong)
    assert not result and hint in result.message


def test_checker_handles_stubs_and_bad_returns():
    def stub(profile):
        raise NotImplementedError
    assert "not implemented" in dynamics.check_classify_profile(stub).message
    r = dynamics.check_classify_profile(lambda p: 1.3)
    assert not r and "return one of" in r.message
    r = dynamics.check_classify_profile(lambda p: "Vanishing")
    assert not r and "'healthy'" in r.message
    with pytest.raises(TypeError, match="pass your function"):
        dynamics.check_classify_profile("vanishing")


def test_the_recorded_runs_classify_as_the_lesson_says():
    dyn = dynamics.load()
    healthy = np.mean([dynamics.classify_profile(p) == "healthy" for p in dyn["sgd"].log10_delta])
    vanishing = np.mean([dynamics.classify_profile(p) == "vanishing" for p in dyn["sgd_long"].log10_delta])
    assert healthy > 0.95 and vanishing > 0.9
