"""Bad input to the lessons' and the course's helpers, all in one table (as tests/test_errors.py
does for the core): every refusal of srnlab.lessons and srnlab.course at a glance.

Each row is (call, the error srnlab must raise, words its message must hold: what was wrong,
what it got, what is allowed).  ``expect_error`` also checks that srnlab's own code raised
it, not NumPy, matplotlib or ipywidgets from deep inside.  Below the table: what is accepted
because it can be used unambiguously (NumPy scalars are numbers).
"""
import numpy as np
import pytest
from matplotlib.figure import Figure

import srnlab
from conftest import expect_error
from srnlab import tasks
from srnlab.course import exercises as ex
from srnlab.course import plotting, widgets
from srnlab.lessons import benchmarks_tables as bt
from srnlab.lessons import init_sweep as isw
from srnlab.lessons import jacobians_eigenvalues as J
from srnlab.lessons import regression_tasks as reg
from srnlab.lessons import sampling_method as sm
from srnlab.lessons import sigma_prime as ff
from srnlab.lessons import srn_bptt as sb
from srnlab.lessons import theorem_ds as td
from srnlab.lessons import training_dynamics as dyn

NET = srnlab.SRN.init(6, 8, 4, output="softmax", std=0.3, rng=0)
X, Y = tasks.generate("temporal_order", 5, 12, rng=1)
G = srnlab.bptt(NET, X, Y).grads["W_rec"]
C, _ = sb.step_contributions(NET, X, Y)
FF = ff.Network.init([4, 5, 3], rng=0)
XF, LF = np.random.default_rng(0).normal(size=(10, 4)), np.arange(10) % 3
M = J.random_matrix(4, 0.9, rng=0, symmetric=True)
XS = np.random.default_rng(0).normal(size=(6, 2))
Z = J.states(XS, np.ones((2, 4)), M)
SMALL = dict(n=3, K=8, T=12, h=10)
SIGN = dict(nets_per_scale=1, K=5, T=12, h=5, batch=3)
CELL = bt.TABLE1[0]
AX = Figure().subplots()


def run(T=4, n=6):
    """A small Run of the dynamics file, made by hand."""
    per_update = {k: np.linspace(0.1, 0.6, n) for k in ("loss", "q", "ds", "grad_norm")}
    rec = np.array([1, 3, 6])
    return dyn.Run(name="sgd", T=T, method="sgd", status="completed", info={}, accepted=np.ones(n, bool),
                   record_update=rec, log10_delta=np.zeros((3, T)), saturation=np.zeros(3), mean_abs_z=np.zeros(3),
                   median_abs_z=np.zeros(3), spectral_radius=np.ones(3), val_update=np.array([0, 3, 6]),
                   val_acc=np.array([0.2, 0.5, 0.9]), val_loss=np.ones(3), sv_max=np.ones(3), end_q=np.zeros(2),
                   end_ds_velocity=np.zeros(2), end_ds_gradient=np.zeros(2), **per_update)


REFUSALS = [
    # ------------------------------------------------------------------ 01 sigma_prime
    ("chain: a bool weight", lambda: ff.chain(True, 0.0, depth=3), TypeError, ["w must be numbers", "booleans"]),
    ("sigmoid: a string", lambda: ff.sigmoid("a"), TypeError, ["z must be a numeric array", "<U1"]),
    ("sigmoid: NaN", lambda: ff.sigmoid([0.0, np.nan]), ValueError, ["z contains 1 NaN", "inf is allowed"]),
    ("sigmoid_prime: NaN", lambda: ff.sigmoid_prime(np.nan), ValueError, ["z contains 1 NaN"]),
    ("backprop: not a Network", lambda: ff.backprop("net", XF, LF), TypeError, ["net must be a Network", "str"]),
    ("backprop: boolean labels", lambda: ff.backprop(FF, XF, LF > 0), TypeError, ["Y must be numeric", "bool"]),
    ("accuracy: a label outside the classes", lambda: FF.accuracy(XF, LF + 7), ValueError,
     ["class labels in labels", "[0, 2]", "[7, 9]"]),
    ("accuracy: fractional labels", lambda: FF.accuracy(XF, LF + 0.5), ValueError, ["integer class labels"]),
    ("accuracy: string labels", lambda: FF.accuracy(XF, np.array(["a"] * 10)), TypeError, ["labels must be numeric"]),
    ("accuracy: labels of another batch", lambda: FF.accuracy(XF, LF[:3]), ValueError, ["10 examples", "3 rows"]),
    ("sgd: not a Network", lambda: ff.sgd(None, XF, LF, 1, 5, 0.1), TypeError, ["net must be a Network", "NoneType"]),
    ("sgd: a decay factor <= 0", lambda: ff.sgd(FF.copy(), XF, LF, 1, 5, 1.0, lmbda=1e3), ValueError,
     ["eta * lmbda / n = 100", "must be < 1", "-99"]),
    ("sgd: monitor not a pair", lambda: ff.sgd(FF.copy(), XF, LF, 1, 5, 0.1, monitor=XF), TypeError,
     ["monitor must be a pair (X_m, labels_m)", "ndarray"]),
    ("sgd: monitor of three", lambda: ff.sgd(FF.copy(), XF, LF, 1, 5, 0.1, monitor=(XF, LF, LF)), TypeError,
     ["monitor must be a pair", "length 3"]),
    # ------------------------------------------------------------------ 02 srn_bptt
    ("matched_p: a bool depth", lambda: sb.matched_p(True, 10), TypeError, ["h must be numbers", "booleans"]),
    ("matched_p: a string depth", lambda: sb.matched_p("3", 10), TypeError, ["h must be a numeric array"]),
    ("matched_p: no bisection steps", lambda: sb.matched_p(3, 10, iters=0), ValueError, ["iters", ">= 1", "got 0"]),
    ("matched_p: float iters", lambda: sb.matched_p(3, 10, iters=2.5), TypeError, ["iters", "integer", "2.5"]),
    ("expected_depth: p > 1", lambda: sb.expected_depth(1.5, 10), ValueError, ["p must lie in [0, 1]", "1.5"]),
    ("expected_depth: NaN p", lambda: sb.expected_depth(np.nan, 10), ValueError, ["p must lie in [0, 1]", "nan"]),
    ("expected_depth: p a string", lambda: sb.expected_depth("0.5", 10), TypeError, ["p must be a numeric array"]),
    ("randomized_variance: a bool p", lambda: sb.randomized_variance(C, True), TypeError, ["p must be numbers"]),
    ("randomized_variance: NaN in C", lambda: sb.randomized_variance(np.full((3, 2, 2), np.nan), 0.5), ValueError,
     ["C contains 12 NaN"]),
    ("randomized_variance: a 2-d C", lambda: sb.randomized_variance(np.ones((3, 3)), 0.5), ValueError,
     ["(T, K, K)", "(3, 3)"]),
    ("truncated_bias2: an empty C", lambda: sb.truncated_bias2(np.zeros((0, 2, 2))), ValueError,
     ["T >= 1", "(0, 2, 2)"]),
    ("randomized_draws: not a network", lambda: sb.randomized_draws("net", X, Y, 0.5, 2), TypeError,
     ["net must be an srnlab.SRN", "str"]),
    ("monte_carlo: g = 0", lambda: sb.monte_carlo(np.ones((3, 2, 2)), np.zeros((2, 2))), ValueError,
     ["g is zero", "does not exist"]),
    ("monte_carlo: draws of another shape", lambda: sb.monte_carlo(np.ones((3, 2, 2)), np.ones((3, 3))), ValueError,
     ["(n, 3, 3)", "(3, 2, 2)"]),
    ("monte_carlo: NaN draws", lambda: sb.monte_carlo(np.full((3, 2, 2), np.nan), np.ones((2, 2))), ValueError,
     ["draws contains 12 NaN"]),
    # ------------------------------------------------------------------ 03 jacobians_eigenvalues
    ("random_matrix: symmetric a string", lambda: J.random_matrix(3, 1.0, symmetric="yes"), TypeError,
     ["symmetric must be True or False", "'yes'"]),
    ("random_matrix: entries overflow", lambda: J.random_matrix(4, 1.7e308, rng=0), ValueError,
     ["spectral_radius=1.7e+308", "too large", "overflow"]),
    ("power_log_norms: v too large", lambda: J.power_log_norms(np.full(4, 1e200), M, 3), ValueError,
     ["norm of v", "too large", "rescale"]),
    ("power_log_norms: v too small", lambda: J.power_log_norms(np.full(4, 1e-320), M, 3), ValueError,
     ["norm of v", "too small"]),
    ("derivative: tanh states outside [-1, 1]", lambda: J.derivative(np.array([0.5, 2.0]), "tanh"), ValueError,
     ["tanh network", "[-1, 1]", "[0.5, 2]", "not the pre-activations"]),
    ("derivative: sigmoid states below 0", lambda: J.derivative(np.array([-0.5]), "sigmoid"), ValueError,
     ["sigmoid network", "[0, 1]", "-0.5"]),
    ("derivative: NaN", lambda: J.derivative(np.nan, "tanh"), ValueError, ["z contains 1 NaN"]),
    ("jacobian_log_norms: pre-activations for states", lambda: J.jacobian_log_norms(np.ones(4), M, 5 * Z), ValueError,
     ["tanh network", "[-1, 1]"]),
    ("states: pre-activations that overflow", lambda: J.states([[2.0, -2.0]], np.full((2, 4), 1e308), M), ValueError,
     ["overflowed float64", "too large"]),
    # ------------------------------------------------------------------ 04 init_sweep
    ("sweep: a bool std", lambda: isw.sweep([True], seeds=(0,), **SMALL), TypeError, ["stds must be numbers"]),
    ("Sweep.row: a string", lambda: isw.Sweep(np.array([0.5]), np.array([0]), np.zeros((1, 1)),
                                              np.zeros((1, 1))).row("0.5"), TypeError, ["std must be a real number"]),
    ("text_table: a string header", lambda: isw.text_table("ab", [["1", "2"]]), TypeError, ["not a single string"]),
    # ------------------------------------------------------------------ 06 theorem_ds
    ("step_curves: h = T", lambda: td.step_curves(NET, X, Y, -G, 12, [0.1]), ValueError,
     ["h=12", "T=12", "between 1 and T-1 = 11"]),
    ("step_curves: h None", lambda: td.step_curves(NET, X, Y, -G, None, [0.1]), TypeError,
     ["h (the number of steps back) must be an integer", "None"]),
    ("step_curves: steps a string", lambda: td.step_curves(NET, X, Y, -G, 5, "0.1"), TypeError,
     ["steps must be a numeric array"]),
    ("step_curves: a NaN step", lambda: td.step_curves(NET, X, Y, -G, 5, [np.nan]), ValueError,
     ["steps contains 1 NaN"]),
    ("step_curves: 2-d steps", lambda: td.step_curves(NET, X, Y, -G, 5, [[0.1, 0.2]]), ValueError,
     ["1-d sequence", "(1, 2)"]),
    ("step_curves: fd_step 0", lambda: td.step_curves(NET, X, Y, -G, 5, [0.1], fd_step=0), ValueError,
     ["fd_step must be > 0", "0.0"]),
    ("step_curves: not a network", lambda: td.step_curves("net", X, Y, -G, 5, [0.1]), TypeError,
     ["net must be an srnlab.SRN", "str"]),
    ("true_s: W_rec of the wrong shape", lambda: td.true_s(NET, X, Y, np.ones((3, 3)), 5), ValueError,
     ["W_rec must have the shape", "(8, 8)", "(3, 3)"]),
    ("true_s: NaN W_rec", lambda: td.true_s(NET, X, Y, np.full((8, 8), np.nan), 5), ValueError,
     ["W_rec contains 64 NaN"]),
    ("sign_sweep: an infinite eta", lambda: td.sign_sweep([np.inf], **SIGN), ValueError,
     ["finite positive learning rates", "inf"]),
    ("sign_sweep: etas a string", lambda: td.sign_sweep("0.1", **SIGN), TypeError, ["etas must be a numeric array"]),
    ("sign_sweep: a bool eta", lambda: td.sign_sweep([True], **SIGN), TypeError, ["etas must be numbers"]),
    ("sign_sweep: no scales", lambda: td.sign_sweep([0.1], scales=(), **SIGN), ValueError,
     ["scales must be a non-empty", "[]"]),
    ("sign_sweep: a negative scale", lambda: td.sign_sweep([0.1], scales=(-1.0,), **SIGN), ValueError,
     ["scales", ">= 0", "-1"]),
    ("sign_sweep: no tasks", lambda: td.sign_sweep([0.1], task_names=(), **SIGN), ValueError,
     ["task_names must hold at least one"]),
    ("sign_sweep: a misspelt task", lambda: td.sign_sweep([0.1], task_names=("adition",), **SIGN), ValueError,
     ["'adition'", "Did you mean 'addition'"]),
    ("sign_sweep: batch 0", lambda: td.sign_sweep([0.1], nets_per_scale=1, K=5, T=12, h=5, batch=0), ValueError,
     ["batch (sequences per minibatch)", ">= 1"]),
    ("sign_sweep: fd_step a string", lambda: td.sign_sweep([0.1], fd_step="x", **SIGN), TypeError,
     ["fd_step must be a real number"]),
    ("sign_sweep: the default h of a short T", lambda: td.sign_sweep([0.1], nets_per_scale=1, K=5, T=5, batch=3),
     ValueError, ["default h = T - 5", "T=5", "between 1 and T-1"]),
    ("symlog_threshold: NaN fraction", lambda: td.symlog_threshold([1, 2], fraction=np.nan), ValueError,
     ["fraction must be finite"]),
    ("symlog_threshold: fraction 0", lambda: td.symlog_threshold([1, 2], fraction=0), ValueError,
     ["fraction must be > 0"]),
    ("symlog_threshold: floor 0", lambda: td.symlog_threshold([1, 2], floor=0), ValueError, ["floor must be > 0"]),
    ("symlog_threshold: strings", lambda: td.symlog_threshold("abc"), TypeError, ["values must be a numeric array"]),
    ("symlog_axis: axis z", lambda: td.symlog_axis(AX, "z", 1.0, 10.0), ValueError, ["'z'", "'x'", "'y'"]),
    ("symlog_axis: linthresh 0", lambda: td.symlog_axis(AX, "x", 0.0, 10.0), ValueError, ["linthresh must be > 0"]),
    ("check_tangent_step: not a function", lambda: td.check_tangent_step(3), TypeError,
     ["pass your function itself", "int"]),
    # ------------------------------------------------------------------ 08 benchmarks_tables
    ("chance_level: tol 0", lambda: bt.chance_level("addition", n=100, tol=0), ValueError, ["tol must be > 0"]),
    ("chance_level: NaN tol", lambda: bt.chance_level("addition", n=100, tol=np.nan), ValueError,
     ["tol must be finite"]),
    ("chance_level: a bool tol", lambda: bt.chance_level("addition", n=100, tol=True), TypeError,
     ["tol must be a real number", "True"]),
    ("run_length: T_paper a string", lambda: bt.run_length("100", 0.5), TypeError, ["T_paper must be an integer"]),
    ("run_length: T_paper 0", lambda: bt.run_length(0, 0.5), ValueError, ["T_paper must be an integer >= 1"]),
    ("run_length: NaN T_factor", lambda: bt.run_length(100, np.nan), ValueError, ["T_factor must be finite"]),
    ("run_length: T_factor 0", lambda: bt.run_length(100, 0), ValueError, ["T_factor must be > 0"]),
    ("load: a misspelt experiment", lambda: bt.load("tabel1", "small"), ValueError,
     ["unknown experiment 'tabel1'", "Did you mean 'table1'"]),
    ("load: a scale that is not a name", lambda: bt.load("table1", 3), TypeError, ["scale must be", "3"]),
    ("load: a folder that is a number", lambda: bt.load("table1", "small", out=3), TypeError,
     ["results folder", "int"]),
    ("compare: a dict that is not a results file", lambda: bt.compare("table1", {"a": 1}), ValueError,
     ["not a results dict", "'cells'"]),
    ("describe: None", lambda: bt.describe(None), TypeError, ["results dict", "None"]),
    ("extra_cells: a list", lambda: bt.extra_cells([1]), TypeError, ["results dict", "list"]),
    ("verdict: our cell a number", lambda: bt.verdict(CELL, 0.5), TypeError, ["'best', 'mean' and 'n'", "0.5"]),
    ("verdict: an accuracy above 1", lambda: bt.verdict(CELL, {"n": 1, "best": 5.0, "mean": 0.5}), ValueError,
     ["ours['best']", "[0, 1]", "5.0"]),
    ("verdict: a NaN accuracy", lambda: bt.verdict(CELL, {"n": 1, "best": np.nan, "mean": 0.5}), ValueError,
     ["ours['best'] must be finite"]),
    ("verdict: not a cell", lambda: bt.verdict("cell", None), TypeError, ["PaperCell", "str"]),
    ("Reported.parse: not a percentage", lambda: bt.Reported.parse("abc"), ValueError, ["'abc'", "'96%'"]),
    ("Reported.parse: above 100%", lambda: bt.Reported.parse("150%"), ValueError, ["'150%'", "from 0 to 100"]),
    ("Reported.parse: a number", lambda: bt.Reported.parse(0.5), TypeError, ["a str such as '96%'", "0.5"]),
    ("markdown_table: columns not pairs", lambda: bt.markdown_table([{"a": 1}], ["a"]), TypeError,
     ["(key, header) pairs"]),
    # ------------------------------------------------------------------ 05 training_dynamics
    ("block_mean: width 0", lambda: dyn.block_mean([1.0, 2.0], 0), ValueError, ["width must be an integer >= 1"]),
    ("block_mean: a float width", lambda: dyn.block_mean([1.0, 2.0], 1.5), TypeError, ["width must be an integer"]),
    ("block_mean: strings", lambda: dyn.block_mean("abcd", 2), TypeError, ["values must be a numeric array"]),
    ("block_mean: 2-d values", lambda: dyn.block_mean(np.ones((4, 2)), 2), ValueError, ["1-d", "(4, 2)"]),
    ("block_mean: update of another length", lambda: dyn.block_mean([1.0, 2.0, 3.0, 4.0], 2, update=[1, 2]),
     ValueError, ["update must have one entry per value", "(4,)", "(2,)"]),
    ("numbers_at: NaN update", lambda: dyn.numbers_at(run(), np.nan), ValueError, ["update must be finite"]),
    ("numbers_at: update a string", lambda: dyn.numbers_at(run(), "100"), TypeError, ["update must be a real number"]),
    ("numbers_at: not a run", lambda: dyn.numbers_at("sgd", 100), TypeError, ["run must be a Run", "str"]),
    ("Run.level: deeper than the sequence", lambda: run(T=4).level(4), ValueError, ["steps_back=4", "[0, 3]"]),
    ("Run.level: negative", lambda: run().level(-1), ValueError, ["steps_back must be an integer >= 0"]),
    ("Run.rolling: width 0", lambda: run().rolling("loss", 0), ValueError, ["width must be an integer >= 1"]),
    ("Run.rolling: unknown array", lambda: run().rolling("losss", 3), ValueError, ["'losss'", "Did you mean 'loss'"]),
    ("draw_series: q_block 0", lambda: dyn.draw_series(AX, run(), "q", q_block=0), ValueError, ["q_block", ">= 1"]),
    ("draw_overview: no runs", lambda: dyn.draw_overview(Figure(), []), ValueError, ["non-empty list of Run"]),
    ("initial_net: not the file's settings", lambda: dyn.initial_net({}), TypeError, ["load().meta", "'K'"]),
    ("load: a path that is a number", lambda: dyn.load(3), TypeError, ["path must be", "int"]),
    # ------------------------------------------------------------------ 07 sampling_method
    ("initial_net: a negative seed", lambda: sm.initial_net({"task": "temporal_order", "K": 5, "std": 0.1,
                                                              "seed_base": 0}, -1), ValueError, ["seed", ">= 0", "-1"]),
    ("initial_net: a string seed", lambda: sm.initial_net({"task": "temporal_order", "K": 5, "std": 0.1,
                                                            "seed_base": 0}, "0"), TypeError, ["seed", "integer", "'0'"]),
    ("initial_net: not the study's config", lambda: sm.initial_net({}, 0), TypeError, ["load().config", "'seed_base'"]),
    ("check_accept_rule: not a function", lambda: sm.check_accept_rule(None), TypeError,
     ["pass your function itself", "NoneType"]),
    ("load: a path that is a number", lambda: sm.load(3), TypeError, ["path must be", "int"]),
    ("fire_rate: a negative threshold", lambda: sm.fire_rate([1.0], threshold=-1), ValueError, ["threshold", ">= 0"]),
    ("fire_rate: no values", lambda: sm.fire_rate([]), ValueError, ["values is empty"]),
    ("agreement: shapes differ", lambda: sm.agreement([1.0, 2.0], [1.0], [0.0, 0.0]), ValueError,
     ["same shape", "(2,)", "(1,)"]),
    ("agreement: nothing finite", lambda: sm.agreement([np.nan], [1.0], [0.0]), ValueError, ["does not exist"]),
    # ------------------------------------------------------------------ course
    ("check_backward_step: not a function", lambda: ex.check_backward_step(3), TypeError,
     ["pass your function itself", "int 3"]),
    ("check_softmax_cross_entropy: the function's result", lambda: ex.check_softmax_cross_entropy(0.5), TypeError,
     ["pass your function itself", "float"]),
    ("check_q_factor: a string seed", lambda: ex.check_q_factor(lambda d, h: 0.0, seed="x"), TypeError,
     ["rng", "str"]),
    ("check_jacobian_product: None", lambda: ex.check_jacobian_product(None), TypeError, ["pass your function"]),
    ("check_critical_std: a number", lambda: ex.check_critical_std(0.1), TypeError, ["pass your function"]),
    ("log10_safe: a string", lambda: plotting.log10_safe("abc"), TypeError, ["values must be a numeric array"]),
    ("log10_safe: strings of digits", lambda: plotting.log10_safe(["1", "2"]), TypeError, ["numeric array"]),
    ("log10_safe: None", lambda: plotting.log10_safe(None), TypeError, ["numeric array", "object"]),
    ("dropped_note: a negative count", lambda: plotting.dropped_note(-1), ValueError, ["n_dropped", ">= 0"]),
    ("slider: lo > hi", lambda: widgets.slider(1, 0, 0.5), ValueError, ["lo < hi", "lo=1", "hi=0"]),
    ("slider: value outside", lambda: widgets.slider(0, 1, 5), ValueError, ["lo <= value <= hi", "value=5"]),
    ("slider: NaN value", lambda: widgets.slider(0, 1, np.nan), ValueError, ["slider value must be finite"]),
    ("slider: a string bound", lambda: widgets.slider("0", 1, 0.5), TypeError, ["slider lo", "real number", "'0'"]),
    ("slider: a log slider from 0", lambda: widgets.slider(0, 1, 0.5, log=True), ValueError, ["lo > 0", "lo=0"]),
    ("slider: a float bound of an integer slider", lambda: widgets.slider(0.5, 10, 3, integer=True), TypeError,
     ["slider lo must be an integer", "0.5"]),
    ("slider: step 0", lambda: widgets.slider(0, 10, 3, step=0), ValueError, ["step > 0", "step=0"]),
    ("Demo: build not a function", lambda: widgets.Demo(3, a=widgets.slider(0, 1, 0.5)), TypeError,
     ["build must be a function build(fig)", "int"]),
    # ------------------------------------------------------------------ 09 regression_tasks
    ("load_study: a number as the scale", lambda: reg.load_study(5), TypeError, ["scale must be a scale's name", "5"]),
    ("load_study: a number as the folder", lambda: reg.load_study("lesson", 3), TypeError,
     ["results folder must be None, a str or a path", "int"]),
    ("setting_rows: not a study", lambda: reg.setting_rows([], "addition"), TypeError,
     ["study must be the dict load_study() returns", "list"]),
    ("setting_rows: a dict that is no study", lambda: reg.setting_rows({"runs": []}, "addition"), ValueError,
     ["study is not the dict load_study() returns", "cells"]),
    ("scale_rows: not a study", lambda: reg.scale_rows(None, {}, "addition"), TypeError,
     ["study must be the dict load_study() returns", "NoneType"]),
    ("scale_rows: a classification task", lambda: reg.scale_rows(*[dict.fromkeys(reg.KEYS, {})] * 2, "temporal_order"),
     ValueError, ["unknown task 'temporal_order'", "'addition', 'multiplication'"]),
    ("split_column: a bad name", lambda: reg.split_column("lr0.1"), ValueError,
     ["named like 'lr0.001-clip1-orthogonal-author'", "lr0.1"]),
    ("first_above: lengths differ", lambda: reg.first_above([0, 1, 2], [0.1, 0.2], 0.1), ValueError,
     ["two 1-D sequences of one length", "(3,)", "(2,)"]),
    ("first_above: a string level", lambda: reg.first_above([0, 1], [0.1, 0.2], "0.1"), TypeError,
     ["level must be a real number", "'0.1'"]),
    ("error_profile: not a network", lambda: reg.error_profile("net", "addition", "paper", 10), TypeError,
     ["net must be an srnlab.SRN", "str"]),
    ("check_first_above: not a function", lambda: reg.check_first_above(3), TypeError,
     ["pass your function itself", "int"]),
    ("table1_runs: not a Table 1 summary", lambda: reg.table1_runs([], "addition"), TypeError,
     ["table1 must be the dict benchmarks_tables.load('table1', scale) returns"]),
    ("table1_runs: a classification task", lambda: reg.table1_runs({"runs": []}, "temporal_order"), ValueError,
     ["unknown task 'temporal_order'", "'addition', 'multiplication'"]),
    ("plot_table1_curves: rows that are no runs", lambda: reg.plot_table1_curves(None, [1, 2], None, "addition"),
     TypeError, ["rows must be the list table1_runs() returns", "list"]),
    ("plot_table1_curves: a number as the chance", lambda: reg.plot_table1_curves(None, [], 0.15, "addition"),
     TypeError, ["chance must be a benchmarks_tables.Chance", "float"]),
    ("Demo: a control that is a number", lambda: widgets.Demo(lambda fig: None, a=0.5), TypeError,
     ["control 'a'", "ipywidgets control", "0.5"]),
    ("Demo: build returns no update", lambda: widgets.Demo(lambda fig: None, a=widgets.slider(0, 1, 0.5)), TypeError,
     ["build(fig) must return the function update", "NoneType"]),
]


@pytest.mark.parametrize("call, error, words", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refused(call, error, words):
    with expect_error(error, *words):
        call()


# ---------------------------------------------------------------------- accepted: unambiguous input
ACCEPTED = [
    ("NumPy scalars in chain", lambda: ff.chain(np.float64(1.0), np.float32(0.0), a0=np.float32(0.5),
                                                depth=np.int64(3)).depth == 3),
    ("NumPy sizes, eta and epochs in sgd", lambda: ff.sgd(FF.copy(), XF, LF, np.int64(1), np.int32(5),
                                                          np.float32(0.1)).loss.shape == (2,)),
    ("NumPy h and T in matched_p", lambda: sb.matched_p(np.int64(3), np.int64(10)) == sb.matched_p(3, 10)),
    ("a NumPy p in randomized_variance", lambda: sb.randomized_variance(C, np.float32(0.5))
     == sb.randomized_variance(C, 0.5)),
    ("NumPy p and T in expected_depth", lambda: sb.expected_depth(np.float64(0.5), np.int64(10))
     == pytest.approx(sum(0.5 ** j for j in range(1, 10)))),
    ("NumPy K, radius and seed in random_matrix", lambda: J.random_matrix(np.int64(3), np.float32(0.9),
                                                                          rng=np.int64(0)).shape == (3, 3)),
    ("a NumPy n_steps", lambda: J.power_log_norms(np.ones(4), M, np.int64(3)).shape == (4,)),
    ("NumPy std and sizes in gradient_flow", lambda: np.isfinite(isw.gradient_flow(
        np.float32(0.5), seed=np.int64(0), n=np.int64(3), K=np.int64(8), T=np.int64(12), h=np.int64(10)).q)),
    ("a NumPy h and a scalar step in step_curves", lambda: td.step_curves(NET, X, Y, -G, np.int64(5), 0.1,
                                                                          fd_step=np.float32(1e-6)).true.shape == (1,)),
    ("one task name as a str in sign_sweep", lambda: set(td.sign_sweep([0.1], task_names="addition", **SIGN).task)
     == {"addition"}),
    ("NumPy numbers in chance_level", lambda: bt.chance_level("temporal_order", n=np.int64(1000), rng=np.int64(0),
                                                              tol=np.float32(0.04)).n == 1000),
    ("NumPy numbers in run_length", lambda: bt.run_length(np.int64(100), np.float32(0.5)) == 50),
    ("NumPy accuracies in verdict", lambda: bt.verdict(CELL, {"n": np.int64(1), "best": np.float32(0.99),
                                                             "mean": np.float64(0.6)}).verdict == "reproduced"),
    ("a NumPy width and booleans (a share) in block_mean", lambda: dyn.block_mean(
        np.array([True, False, True, True]), np.int64(2))[1].tolist() == [0.5, 1.0]),
    ("a NumPy float update in numbers_at", lambda: dyn.numbers_at(run(), np.float64(3.0))["update"] == 3),
    ("a NumPy seed in initial_net", lambda: sm.initial_net({"task": "temporal_order", "K": 5, "std": 0.1,
                                                            "seed_base": 0}, np.int64(1)).K == 5),
    ("NumPy bounds of a slider", lambda: widgets.slider(np.int64(1), np.int64(30), np.int64(10),
                                                        integer=True).value == 10),
    ("a NumPy scalar in log10_safe", lambda: plotting.log10_safe(np.float32(10.0))[0] == 1.0),
]


@pytest.mark.parametrize("call", [c for _, c in ACCEPTED], ids=[n for n, _ in ACCEPTED])
def test_accepted(call):
    assert call()
