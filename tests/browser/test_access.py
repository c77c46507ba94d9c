"""Each role opens the reports, pages and lists it should, and is refused the ones it should
not (docs/user-guide.md "Who does what", the reports' and pages' roles, the DocType
permissions). Opening means through the desk's router, as a click in the sidebar or on a
shortcut would, with the filters a person would pick.

Roles (tests/browser/site_setup.py): manager = KPI Manager (the strategy office); head = KPI
User heading Sales; employee = KPI User in Sales; hr = HR Manager + HR User; all employees,
so they also have ERPNext's Employee role. kpi_only = a KPI Manager with no other role.
"""

import pytest

KPI = ("manager", "head", "employee")
EVERYONE = ("manager", "head", "employee", "hr")
# what, route, filters (see `filters`), the roles allowed, rows expected with those filters
PLACES = (
	("workspace KPI BSC", ("kpi-bsc",), None, KPI, False),
	("report Balanced Scorecard", ("query-report", "Balanced Scorecard"), "own scorecard", KPI, True),
	("report KPI Achievement", ("query-report", "KPI Achievement"), "own scorecard", KPI, True),
	("report Scorecard Ranking", ("query-report", "Scorecard Ranking"), "company", KPI, True),
	("report Review Summary", ("query-report", "Review Summary"), "review cycle", EVERYONE, True),
	(
		"report Employee Performance History",
		("query-report", "Employee Performance History"),
		"an employee",
		EVERYONE,
		True,
	),
	("report KPI Pay Register", ("query-report", "KPI Pay Register"), "june", ("hr",), True),
	("report KPI Pay Cost Simulation", ("query-report", "KPI Pay Cost Simulation"), "june", ("hr",), True),
	("page My Work", ("my-work",), None, EVERYONE, False),
	("page Strategy Map", ("strategy-map",), None, KPI, False),
	("list KPI Scorecard", ("List", "KPI Scorecard"), None, KPI, False),
	("list KPI Measurement", ("List", "KPI Measurement"), None, KPI, False),
	("list Performance Review", ("List", "Performance Review"), None, EVERYONE, False),
	# everyone reads cycles (the review reports filter by them); only HR and KPI Managers change them
	("list Performance Review Cycle", ("List", "Performance Review Cycle"), None, EVERYONE, False),
	("list KPI Pay Run", ("List", "KPI Pay Run"), None, ("hr",), False),
)
# a KPI Manager who is nothing else ("everything", says the user guide)
KPI_ONLY = ("report Scorecard Ranking", "report Balanced Scorecard", "page Strategy Map")


def filters(key: str | None, role: str, info: dict) -> dict | None:
	"""The filters a person in `role` would pick."""
	if key == "own scorecard":
		own = {
			"manager": info["company_scorecard"],
			"kpi_only": info["company_scorecard"],
			"head": info["department_scorecards"]["Sales"],
		}
		return {"scorecard": own.get(role) or info["employee_scorecards"].get(role)}
	if key == "company":
		return {"company": info["company"]}
	if key == "review cycle":
		return {"review_cycle": info["review_cycle"]}
	if key == "an employee":
		return {"employee": info["employees"]["employee"]}
	if key == "june":
		year = info["year"]
		return {"company": info["company"], "from_date": f"{year}-06-01", "to_date": f"{year}-06-30"}
	return None


def cases():
	for role in EVERYONE:
		for what, route, key, allowed, rows in PLACES:
			yield role, what, route, key, role in allowed, rows
	for what, route, key, _allowed, rows in PLACES:
		if what in KPI_ONLY:
			yield "kpi_only", what, route, key, True, rows


# Bugs a case fails on, each named: xfail(strict=False) so the tier gates everything else
# while they are open, and an xpass shows when one is fixed. Remove the entry with the fix.
NO_COMPANY = "FOUND BY TIER 3: a KPI Manager without the Employee role cannot read Company (filter refused)"
KNOWN = {
	("kpi_only", "report Scorecard Ranking"): NO_COMPANY,
}


def params():
	for role, what, route, key, allowed, rows in cases():
		marks = [pytest.mark.xfail(strict=False, reason=KNOWN[(role, what)])] if (role, what) in KNOWN else []
		verb = "opens" if allowed else "is refused"
		yield pytest.param(role, what, route, key, allowed, rows, id=f"{role} {verb} {what}", marks=marks)


@pytest.mark.parametrize("role,what,route,key,allowed,rows", list(params()))
def test_role_opens_what_it_should(as_role, info, role, what, route, key, allowed, rows):
	desk = as_role(role)
	query = filters(key, role, info)
	if not allowed:
		desk.go(*route, query=query, expect_refusal=True)
		desk.assert_refused(what)
		return
	if route[0] == "query-report":
		desk.open_report(route[1], query)
		desk.assert_allowed(what)
		if rows:
			assert desk.report_rows(), (
				f"[{role}] {what} with {query} shows no rows: {desk.report_message()!r}"
			)
		return desk.check()
	desk.go(*route, query=query)
	desk.assert_allowed(what)
	if route[0] == "List":
		desk.page.locator(".page-container:visible .frappe-list").first.wait_for()
	desk.check()
