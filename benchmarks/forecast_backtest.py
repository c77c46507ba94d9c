"""Backtest of the forecasts on the demo company: the forecasts made at months 3, 6 and 9
against the result at the end, as mean absolute percentage error (MAPE).

The demo holds approved actuals for the first months of its year only, so the backtest
ends the year at the last reported month: the recompute's own scoring path (`read`,
`score`, nothing written) runs on the targets up to that month, and each KPI item's
forecast as it stood at months 3, 6 and 9 is compared with its year-to-date actual at the
end. Items with no forecast (fewer than three reported periods) or a zero result are left
out.

    cd ~/frappe-bench/sites
    ../env/bin/python /path/to/kpibsc/benchmarks/forecast_backtest.py --site demo.localhost
"""

import argparse
import json

import numpy as np
import pandas as pd

import frappe


def backtest(company: str) -> dict:
	from kpibsc.kpibsc.services.recompute import read, score

	names = set(frappe.get_all("KPI Scorecard", filters={"company": company}, pluck="name"))
	data = read(names)
	reported = data.actuals.dropna(subset=["actual"])
	end = pd.to_datetime(reported["period_start"]).max()
	data.targets = data.targets[pd.to_datetime(data.targets["period_start"]) <= end]
	results = score(data, names)
	items = results[results["node_type"] == "KPI"].copy()
	items["period"] = pd.to_datetime(items["period_start"])
	items["month"] = items.groupby(["scorecard", "kpi"])["period"].rank(method="dense").astype(int)
	final = items[items["period"] == end][["scorecard", "kpi", "ytd_actual"]]
	figures = {"end_of_year": str(end.date()), "items": len(final)}
	for month in (3, 6, 9):
		made = items[(items["month"] == month) & (items["forecast_status"] != "Not Enough Data")]
		pairs = made.merge(final, on=["scorecard", "kpi"], suffixes=("", "_end"))
		pairs = pairs[pairs["ytd_actual_end"].abs() > 0]
		error = (pairs["forecast"] - pairs["ytd_actual_end"]).abs() / pairs["ytd_actual_end"].abs()
		figures[f"month_{month}"] = {
			"forecasts": len(pairs),
			"mape_percent": round(float(np.mean(error)) * 100, 1) if len(pairs) else None,
			"median_ape_percent": round(float(np.median(error)) * 100, 1) if len(pairs) else None,
			"within_band_percent": round(
				float(
					np.mean(
						(pairs["ytd_actual_end"] >= pairs["forecast_low"] - 1e-9)
						& (pairs["ytd_actual_end"] <= pairs["forecast_high"] + 1e-9)
					)
				)
				* 100,
				1,
			)
			if len(pairs)
			else None,
		}
	return figures


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--company", default="KPI Demo Company")
	arguments = parser.parse_args()
	frappe.init(site=arguments.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		figures = backtest(arguments.company)
	finally:
		frappe.db.rollback()
		frappe.destroy()
	print(json.dumps(figures, indent=1))


if __name__ == "__main__":
	main()
