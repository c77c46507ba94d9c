"""Install, uninstall, reinstall, demo and migrate, as many times as a real site will (tier 2, slow).

Every step is a bench command in a subprocess on a throw-away site restored from the pristine
ERPNext + HRMS dump that tools/build-bench.sh takes; the site and its database are dropped
afterwards, even when a step fails. The site the tests are started on is never touched.

These tests take several minutes, so they run only when KPIBSC_LIFECYCLE=1: `.ci/run` runs
this module once, on its own, after the main suite (which skips it).

    KPIBSC_LIFECYCLE=1 CI=true bench --site test.localhost run-tests --app kpibsc \\
        --module kpibsc.tests.test_lifecycle

Environment: KPIBSC_PRISTINE_DUMP (default ~/pristine-erpnext-hrms.sql.gz),
KPIBSC_DB_ROOT_PASSWORD (default root), KPIBSC_LIFECYCLE_SITE (default kpibsc-lifecycle.localhost).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import frappe

ENABLED = os.environ.get("KPIBSC_LIFECYCLE") == "1"
SITE = os.environ.get("KPIBSC_LIFECYCLE_SITE", "kpibsc-lifecycle.localhost")
PRISTINE_DUMP = Path(os.environ.get("KPIBSC_PRISTINE_DUMP", "~/pristine-erpnext-hrms.sql.gz")).expanduser()
DB_ROOT_PASSWORD = os.environ.get("KPIBSC_DB_ROOT_PASSWORD", "root")
DEMO_YEAR = 2026
DEMO_COMPANY = "KPI Demo Company"
# Released schemas a site may still be on: label, commit (the app as it was then).
# 0.1: before work management (patches v0_2 onwards); 0.3: before KPI pay (v0_4 onwards).
OLD_RELEASES = (
	("0.1", "88e27e1"),
	("0.3", "ee28cdd"),
)
# Tables that record activity rather than state: uninstall itself writes to them.
ACTIVITY_TABLES = {
	"tabVersion",
	"tabDeleted Document",
	"tabError Log",
	"tabScheduled Job Log",
	"tabActivity Log",
	"tabAccess Log",
	"tabRoute History",
	"tabSessions",
	"tabConsole Log",
	"tabPatch Log",
}
SETUP_WIZARD = {
	"language": "English",
	"country": "Vietnam",
	"timezone": "Asia/Ho_Chi_Minh",
	"currency": "VND",
	"full_name": "Test User",
	"email": "test.user@lifecycle.test",
	"password": "admin",
	"company_name": "Lifecycle Co",
	"company_abbr": "LCO",
	"company_tagline": "Lifecycle Co",
	"industry": "Manufacturing",
	"domains": [],
	"chart_of_accounts": "Standard",
	"fy_start_date": f"{DEMO_YEAR}-01-01",
	"fy_end_date": f"{DEMO_YEAR}-12-31",
	"setup_demo": 0,
	"enable_telemetry": 0,
	"allow_recording_first_session": 0,
}


# Helpers run on the throw-away site with `bench --site ... execute`
# ------------------------------------------------------------------


def site_state() -> dict:
	"""Rows per table and the columns of every table: what install and uninstall change."""
	tables = frappe.db.sql_list(
		"select table_name from information_schema.tables where table_schema=%s and table_type='BASE TABLE'",
		frappe.conf.db_name,
	)
	counts = {table: frappe.db.sql(f"select count(*) from `{table}`")[0][0] for table in tables}
	columns = {}
	for table, column in frappe.db.sql(
		"select table_name, column_name from information_schema.columns where table_schema=%s",
		frappe.conf.db_name,
	):
		columns.setdefault(table, []).append(column)
	return {
		"counts": counts,
		"columns": {table: sorted(names) for table, names in columns.items()},
		"apps": frappe.get_installed_apps(),
	}


def kpibsc_state() -> dict:
	"""What kpibsc's install steps and patches write, without timestamps: equal before and
	after running them again means they are idempotent."""
	skip = {"name", "creation", "modified", "modified_by", "owner", "idx"}

	def rows(doctype, filters, order_by="name"):
		return [
			{key: value for key, value in row.items() if key not in skip}
			for row in frappe.get_all(doctype, filters=filters, fields="*", order_by=order_by)
		]

	from kpibsc.kpibsc.services.pay import COMPONENTS
	from kpibsc.setup.install import ROLES, SETTINGS, get_custom_fields

	return json.loads(
		frappe.as_json(
			{
				"custom_fields": rows(
					"Custom Field", {"dt": ("in", list(get_custom_fields()))}, "dt, fieldname"
				),
				"department_perms": rows("Custom DocPerm", {"parent": "Department"}, "role, permlevel"),
				"roles": rows("Role", {"name": ("in", ROLES)}),
				"settings": frappe.db.sql(
					"""select field, value from tabSingles
					where doctype=%s and field not in ('modified', 'creation') order by field""",
					SETTINGS,
				),
				"bands": rows("KPI Rank Band", {"parent": SETTINGS}, "band"),
				"components": rows("Salary Component", {"name": ("in", [c[1] for c in COMPONENTS])}),
				"workflow": rows("Workflow Transition", {"parent": "Performance Review"}, "idx"),
				"states": rows("Workflow Document State", {"parent": "Performance Review"}, "idx"),
				"counts": {
					doctype: frappe.db.count(doctype)
					for doctype in ("Workflow State", "Workflow Action Master", "Has Role", "Custom DocPerm")
				},
			}
		)
	)


def run_all_patches():
	"""Every patch in patches.txt, again: each must leave the site as it found it."""
	for line in Path(frappe.get_app_path("kpibsc", "patches.txt")).read_text().splitlines():
		line = line.strip()
		if line and not line.startswith(("#", "[")):
			frappe.get_attr(f"{line.split()[0]}.execute")()


def install_with_failing_step() -> dict:
	"""install-app with a step that fails after the custom fields are made (DDL commits)."""
	from unittest.mock import patch

	from frappe.installer import install_app

	from kpibsc.setup import install

	def broken_step():
		raise RuntimeError("simulated failure")

	steps = (*install.INSTALL_STEPS[:3], broken_step, *install.INSTALL_STEPS[3:])
	with patch.object(install, "INSTALL_STEPS", steps):
		try:
			install_app("kpibsc")
		except install.InstallError as error:
			return {"error": str(error)}
	return {"error": None}


def demo_report_figures() -> dict:
	"""Rows with a score in the demo's Scorecard Ranking (year to date, June), for employees
	and departments."""
	from frappe.desk.query_report import run

	figures = {}
	for level in ("Employee", "Department"):
		filters = {
			"company": DEMO_COMPANY,
			"level": level,
			"period_start": f"{DEMO_YEAR}-06-01",
			"view": "Year to Date",
		}
		result = run("Scorecard Ranking", filters=filters)
		figures[level] = sum(1 for row in result["result"] if isinstance(row, dict) and row.get("score"))
	return figures


def leave_stale_settings():
	"""What an uninstall by kpibsc 0.2 and earlier left: KPI BSC Settings values in tabSingles
	pointing at salary components that are gone (issue #21)."""
	for field, value in (
		("p1_component", "KPI Position Pay (P1) gone"),
		("p2_component", "Deleted Component"),
		("no_scorecard_policy", "An option that no longer exists"),
		("rating_scale", "5"),
	):
		frappe.db.sql(
			"insert into tabSingles (doctype, field, value) values ('KPI BSC Settings', %s, %s)",
			(field, value),
		)


# The tests
# ---------


@unittest.skipUnless(ENABLED, "lifecycle tests run only with KPIBSC_LIFECYCLE=1 (.ci/run does)")
class TestLifecycle(unittest.TestCase):
	"""One throw-away site for the class; the tests run in order (their names are numbered)
	and each leaves kpibsc uninstalled for the next."""

	@classmethod
	def setUpClass(cls):
		if not PRISTINE_DUMP.exists():
			raise unittest.SkipTest(f"no pristine ERPNext + HRMS dump at {PRISTINE_DUMP}")
		cls.sites_path = Path(frappe.utils.get_bench_path()) / "sites"
		cls.timings = []
		cls.addClassCleanup(cls.drop_site)
		cls.drop_site()  # a site left by a run that was killed
		cls.bench(
			"new-site",
			SITE,
			"--source_sql",
			str(PRISTINE_DUMP),
			*cls.db_root(),
			"--admin-password",
			"admin",
			site=None,
		)
		cls.bench(
			"execute",
			"frappe.desk.page.setup_wizard.setup_wizard.setup_complete",
			"--kwargs",
			json.dumps({"args": SETUP_WIZARD}),
		)
		cls.baseline = cls.execute("site_state")

	@classmethod
	def tearDownClass(cls):
		print("\nlifecycle steps:")
		for step, seconds in cls.timings:
			print(f"  {seconds:6.1f}s  {step}")

	@classmethod
	def db_root(cls) -> tuple:
		return ("--db-root-username", "root", "--db-root-password", DB_ROOT_PASSWORD)

	@classmethod
	def drop_site(cls):
		if not (cls.sites_path / SITE).exists():
			return
		archive = tempfile.mkdtemp(prefix="kpibsc-lifecycle-archive-")
		command = (
			"drop-site",
			SITE,
			*cls.db_root(),
			"--no-backup",
			"--force",
			"--archived-sites-path",
			archive,
		)
		try:
			for attempt in range(3):  # MariaDB may be restarting: wait and try again
				if cls.bench(*command, site=None, check=attempt == 2).returncode == 0:
					break
				time.sleep(20)
		finally:
			shutil.rmtree(archive, ignore_errors=True)

	@classmethod
	def bench(cls, *args, site=SITE, check=True, env=None) -> subprocess.CompletedProcess:
		"""A frappe command as `bench` runs it (from the sites folder), timed."""
		command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe"]
		if site:
			command += ["--site", site]
		command += list(args)
		started = time.monotonic()
		process = subprocess.run(
			command,
			cwd=cls.sites_path,
			capture_output=True,
			text=True,
			env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
		)
		label = " ".join(args[:2]) if args[0] == "execute" else " ".join(args[:1] + args[1:2])
		cls.timings.append((label, time.monotonic() - started))
		if check and process.returncode != 0:
			raise AssertionError(
				f"{' '.join(args)} exited {process.returncode}\n{process.stdout[-4000:]}\n{process.stderr[-4000:]}"
			)
		return process

	@classmethod
	def execute(cls, helper: str, **kwargs):
		"""A helper of this module on the site, committed; its return value. A plain script,
		not `bench execute`, which refuses apps the site has not installed."""
		script = (
			"import json, sys, frappe\n"
			f"frappe.init(site={SITE!r}, sites_path='.')\n"
			"frappe.connect()\n"
			"from kpibsc.tests import test_lifecycle\n"
			f"result = test_lifecycle.{helper}(**json.loads(sys.argv[1]))\n"
			"frappe.db.commit()\n"  # nosemgrep: the throw-away site, in its own process
			"print('\\n' + json.dumps(result, default=str))\n"
			"frappe.destroy()\n"
		)
		started = time.monotonic()
		process = subprocess.run(
			[sys.executable, "-c", script, json.dumps(kwargs)],
			cwd=cls.sites_path,
			capture_output=True,
			text=True,
			env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
		)
		cls.timings.append((helper, time.monotonic() - started))
		if process.returncode != 0:
			raise AssertionError(f"{helper} exited {process.returncode}\n{process.stderr[-4000:]}")
		return json.loads(process.stdout.strip().splitlines()[-1])

	def install(self, **env):
		process = self.bench("install-app", "kpibsc", env=env)
		self.assertNotIn("An error occurred while installing", process.stdout + process.stderr)

	def uninstall(self, **env):
		return self.bench("uninstall-app", "kpibsc", "--yes", "--no-backup", env=env)

	def assertAsBaseline(self, state: dict):
		"""Every table has as many rows and the same columns as before kpibsc was installed
		(activity logs aside), and no table is left over."""
		self.assertNotIn("kpibsc", state["apps"])
		before, after = self.baseline["counts"], state["counts"]
		self.assertEqual(sorted(set(after) - set(before)), [], "tables left over")
		self.assertEqual(sorted(set(before) - set(after)), [], "tables dropped")
		changed = {
			table: (before[table], after[table])
			for table in before
			if table not in ACTIVITY_TABLES and before[table] != after[table]
		}
		self.assertEqual(changed, {}, "rows left over or missing (before, after)")
		columns = {
			table: sorted(set(state["columns"][table]) ^ set(self.baseline["columns"][table]))
			for table in before
			if state["columns"][table] != self.baseline["columns"][table]
		}
		self.assertEqual(columns, {}, "columns left over or missing")

	def test_1_failed_install_is_undone(self):
		result = self.execute("install_with_failing_step")
		self.assertIn("simulated failure", result["error"])
		self.assertIn("install-app kpibsc again", result["error"])
		self.assertAsBaseline(self.execute("site_state"))

	def test_2_install_then_uninstall_leaves_the_site_as_it_was(self):
		self.install()
		first = self.execute("kpibsc_state")
		type(self).fresh_install = first
		self.bench("execute", "kpibsc.setup.install.after_install")
		self.assertEqual(self.execute("kpibsc_state"), first, "after_install run twice changed something")
		self.uninstall()
		self.assertAsBaseline(self.execute("site_state"))

	def test_3_install_demo_uninstall_install_demo_migrate(self):
		self.install()
		self.bench("execute", "kpibsc.demo.setup", "--kwargs", json.dumps({"year": DEMO_YEAR}))
		process = self.uninstall()
		# the demo's payroll used the P1/P2/P3 components: they stay, and the uninstall says so
		self.assertIn("is kept", process.stdout)
		self.execute("leave_stale_settings")
		self.install()
		self.bench("execute", "kpibsc.demo.setup", "--kwargs", json.dumps({"year": DEMO_YEAR}))
		figures = self.execute("demo_report_figures")
		self.assertGreater(figures["Employee"], 0, figures)
		self.assertGreater(figures["Department"], 0, figures)
		self.bench("migrate", "--skip-search-index")
		state = self.execute("kpibsc_state")
		self.execute("run_all_patches")
		self.assertEqual(self.execute("kpibsc_state"), state, "running the patches again changed something")
		self.uninstall()

	def test_4_migrate_from_released_schemas(self):
		repo = Path(frappe.get_app_path("kpibsc")).parent
		for label, commit in OLD_RELEASES:
			with self.subTest(release=label), tempfile.TemporaryDirectory(prefix=f"kpibsc-{label}-") as old:
				archive = subprocess.run(
					["git", "-C", str(repo), "archive", commit], capture_output=True, check=False
				)
				if archive.returncode != 0:
					self.skipTest(f"commit {commit} of release {label} is not in {repo}")
				subprocess.run(["tar", "-x", "-C", old], input=archive.stdout, check=True)
				# the old app shadows the bench's kpibsc in this subprocess only
				self.bench("clear-cache")
				self.install(PYTHONPATH=old)
				self.bench("clear-cache")
				self.bench("migrate", "--skip-search-index")
				state = self.execute("kpibsc_state")
				if fresh := getattr(self, "fresh_install", None):
					# a migrated site ends where a new install starts (who holds a role aside)
					self.assertEqual(
						{key: value for key, value in state.items() if key != "counts"},
						{key: value for key, value in fresh.items() if key != "counts"},
						f"a site migrated from {label} differs from a new install",
					)
				self.bench("migrate", "--skip-search-index")
				self.execute("run_all_patches")
				self.assertEqual(
					self.execute("kpibsc_state"), state, f"second migrate from {label} changed something"
				)
				self.uninstall()
