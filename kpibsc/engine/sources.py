"""Pure helpers for actuals that come from data: formula KPIs over other KPIs, and putting
dated source rows into scorecard periods."""

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kpibsc.engine.errors import EngineError, _
from kpibsc.engine.formula import compile_formula


class SourceError(EngineError):
	pass


def kpi_identifier(code: str) -> str:
	"""The name a formula uses for a KPI: SAL-01 -> SAL_01."""
	identifier = re.sub(r"\W", "_", code.strip())
	return f"_{identifier}" if identifier[:1].isdigit() else identifier


def formula_inputs(source: str, codes) -> set[str]:
	"""The KPI codes a formula reads; unknown names raise FormulaError."""
	by_identifier = {kpi_identifier(code): code for code in codes}
	formula = compile_formula(source, frozenset(by_identifier))
	return {by_identifier[name] for name in formula.names}


def evaluation_order(formulas: Mapping[str, set[str]]) -> list[str]:
	"""Formula KPIs in an order where each comes after the formula KPIs it reads.
	A KPI that reads itself, directly or through others, raises SourceError."""
	order, state = [], {}

	def visit(code, path):
		if state.get(code) == "done":
			return
		if state.get(code) == "open":
			cycle = [*path[path.index(code) :], code]
			raise SourceError(_("Formula KPIs refer to each other in a circle: {0}."), " → ".join(cycle))
		state[code] = "open"
		for used in sorted(formulas.get(code, ())):
			if used in formulas:
				visit(used, [*path, code])
		state[code] = "done"
		order.append(code)

	for code in sorted(formulas):
		visit(code, [])
	return order


def evaluate_formulas(
	formulas: Mapping[str, str], actuals: Mapping[str, float | None]
) -> dict[str, float | None]:
	"""Actuals of formula KPIs from the others' actuals (None where an input is missing or
	the result is not a finite number, e.g. a division by zero)."""
	values = dict(actuals)
	inputs = {code: formula_inputs(source, set(formulas) | set(actuals)) for code, source in formulas.items()}
	results = {}
	for code in evaluation_order(inputs):
		needed = inputs[code]
		if any(values.get(name) is None for name in needed):
			results[code] = values[code] = None
			continue
		variables = {kpi_identifier(name): float(values[name]) for name in needed}
		value = float(compile_formula(formulas[code], frozenset(variables)).evaluate(variables))
		results[code] = values[code] = value if np.isfinite(value) else None
	return results


def bucket(dates, starts, ends) -> np.ndarray:
	"""Index of the period (given by sorted, non-overlapping starts and ends) holding each
	date; -1 for a date outside every period."""
	dates = pd.to_datetime(pd.Series(dates)).to_numpy()
	starts = pd.to_datetime(pd.Series(starts)).to_numpy()
	ends = pd.to_datetime(pd.Series(ends)).to_numpy()
	position = np.searchsorted(starts, dates, side="right") - 1
	inside = (position >= 0) & (dates <= ends[np.clip(position, 0, None)])
	return np.where(inside, position, -1)
