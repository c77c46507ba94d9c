"""KPI versions (#18): a KPI's scoring changes from a date; periods before it keep the scoring
they had through a full recompute, periods from it take the new one, and each result says
which version scored it. The KPI form refuses the change once results exist; an effective date
inside (or before) an approved period is refused with nothing written; only KPI Managers and
System Managers make versions, over the API too."""

import frappe
from frappe.utils import getdate

from kpibsc.kpibsc.services.recompute import recompute
from kpibsc.kpibsc.services.versions import KPIVersionDateError, KPIVersionRequiredError, new_version
from kpibsc.tests.factories import YEAR, KPITestCase, make_company, make_kpi, scorecard_doc, user_with_roles
from kpibsc.tests.http import call, method, resource

MANAGER = "kpi.version.manager@example.com"
USER = "kpi.version.user@example.com"
EMPLOYEE = "kpi.version.employee@example.com"
KPI = "_T-VER-SALES"
# v2: achievement 75% to 100% of the target scores 50%, from 100% it scores 100%
BANDS = [
	{"achievement_from": 0, "score": 0},
	{"achievement_from": 75, "score": 50},
	{"achievement_from": 100, "score": 100},
]


def day(month: int, dom: int = 1) -> str:
	return f"{YEAR}-{month:02d}-{dom:02d}"


class TestKPIVersion(KPITestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_kpi(KPI, scoring_method="Higher is Better", aggregation="Sum")
		user_with_roles(MANAGER, "KPI Manager", "KPI User")
		user_with_roles(USER, "KPI User")
		user_with_roles(EMPLOYEE, "Employee")
		# 1,200 a year phased equally: 100 a month
		cls.card = scorecard_doc([{"kpi": KPI, "weight": 100, "target": 1200}]).insert().name

	def approve(self, month: int, actual: str):
		doc = frappe.get_doc(
			{"doctype": "KPI Measurement", "scorecard": self.card, "period_start": day(month)}
		)
		doc.fill_items()
		doc.items[0].actual = actual
		doc.insert().submit()  # approval recomputes (inline here)

	def results(self) -> dict:
		rows = frappe.get_all(
			"KPI Result",
			filters={"scorecard": self.card, "kpi": KPI, "node_type": "KPI", "has_actual": 1},
			fields=["period_start", "target", "actual", "achievement", "ytd_achievement", "kpi_version"],
		)
		return {row.period_start.month: row for row in rows}

	def stored_kpi(self) -> tuple:
		kpi = frappe.get_doc("KPI", KPI)
		return kpi.scoring_method, [(b.achievement_from, b.score) for b in kpi.step_bands]

	def versions(self) -> list:
		return frappe.get_all(
			"KPI Version",
			filters={"kpi": KPI},
			fields=["version_no", "effective_from", "scoring_method", "created_by"],
			order_by="version_no",
		)

	def make_version(self, effective_from: str, **values):
		return new_version(
			kpi=KPI,
			effective_from=effective_from,
			reason=values.pop("reason", "Partial credit for near misses"),
			scoring_method=values.pop("scoring_method", "Step Bands"),
			step_bands=values.pop("step_bands", BANDS),
			**values,
		)

	def test_past_periods_keep_their_version_through_a_full_recompute(self):
		self.approve(1, "80")
		self.approve(2, "80")
		january = self.results()[1]
		self.assertEqual((january.target, january.actual, january.achievement), (100, 80, 80))
		self.assertEqual(january.kpi_version, 1)

		# the form refuses to rescore the past
		kpi = frappe.get_doc("KPI", KPI)
		kpi.scoring_method = "Step Bands"
		kpi.set("step_bands", BANDS)
		with self.assertRaises(KPIVersionRequiredError):
			kpi.save()
		self.assertEqual(self.stored_kpi(), ("Higher is Better", []))

		frappe.set_user(MANAGER)
		done = self.make_version(day(3))
		self.assertEqual(done["version_no"], 2)
		versions = self.versions()
		self.assertEqual(
			[(v.version_no, v.scoring_method, v.created_by) for v in versions],
			[(1, "Higher is Better", "Administrator"), (2, "Step Bands", MANAGER)],
		)
		# version 1 covers the past: in force from the first scored period at the latest
		self.assertLessEqual(versions[0].effective_from, getdate(day(1)))
		self.assertEqual(versions[1].effective_from, getdate(day(3)))
		# the KPI shows the latest version, for new scorecards
		self.assertEqual(self.stored_kpi(), ("Step Bands", [(0, 0), (75, 50), (100, 100)]))

		self.approve(3, "80")
		self.approve(4, "110")
		frappe.set_user("Administrator")
		recompute([self.card])
		results = self.results()
		# by hand: v1 (Higher is Better) 80 of 100 = 80%; year to date February 160 of 200 = 80%
		# v2 (steps) March 80 of 100 = 80%, in the 75% step: 50%; April 110%: 100%
		# year to date March 240 of 300 = 80%: 50%; April 350 of 400 = 87.5%: 50%
		self.assertEqual(
			{
				month: (row.kpi_version, row.achievement, row.ytd_achievement)
				for month, row in results.items()
			},
			{1: (1, 80, 80), 2: (1, 80, 80), 3: (2, 50, 50), 4: (2, 100, 50)},
		)

	def test_an_effective_date_in_an_approved_period_writes_nothing(self):
		self.approve(1, "80")
		self.approve(2, "80")
		before = self.results()
		frappe.set_user(MANAGER)
		for effective_from in (day(2, 15), day(2, 28), day(1), f"{YEAR - 1}-12-01"):
			with self.assertRaisesRegex(KPIVersionDateError, "approved actuals") as raised:
				self.make_version(effective_from)
			# the message names the first date that would do
			self.assertIn(frappe.utils.format_date(day(3)), str(raised.exception))
		self.assertEqual(self.versions(), [])
		self.assertEqual(self.stored_kpi(), ("Higher is Better", []))
		self.assertEqual(self.results(), before)

		self.make_version(day(3))
		# a later version must follow it; a version the same as the KPI now changes nothing
		with self.assertRaisesRegex(KPIVersionDateError, "version 2"):
			self.make_version(day(3), step_bands=[{"achievement_from": 0, "score": 0}])
		with self.assertRaisesRegex(frappe.ValidationError, "same scoring"):
			self.make_version(day(6))
		# settings the engine cannot score are refused too
		with self.assertRaises(frappe.ValidationError):
			self.make_version(day(6), scoring_method="Target Range", lower_bound=110, upper_bound=90)
		self.assertEqual([v.version_no for v in self.versions()], [1, 2])
		# a version is a record
		version = frappe.get_doc("KPI Version", {"kpi": KPI, "version_no": 2})
		version.reason = "Rewritten"
		with self.assertRaises(frappe.PermissionError):
			version.save()
		with self.assertRaisesRegex(frappe.ValidationError, "is a record"):
			version.save(ignore_permissions=True)

	def test_a_kpi_without_results_is_edited_on_its_form(self):
		kpi = frappe.get_doc("KPI", make_kpi("_T-VER-FRESH"))
		kpi.scoring_method = "Lower is Better"
		kpi.save()
		self.assertEqual(frappe.db.get_value("KPI", kpi.name, "scoring_method"), "Lower is Better")
		self.assertFalse(frappe.db.exists("KPI Version", {"kpi": kpi.name}))

	def test_only_kpi_managers_make_versions_over_http(self):
		self.approve(1, "80")
		payload = {
			"kpi": KPI,
			"effective_from": day(3),
			"reason": "Steps",
			"scoring_method": "Step Bands",
			"step_bands": frappe.as_json(BANDS),
		}
		for user in (USER, EMPLOYEE):
			reply = call(user, "POST", method("kpibsc.kpibsc.services.versions.new_version"), payload)
			self.assertEqual(reply.status, 403, reply.text[:300])
			reply = call(
				user,
				"POST",
				resource("KPI Version"),
				{**payload, "step_bands": BANDS, "version_no": 2, "created_by": user},
			)
			self.assertEqual(reply.status, 403, reply.text[:300])
			self.assertEqual(self.versions(), [])
			self.assertEqual(self.stored_kpi(), ("Higher is Better", []))
		# a KPI User reads the history; an employee without KPI roles does not
		self.assertEqual(
			call(
				USER, "GET", method("kpibsc.kpibsc.services.versions.version_context"), query={"kpi": KPI}
			).status,
			200,
		)
		self.assertEqual(
			call(
				EMPLOYEE, "GET", method("kpibsc.kpibsc.services.versions.version_context"), query={"kpi": KPI}
			).status,
			403,
		)

		reply = call(MANAGER, "POST", method("kpibsc.kpibsc.services.versions.new_version"), payload)
		self.assertEqual(reply.status, 200, reply.text[:500])
		self.assertEqual(reply.message["version_no"], 2)
		self.assertEqual(
			[(v.version_no, v.created_by) for v in self.versions()], [(1, "Administrator"), (2, MANAGER)]
		)
		context = call(
			MANAGER, "GET", method("kpibsc.kpibsc.services.versions.version_context"), query={"kpi": KPI}
		).message
		self.assertEqual([v["version_no"] for v in context["versions"]], [2, 1])
		self.assertTrue(context["can_create"])
		# after version 2 (1 March) and January approved: 2 March at the earliest
		self.assertEqual(str(context["earliest"]), day(3, 2))

	def future_card(self) -> tuple[str, int]:
		"""A scorecard for next year, when every version made for it is still to come."""
		from frappe.utils import today

		from kpibsc.tests.factories import make_fiscal_year

		year = getdate(today()).year + 1
		make_fiscal_year(year)
		card = scorecard_doc(
			[{"kpi": KPI, "weight": 100, "target": 1200}], from_date=f"{year}-01-01", to_date=f"{year}-12-31"
		).insert()
		return card.name, year

	def versions_on(self, card: str) -> dict:
		rows = frappe.get_all(
			"KPI Result",
			filters={"scorecard": card, "kpi": KPI, "node_type": "KPI"},
			fields=["period_start", "kpi_version"],
		)
		return {row.period_start.month: row.kpi_version for row in rows}

	def test_a_future_version_is_deleted_by_a_kpi_manager_only_over_http(self):
		self.approve(1, "80")
		card, year = self.future_card()
		frappe.set_user(MANAGER)
		self.make_version(f"{year}-04-01")
		frappe.set_user("Administrator")
		name = frappe.db.get_value("KPI Version", {"kpi": KPI, "version_no": 2})
		# the new version scores next year from April: the recompute it queued says so
		self.assertEqual(self.versions_on(card), {month: 1 if month < 4 else 2 for month in range(1, 13)})

		# the KPI form offers the removal to the KPI Manager only
		context = method("kpibsc.kpibsc.services.versions.version_context")
		self.assertEqual(call(MANAGER, "GET", context, query={"kpi": KPI}).message["removable"], name)
		self.assertIsNone(call(USER, "GET", context, query={"kpi": KPI}).message["removable"])
		for user in (USER, EMPLOYEE):
			reply = call(user, "DELETE", resource("KPI Version", name))
			self.assertEqual(reply.status, 403, reply.text[:300])
			self.assertEqual([v.version_no for v in self.versions()], [1, 2])
			self.assertEqual(self.stored_kpi(), ("Step Bands", [(0, 0), (75, 50), (100, 100)]))
			self.assertEqual(self.versions_on(card)[4], 2)

		reply = call(MANAGER, "DELETE", resource("KPI Version", name))
		self.assertEqual(reply.status, 202, reply.text[:500])
		self.assertEqual([v.version_no for v in self.versions()], [1])
		# the KPI is back to version 1's scoring, and next year is scored with it
		self.assertEqual(self.stored_kpi(), ("Higher is Better", []))
		self.assertEqual(self.versions_on(card), {month: 1 for month in range(1, 13)})
		# the next version takes the number again
		frappe.set_user(MANAGER)
		self.assertEqual(self.make_version(f"{year}-06-01")["version_no"], 2)

	def test_a_version_in_force_or_with_a_later_one_is_kept(self):
		self.approve(1, "80")
		card, year = self.future_card()
		frappe.set_user(MANAGER)
		self.make_version(day(3))  # in force since March of the test year, long past
		self.make_version(
			f"{year}-04-01",
			step_bands=[{"achievement_from": 0, "score": 0}, {"achievement_from": 50, "score": 100}],
		)
		frappe.set_user("Administrator")
		second, third = (
			frappe.db.get_value("KPI Version", {"kpi": KPI, "version_no": number}) for number in (2, 3)
		)
		reply = call(MANAGER, "DELETE", resource("KPI Version", second))
		self.assertEqual(reply.status, 417, reply.text[:300])
		self.assertIn("newest first", reply.text)
		self.assertEqual(call(MANAGER, "DELETE", resource("KPI Version", third)).status, 202)
		# version 2 is now the latest, and in force: not offered, and refused
		context = method("kpibsc.kpibsc.services.versions.version_context")
		self.assertIsNone(call(MANAGER, "GET", context, query={"kpi": KPI}).message["removable"])
		reply = call(MANAGER, "DELETE", resource("KPI Version", second))
		self.assertEqual(reply.status, 417, reply.text[:300])
		self.assertIn("in force since", reply.text)
		self.assertEqual([v.version_no for v in self.versions()], [1, 2])
		self.assertEqual(self.stored_kpi(), ("Step Bands", [(0, 0), (75, 50), (100, 100)]))
		self.assertEqual(self.versions_on(card), {month: 2 for month in range(1, 13)})

	def test_reports_show_the_version_only_once_a_kpi_has_versions(self):
		from kpibsc.kpibsc.report.balanced_scorecard import balanced_scorecard
		from kpibsc.kpibsc.report.kpi_achievement import kpi_achievement

		def achievement():
			columns, rows, *_rest = kpi_achievement.execute({"scorecard": self.card})
			return [column["fieldname"] for column in columns], rows[0]

		def scorecard(period: str):
			columns, rows, *_rest = balanced_scorecard.execute(
				{"scorecard": self.card, "period_start": period}
			)
			return [column["fieldname"] for column in columns], next(
				row for row in rows if row.get("kpi") == KPI
			)

		self.approve(1, "80")
		self.approve(2, "80")
		# nobody uses versions: the reports are as they were
		fields, row = achievement()
		self.assertNotIn("kpi_version", fields)
		self.assertNotIn("kpi_version", row)
		fields, row = scorecard(day(1))
		self.assertNotIn("kpi_version", fields)

		frappe.set_user(MANAGER)
		self.make_version(day(3))
		self.approve(3, "80")
		frappe.set_user("Administrator")
		fields, row = achievement()
		self.assertEqual(fields[fields.index("weight") + 1], "kpi_version")
		# version 1 scored January and February, version 2 every period from March
		self.assertEqual(row["kpi_version"], "1; 2 from 03-2025")
		for period, number in ((day(2), 1), (day(3), 2), (day(12), 2)):
			fields, row = scorecard(period)
			self.assertIn("kpi_version", fields)
			self.assertEqual(row["kpi_version"], number, period)
