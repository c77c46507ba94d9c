from kpibsc.setup.install import create_salary_components


def execute():
	"""Existing sites get the P1, P2 and P3 salary components, set in KPI BSC Settings."""
	create_salary_components()
