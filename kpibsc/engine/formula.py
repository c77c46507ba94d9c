"""Safe evaluation of user formulas over arrays.

A formula is an arithmetic expression over named inputs (`actual`, `target`, ...).
It is parsed once, checked against a whitelist of syntax, and then evaluated with numpy
so one call scores a single value or a million rows alike. Anything outside the
whitelist — attribute access, subscripts, imports, lambdas, dunder names, strings,
huge exponents — is rejected before anything runs.
"""

import ast
from collections.abc import Mapping
from functools import lru_cache, reduce

import numpy as np

from kpibsc.engine.errors import FormulaError, _

MAX_FORMULA_LENGTH = 500
MAX_NODES = 200
MAX_EXPONENT = 64


def _if(condition, when_true, when_false):
	return np.where(np.asarray(condition, dtype=bool), when_true, when_false)


def _round(value, digits=0):
	return np.round(value, int(np.max(digits)) if np.ndim(digits) else int(digits))


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
		with np.errstate(all="ignore"):
			result = _Evaluator(variables).visit(self.tree.body)
		return np.asarray(result, dtype=float)


@lru_cache(maxsize=256)
def compile_formula(source: str, allowed_names: frozenset[str]) -> Formula:
	return Formula(source, allowed_names)


def _parse(source: str, allowed_names: frozenset[str]) -> ast.Expression:
	if not isinstance(source, str) or not source.strip():
		raise FormulaError(_("The formula is empty."))
	if len(source) > MAX_FORMULA_LENGTH:
		raise FormulaError(_("The formula is longer than {0} characters."), MAX_FORMULA_LENGTH)
	try:
		tree = ast.parse(source.strip(), mode="eval")
	except SyntaxError as e:
		raise FormulaError(_("The formula {0} cannot be read: {1}."), source, e.msg)

	nodes = list(ast.walk(tree))
	if len(nodes) > MAX_NODES:
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
				return np.asarray(self.variables[node.id], dtype=float)
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
