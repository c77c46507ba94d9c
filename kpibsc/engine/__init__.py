"""kpibsc's arithmetic, free of Frappe: scoring, periods, roll-up, forecasts, bands and 3P pay.

Every function works on numpy arrays or pandas DataFrames, and the single-value helpers
call the same code with one row, so a form and a million-row recompute agree.
Nothing here imports frappe (a tier-1 test checks this).
"""

from kpibsc.engine.bands import FIVE_BANDS, Band, BandScale, forced_distribution
from kpibsc.engine.errors import EngineError
from kpibsc.engine.forecast import AT_RISK, ForecastPolicy, Trend, forecast, forecast_status
from kpibsc.engine.pay import Combine, P3Mode, compute_pay
from kpibsc.engine.periods import (
	Aggregation,
	Frequency,
	Period,
	Phasing,
	aggregate,
	month_weights,
	phase_target,
	phase_targets,
	split_periods,
	year_to_date,
)
from kpibsc.engine.rollup import MissingPolicy, normalise_weights, rollup, rollup_long, weighted_score
from kpibsc.engine.rounding import distribute, round_half_up
from kpibsc.engine.scoring import (
	FIVE_POINT,
	PERCENT,
	SCALES,
	TEN_POINT,
	ItemResult,
	Method,
	ScorePolicy,
	ScoreScale,
	ScoringRule,
	StatusBands,
	ThresholdPoints,
	achievement,
	convert_score,
	policy_from_settings,
	score_frame,
)
