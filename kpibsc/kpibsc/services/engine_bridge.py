"""Between DocTypes and the engine: build engine inputs from documents and turn engine
errors into translated messages."""

import frappe
from frappe import _

from kpibsc.engine import Method, ScoringRule
from kpibsc.engine.errors import EngineError


class KPIScoringError(frappe.ValidationError):
	pass


def throw_engine_error(error: EngineError, context: str | None = None):
	"""Show an engine error in the user's language (the template was extracted where it is defined)."""
	# translated at runtime: the template comes from kpibsc.engine, extracted there
	message = _(error.template).format(*error.values)
	if context:
		message = _("{0}: {1}").format(context, message)
	frappe.throw(message, exc=KPIScoringError, title=_("Invalid KPI Setting"))


def step_bands_of(kpi) -> tuple[tuple[float, float], ...] | None:
	bands = kpi.get("step_bands") or []
	return tuple((band.achievement_from / 100.0, band.score / 100.0) for band in bands) or None


def scoring_rule(kpi, item=None, label: str | None = None) -> ScoringRule:
	"""The engine rule for a KPI, with a scorecard item's band and thresholds over the KPI's defaults."""
	source = item or kpi

	def value(fieldname):
		own = source.get(fieldname)
		return own if own not in (None, "") else kpi.get(fieldname)

	lower, upper = value("lower_bound"), value("upper_bound")
	if not lower and not upper:
		# Float fields store an empty value as 0: a 0-0 band means "no band set".
		lower = upper = None
	return ScoringRule(
		method=kpi.scoring_method,
		lower=lower,
		upper=upper,
		tolerance=value("tolerance") or None,
		red_flag=item.get("red_flag") if item else None,
		stretch=(item.get("stretch") or None) if item else None,
		steps=step_bands_of(kpi),
		direction=kpi.get("step_direction") or Method.HIGHER_IS_BETTER,
		formula=kpi.get("formula"),
		label=label or kpi.get("kpi_code") or kpi.get("name"),
	)


def check_rule(rule: ScoringRule, target: float, context: str | None = None):
	"""Score the target against itself: any setting the engine cannot use fails here, on save."""
	try:
		rule.achievement(target, target)
	except EngineError as error:
		throw_engine_error(error, context)
