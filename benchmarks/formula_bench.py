"""Worst-case user formulas: parse, check and evaluate, against the 50 ms promise.

The engine bounds a formula before it runs (length, syntax pieces, depth, number size,
exponent), so its cost is a fixed number of numpy operations. This measures the most
expensive formulas those limits allow, and refused ones, on one row (a form, a review)
and on 10,000 rows (a bulk recompute scores all rows of one formula in one call).

Run: python benchmarks/formula_bench.py [--repeat 200]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpibsc.engine.errors import FormulaError
from kpibsc.engine.formula import MAX_DEPTH, MAX_FORMULA_LENGTH, _compile, compile_formula
from kpibsc.engine.reviews import ReviewPolicy, final_scores
from kpibsc.engine.scoring import FORMULA_NAMES


def widest_accepted() -> str:
	"""As many function calls as 200 syntax pieces and 500 characters allow."""
	call, parts, source = "exp(sqrt(log(abs(actual))))", [], ""
	while True:
		candidate = "+".join([*parts, call])
		try:
			compile_formula(candidate, FORMULA_NAMES)
		except FormulaError:
			return source
		parts.append(call)
		source = candidate


CASES = {
	"typical: (actual - baseline) / (target - baseline)": "(actual - baseline) / (target - baseline)",
	"widest accepted (calls up to the piece limit)": None,
	"deepest accepted (nested abs)": "abs(" * ((MAX_DEPTH - 3) // 2)
	+ "actual"
	+ ")" * ((MAX_DEPTH - 3) // 2),
	"powers at the exponent limit": "((actual ** 64) ** 64) ** 64 + clip(actual, 0, 1) ** 64",
	"refused: 500 characters of nesting": "-" * (MAX_FORMULA_LENGTH - 1) + "1",
	"refused: too many nested parentheses": "(" * 240 + "1" + ")" * 240,
	"refused: a 400-digit number": "9" * 400,
}


def timed(function, repeat: int) -> str:
	"""Median and 99th percentile wall time, and the worst CPU time, of `repeat` runs in ms.
	On a shared machine the wall time's tail is the scheduler's pauses; the CPU time is what
	the formula itself costs."""
	wall, cpu = [], []
	for _ in range(repeat):
		start, start_cpu = time.perf_counter(), time.thread_time()
		function()
		cpu.append(time.thread_time() - start_cpu)
		wall.append(time.perf_counter() - start)
	return f"{np.median(wall) * 1000:7.3f} {np.percentile(wall, 99) * 1000:8.2f} {max(cpu) * 1000:8.2f}"


def run(repeat: int):
	CASES["widest accepted (calls up to the piece limit)"] = widest_accepted()
	rng = np.random.default_rng(3)
	for rows in (1, 10_000):
		values = {name: rng.normal(100, 50, rows) for name in FORMULA_NAMES}
		values["baseline"][::7] = np.nan
		values["target"][::11] = np.inf
		print(
			f"\n{rows} row(s), {repeat} runs, ms: median, p99 wall, worst CPU (uncached parse + check, evaluate)"
		)
		for label, source in CASES.items():

			def once(source=source):
				_compile.cache_clear()
				try:
					compile_formula(source, FORMULA_NAMES).evaluate(values)
				except FormulaError:
					pass

			print(f"  {timed(once, repeat)}  {label} ({len(source)} characters)")
	policy_source = "if_(kpi_score >= 90, kpi_score, kpi_score * kpi_weight / 100 + competency_score * 0.3)"

	def review():
		_compile.cache_clear()
		final_scores([95.0], [80.0], ReviewPolicy(formula=policy_source))

	print(f"\nreview final score, one review (median, p99 wall, worst CPU, ms): {timed(review, repeat)}")


if __name__ == "__main__":
	parser = argparse.ArgumentParser()
	parser.add_argument("--repeat", type=int, default=200)
	run(parser.parse_args().repeat)
