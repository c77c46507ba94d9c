"""Tier 1's hypothesis settings: no per-example deadline. The properties are about values,
not speed (performance is measured in benchmarks/), and a deadline turns a loaded machine
into a failing test. Examples are derived from the test's own seed (derandomize), so a run
is repeatable: the same code fails or passes the same way on every machine."""

from hypothesis import HealthCheck, settings

settings.register_profile(
	"kpibsc", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("kpibsc")
