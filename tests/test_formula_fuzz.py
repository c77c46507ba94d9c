"""User formulas under fuzzing: any text, any inputs — a number, no value (NaN) or a FormulaError.

Nothing is timed here. The 50 ms promise rests on limits checked before a formula runs
(length, syntax pieces, depth, number size, exponent), which these tests check hold for every
formula that is accepted; the worst case is measured in benchmarks/formula_bench.py.
"""

import ast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpibsc.engine import formula as formula_module
from kpibsc.engine.errors import FormulaError
from kpibsc.engine.formula import (
	FUNCTIONS,
	MAX_DEPTH,
	MAX_EXPONENT,
	MAX_FORMULA_LENGTH,
	MAX_LITERAL,
	MAX_NODES,
	compile_formula,
)
from kpibsc.engine.reviews import FORMULA_NAMES as REVIEW_NAMES
from kpibsc.engine.reviews import ReviewPolicy, final_scores
from kpibsc.engine.scoring import FORMULA_NAMES, Method, ScoringRule
from kpibsc.engine.sources import evaluate_formulas

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# inputs a formula may meet: ordinary, huge, tiny, NaN and infinite
values = st.one_of(
	st.floats(allow_nan=True, allow_infinity=True),
	st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324, np.nan, np.inf, -np.inf]),
)
literals = st.one_of(
	st.integers(min_value=0, max_value=10**40).map(str),
	st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
	st.sampled_from(["1e999", "1e18", "1e19", "0", "0.0", "9" * 60, "1_000", "0x1F", "1j"]),
)
names = st.sampled_from(sorted(FORMULA_NAMES | REVIEW_NAMES | {"salary", "_secret", "__import__"}))
binary = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", "and", "or"])
functions = st.sampled_from([*sorted(FUNCTIONS), "open", "eval", "len"])


def _expression(children):
	return st.one_of(
		st.tuples(children, binary, children).map(lambda parts: f"({parts[0]} {parts[1]} {parts[2]})"),
		st.tuples(st.sampled_from(["-", "+", "not "]), children).map("".join),
		st.tuples(functions, st.lists(children, max_size=4)).map(
			lambda parts: f"{parts[0]}({', '.join(parts[1])})"
		),
		st.tuples(children, children, children).map(
			lambda parts: f"({parts[0]} if {parts[1]} else {parts[2]})"
		),
		# things that must be refused
		children.map(lambda part: f"{part}.real"),
		children.map(lambda part: f"[{part}][0]"),
		children.map(lambda part: f"(lambda: {part})()"),
		children.map(lambda part: f"max({part}, key=1)"),
		children.map(lambda part: f"'{part}'"),
	)


expressions = st.recursive(st.one_of(literals, names), _expression, max_leaves=24)
# text that is mostly not a formula at all
texts = st.one_of(
	st.text(max_size=MAX_FORMULA_LENGTH + 50),
	st.text(alphabet="()+-*/%<>=! .0123456789eactulrgt_,", max_size=MAX_FORMULA_LENGTH + 50),
)


def _deep(depth: int, kind: str) -> str:
	return {
		"parentheses": "(" * depth + "actual" + ")" * depth,
		"unary": "-" * depth + "actual",
		"not": "not " * depth + "actual",
		"calls": "abs(" * depth + "actual" + ")" * depth,
		"powers": "**".join(["actual"] * depth),
		"conditions": "1 if actual else " * depth + "0",
		"sums": "+".join(["actual"] * depth),
	}[kind]


def _inputs(draw_values: list[float], allowed: frozenset[str], missing: set[str]) -> dict:
	cycle = draw_values or [np.nan]
	return {
		name: np.array([cycle[index % len(cycle)], cycle[(index + 1) % len(cycle)]])
		for index, name in enumerate(sorted(allowed))
		if name not in missing
	}


def _check(source: str, variables: dict, allowed: frozenset[str]):
	"""The one promise: a finite number or NaN per row, or FormulaError."""
	try:
		result = compile_formula(source, allowed).evaluate(variables)
	except FormulaError as error:
		assert error.template and isinstance(error.values, tuple)
		return None
	assert result.dtype == float
	assert np.all(np.isfinite(result) | np.isnan(result))
	return result


def _accepted_within_limits(source: str):
	formula = compile_formula(source, FORMULA_NAMES)
	nodes = list(ast.walk(formula.tree))
	assert len(source) <= MAX_FORMULA_LENGTH
	assert len(nodes) <= MAX_NODES
	assert formula_module._depth(formula.tree) <= MAX_DEPTH
	for node in nodes:
		if isinstance(node, ast.Constant):
			assert abs(node.value) <= MAX_LITERAL


@FUZZ
@given(st.one_of(expressions, texts), st.lists(values, max_size=6), st.sets(names, max_size=4))
def test_any_formula_gives_a_number_no_value_or_formula_error(source, inputs, missing):
	_check(source, _inputs(inputs, FORMULA_NAMES, missing), FORMULA_NAMES)


@FUZZ
@given(expressions, st.lists(values, min_size=1, max_size=6))
def test_kpi_formula_method_scores_or_raises_formula_error(source, inputs):
	actual, target, baseline = (inputs * 3)[:3]
	try:
		result = ScoringRule(Method.FORMULA, formula=source).achievement(actual, target, baseline=baseline)
	except FormulaError:
		return
	assert result is None or np.isfinite(result)


@FUZZ
@given(st.one_of(expressions, texts), st.lists(values, min_size=1, max_size=6))
def test_review_final_score_formula_gives_a_number_no_value_or_formula_error(source, inputs):
	kpi, competency, self_score, manager = (inputs * 4)[:4]
	try:
		policy = ReviewPolicy(formula=source)
		result = final_scores([kpi, 80.0], [competency, np.nan], policy, None, [self_score, 1], [manager, 2])
	except FormulaError:
		return
	assert result.shape == (2,)
	assert np.all(np.isfinite(result) | np.isnan(result))


@FUZZ
@given(expressions, st.lists(values, min_size=1, max_size=3))
def test_formula_kpis_give_a_number_none_or_formula_error(source, inputs):
	source = source.replace("actual", "REV_01").replace("target", "COST_01")
	actuals = {"REV-01": inputs[0], "COST-01": inputs[-1]}
	try:
		result = evaluate_formulas({"GM-01": source}, actuals)
	except FormulaError:
		return
	assert result["GM-01"] is None or np.isfinite(result["GM-01"])


@FUZZ
@given(expressions, st.lists(values, min_size=1, max_size=4))
def test_accepted_formulas_are_within_the_limits_and_cost_one_step_per_piece(source, inputs):
	"""The bounded cost: every accepted formula is within the limits, and evaluating it is one
	array operation per syntax piece (no loops, no repetition)."""
	try:
		_accepted_within_limits(source)
		formula = compile_formula(source, FORMULA_NAMES)
	except FormulaError:
		return
	visits = []
	original = formula_module._Evaluator.visit

	def counting(self, node):
		visits.append(node)
		return original(self, node)

	formula_module._Evaluator.visit = counting
	try:
		formula.evaluate(_inputs(inputs, FORMULA_NAMES, set()))
	except FormulaError:
		pass
	finally:
		formula_module._Evaluator.visit = original
	assert len(visits) <= MAX_NODES


@pytest.mark.parametrize("kind", ["parentheses", "unary", "not", "calls", "powers", "conditions", "sums"])
@pytest.mark.parametrize("depth", [10, 60, 70, 150, 250, 400])
def test_deep_nesting_is_evaluated_or_refused(kind, depth):
	source = _deep(depth, kind)
	result = _check(source, _inputs([2.0], FORMULA_NAMES, set()), FORMULA_NAMES)
	if depth > MAX_FORMULA_LENGTH or len(source) > MAX_FORMULA_LENGTH:
		assert result is None


@pytest.mark.parametrize(
	"source, message",
	[
		("9" * 40, "larger than 1e18"),
		("1e999", "larger than 1e18"),
		("actual * 1e19", "larger than 1e18"),
		("round(actual, 1e300)", "larger than 1e18"),
		("abs(" * 70 + "actual" + ")" * 70, "too deeply nested"),
		("(" * 230 + "1" + ")" * 230, "cannot be read"),
		("-" * 450 + "1", "too long or too deeply nested"),
	],
)
def test_huge_numbers_and_deep_nesting_are_refused_with_a_reason(source, message):
	with pytest.raises(FormulaError, match=message):
		compile_formula(source, FORMULA_NAMES)


@pytest.mark.parametrize(
	"source, variables, expected",
	[
		("actual / target", {"actual": 1.0, "target": 0.0}, np.nan),  # division by zero
		("log(actual)", {"actual": 0.0}, np.nan),  # minus infinity
		("exp(exp(actual))", {"actual": 1000.0}, np.nan),  # overflow
		("(actual * 1e18) ** 64", {"actual": 1e18}, np.nan),
		("actual + 1", {"actual": np.inf}, np.nan),  # infinite input
		("actual + 1", {"actual": np.nan}, np.nan),
		("actual + baseline", {"actual": 1.0}, np.nan),  # baseline not supplied: no value
		("round(actual, previous)", {"actual": 1.25}, np.nan),  # round to a missing number of decimals
		("round(actual, 1e18)", {"actual": 1.25}, 1.25),  # more decimals than a float has
		("1e18 * 2", {}, 2e18),
		("actual if actual == actual else 0", {"actual": np.nan}, 0.0),  # NaN is not equal to itself
	],
)
def test_no_value_instead_of_infinity_or_errors(source, variables, expected):
	result = compile_formula(source, FORMULA_NAMES).evaluate(variables)
	np.testing.assert_array_equal(result, expected)


def test_non_text_formula_is_refused():
	for source in (None, 42, ["actual"], b"actual"):
		with pytest.raises(FormulaError, match="empty"):
			compile_formula(source, FORMULA_NAMES)


def test_inputs_of_the_wrong_kind_raise_formula_error():
	formula = compile_formula("actual + target", FORMULA_NAMES)
	with pytest.raises(FormulaError, match="cannot be evaluated"):
		formula.evaluate({"actual": "ten", "target": 1.0})
	with pytest.raises(FormulaError, match="cannot be evaluated"):
		formula.evaluate({"actual": np.ones(3), "target": np.ones(2)})


def test_exponent_limit_holds_at_run_time():
	formula = compile_formula("2 ** target", FORMULA_NAMES)
	assert formula.evaluate({"target": float(MAX_EXPONENT)}) == 2.0**MAX_EXPONENT
	with pytest.raises(FormulaError, match="power larger"):
		formula.evaluate({"target": MAX_EXPONENT + 1.0})
	# an infinite exponent from the data is no value, not a refusal
	assert np.isnan(formula.evaluate({"target": np.inf}))


def test_review_formula_with_nan_and_infinite_scores():
	policy = ReviewPolicy(formula="kpi_score * 0.7 + competency_score * 0.3")
	result = final_scores([80.0, np.nan, np.inf], [90.0, 90.0, 90.0], policy)
	np.testing.assert_allclose(result, [83.0, np.nan, np.nan])
	with pytest.raises(FormulaError, match="unknown name salary"):
		ReviewPolicy(formula="salary * 2")
	with pytest.raises(FormulaError, match="larger than 1e18"):
		ReviewPolicy(formula="kpi_score * 1e30")
