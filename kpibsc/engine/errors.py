"""Exceptions raised by the engine.

The engine never imports frappe, so it cannot translate. Each error keeps its English
message template and the values that fill it; the Frappe layer translates the template
(`_(error.template).format(*error.values)`) so users read it in their own language.
`_` here only marks the templates for extraction into kpibsc/locale/main.pot.
"""


def _(message: str) -> str:
	return message


class EngineError(ValueError):
	"""Base class: bad input that a person can fix."""

	def __init__(self, template: str, *values):
		self.template = template
		self.values = values
		super().__init__(template.format(*values))


class InvalidTargetError(EngineError):
	pass


class InvalidThresholdError(EngineError):
	pass


class InvalidMethodError(EngineError):
	pass


class FormulaError(EngineError):
	pass


class ForecastError(EngineError):
	pass


class InvalidWeightError(EngineError):
	pass


class TreeError(EngineError):
	pass


class PhasingError(EngineError):
	pass


class AggregationError(EngineError):
	pass


class ScaleError(EngineError):
	pass


class BandDefinitionError(EngineError):
	pass


class DistributionError(EngineError):
	pass


class PayError(EngineError):
	pass


class VersionDateError(EngineError):
	pass


def choice(enum_type, value, error_type: type[EngineError] = EngineError):
	"""`enum_type(value)`, or the engine's own error naming the allowed values."""
	try:
		return enum_type(value)
	except ValueError:
		raise error_type(
			_("{0} is not a valid choice here. Use one of: {1}."),
			value,
			", ".join(member.value for member in enum_type),
		)
