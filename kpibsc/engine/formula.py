"""Safe evaluation of user formulas over arrays.

A formula is an arithmetic expression over named inputs (`actual`, `target`, ...).
It is parsed once, checked against a whitelist of syntax, and then evaluated with numpy
so one call scores a single value or a million rows alike. Anything outside the
whitelist — attribute access, subscripts, imports, lambdas, dunder names, strings,
huge exponents — is rejected before anything runs.

The cost of a formula is bounded before it runs: at most MAX_FORMULA_LENGTH characters,
MAX_NODES syntax pieces nested at most MAX_DEPTH deep, numbers of at most MAX_LITERAL and
powers of at most MAX_EXPONENT, and every function is one numpy pass. So a formula is a
fixed number of array operations (see docs/benchmarks.md for the worst case measured).
Whatever the text and the inputs, the result is a number or NaN ("no value"), or a
FormulaError: never another exception.
"""

import ast
from collections.abc import Mapping
from functools import lru_cache, reduce

import numpy as np

from kpibsc.engine.errors import FormulaError, _

MAX_FORMULA_LENGTH = 500
MAX_NODES = 200
MAX_EXPONENT = 64
MAX_DEPTH = 64
MAX_LITERAL = 1e18
# Decimals `round` accepts; beyond this a float has no digits left to round.
_MAX_ROUND_DIGITS = 20
# What numpy or Python may raise on values a formula produces; turned into FormulaError.
_EVALUATION_ERRORS = (ArithmeticError, ValueError, TypeError, MemoryError, RecursionError)


def _if(condition, when_true, when_false):
	return np.where(np.asarray(condition, dtype=bool), when_true, when_false)


def _round(value, digits=0):
	digits = np.max(digits) if np.ndim(digits) else digits
	if not np.isfinite(digits):  # round(actual, previous) with no previous: no value
		return np.full(np.shape(value), np.nan)
	return np.round(value, int(np.clip(digits, -_MAX_ROUND_DIGITS, _MAX_ROUND_DIGITS)))


FUNCTIONS = {
	"abs": np.abs,
	"min": lambda *values: reduce(np.minimum, values),
	"max": lambda *values: reduce(np.maximum, values),
	"round": _round,
	"floor": np.floor,
	"ceil": np.ceil,
	"sqrt": np.sqrt,
	"log": np.log,
	"exp": np.exp,
	"clip": np.clip,
	"if_": _if,
}

_BINARY = {
	ast.Add: np.add,
	ast.Sub: np.subtract,
	ast.Mult: np.multiply,
	ast.Div: np.divide,
	ast.FloorDiv: np.floor_divide,
	ast.Mod: np.mod,
	ast.Pow: np.power,
}
_COMPARE = {
	ast.Lt: np.less,
	ast.LtE: np.less_equal,
	ast.Gt: np.greater,
	ast.GtE: np.greater_equal,
	ast.Eq: np.equal,
	ast.NotEq: np.not_equal,
}
_ALLOWED_NODES = (
	ast.Expression,
	ast.BinOp,
	ast.UnaryOp,
	ast.BoolOp,
	ast.Compare,
	ast.IfExp,
	ast.Call,
	ast.Name,
	ast.Constant,
	ast.Load,
	ast.USub,
	ast.UAdd,
	ast.Not,
	ast.And,
	ast.Or,
	*_BINARY,
	*_COMPARE,
)


class Formula:
	"""A checked formula: `Formula("actual / target").evaluate({"actual": a, "target": t})`."""

	def __init__(self, source: str, allowed_names: frozenset[str]):
		self.source = source
		self.allowed_names = allowed_names
		self.tree = _parse(source, allowed_names)
		self.names = frozenset(
			node.id for node in ast.walk(self.tree) if isinstance(node, ast.Name) and node.id not in FUNCTIONS
		)

	def evaluate(self, variables: Mapping[str, object]) -> np.ndarray:
		"""The formula's value for each row; NaN where it has no finite value (a missing or
		infinite input, a division by zero, the root of a negative number)."""
		try:
			with np.errstate(all="ignore"):
				result = np.asarray(_Evaluator(variables).visit(self.tree.body), dtype=float)
		except FormulaError:
			raise
		except _EVALUATION_ERRORS:
			raise FormulaError(_("The formula {0} cannot be evaluated with these values."), self.source)
		return np.where(np.isfinite(result), result, np.nan)


def compile_formula(source: str, allowed_names: frozenset[str]) -> Formula:
	if not isinstance(source, str):
		raise FormulaError(_("The formula is empty."))
	return _compile(source, frozenset(allowed_names))


@lru_cache(maxsize=256)
def _compile(source: str, allowed_names: frozenset[str]) -> Formula:
	return Formula(source, allowed_names)


def _depth(tree: ast.AST) -> int:
	"""Nesting depth, walked without recursion (the tree is checked before any recursion)."""
	deepest, stack = 0, [(tree, 1)]
	while stack:
		node, depth = stack.pop()
		deepest = max(deepest, depth)
		stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
	return deepest


def _parse(source: str, allowed_names: frozenset[str]) -> ast.Expression:
	if not isinstance(source, str) or not source.strip():
		raise FormulaError(_("The formula is empty."))
	if len(source) > MAX_FORMULA_LENGTH:
		raise FormulaError(_("The formula is longer than {0} characters."), MAX_FORMULA_LENGTH)
	try:
		tree = ast.parse(source.strip(), mode="eval")
	except SyntaxError as e:
		raise FormulaError(_("The formula {0} cannot be read: {1}."), source, e.msg)
	except (ValueError, MemoryError, RecursionError):
		raise FormulaError(_("The formula {0} is too long or too deeply nested."), source)

	nodes = list(ast.walk(tree))
	if len(nodes) > MAX_NODES or _depth(tree) > MAX_DEPTH:
		raise FormulaError(_("The formula {0} is too long or too deeply nested."), source)
	for node in nodes:
		if not isinstance(node, _ALLOWED_NODES):
			raise FormulaError(
				_(
					"The formula {0} uses {1}, which is not allowed: use arithmetic, comparisons and the functions {2}."
				),
				source,
				type(node).__name__,
				", ".join(sorted(FUNCTIONS)),
			)
		if isinstance(node, ast.Name):
			if node.id.startswith("_"):
				raise FormulaError(
					_("The formula {0} uses the name {1}, which is not allowed."), source, node.id
				)
		if isinstance(node, ast.Constant) and (
			isinstance(node.value, bool) or not isinstance(node.value, int | float)
		):
			raise FormulaError(
				_("The formula {0} may only contain numbers, not {1}."), source, repr(node.value)
			)
		if isinstance(node, ast.Constant) and not abs(node.value) <= MAX_LITERAL:
			raise FormulaError(_("The formula {0} contains a number larger than {1}."), source, "1e18")
		if isinstance(node, ast.Call):
			if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
				raise FormulaError(
					_("The formula {0} calls a function that is not allowed. Allowed functions: {1}."),
					source,
					", ".join(sorted(FUNCTIONS)),
				)
			if node.keywords:
				raise FormulaError(_("The formula {0} may not use keyword arguments."), source)
		if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
			exponent = node.right
			if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.operand, ast.Constant):
				exponent = exponent.operand
			if isinstance(exponent, ast.Constant) and abs(exponent.value) > MAX_EXPONENT:
				raise FormulaError(
					_("The formula {0} raises to the power {1}; the largest allowed exponent is {2}."),
					source,
					exponent.value,
					MAX_EXPONENT,
				)

	call_names = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
	for node in nodes:
		if isinstance(node, ast.Name) and id(node) not in call_names and node.id not in allowed_names:
			raise FormulaError(
				_("The formula {0} uses the unknown name {1}. Known names: {2}."),
				source,
				node.id,
				", ".join(sorted(allowed_names)),
			)
	return tree


class _Evaluator:
	def __init__(self, variables: Mapping[str, object]):
		self.variables = variables

	def visit(self, node):
		match node:
			case ast.Constant():
				return float(node.value)
			case ast.Name():
				# a name the caller did not supply has no value, like an empty field
				value = self.variables.get(node.id)
				return np.nan if value is None else np.asarray(value, dtype=float)
			case ast.UnaryOp(op=ast.USub()):
				return np.negative(self.visit(node.operand))
			case ast.UnaryOp(op=ast.UAdd()):
				return self.visit(node.operand)
			case ast.UnaryOp(op=ast.Not()):
				return np.logical_not(self.visit(node.operand)).astype(float)
			case ast.BinOp(op=ast.Pow()):
				base, exponent = self.visit(node.left), self.visit(node.right)
				finite = np.asarray(exponent)[np.isfinite(exponent)]
				if finite.size and np.max(np.abs(finite)) > MAX_EXPONENT:
					raise FormulaError(
						_("The formula raises to a power larger than {0}."),
						MAX_EXPONENT,
					)
				return np.power(base, exponent)
			case ast.BinOp():
				return _BINARY[type(node.op)](self.visit(node.left), self.visit(node.right))
			case ast.BoolOp(op=ast.And()):
				values = [np.asarray(self.visit(v), dtype=bool) for v in node.values]
				return np.logical_and.reduce(values).astype(float)
			case ast.BoolOp(op=ast.Or()):
				values = [np.asarray(self.visit(v), dtype=bool) for v in node.values]
				return np.logical_or.reduce(values).astype(float)
			case ast.Compare():
				left, result = self.visit(node.left), None
				for op, comparator in zip(node.ops, node.comparators, strict=True):
					right = self.visit(comparator)
					step = _COMPARE[type(op)](left, right)
					result = step if result is None else np.logical_and(result, step)
					left = right
				return np.asarray(result, dtype=float)
			case ast.IfExp():
				return np.where(
					np.asarray(self.visit(node.test), dtype=bool),
					self.visit(node.body),
					self.visit(node.orelse),
				)
			case ast.Call():
				function = FUNCTIONS[node.func.id]
				arguments = [self.visit(argument) for argument in node.args]
				try:
					return function(*arguments)
				except TypeError:
					raise FormulaError(
						_("The function {0} was called with {1} arguments."), node.func.id, len(arguments)
					)
		raise FormulaError(_("The formula uses {0}, which is not allowed."), type(node).__name__)
