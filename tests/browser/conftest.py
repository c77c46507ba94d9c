"""Tier 3: browser flows on a site holding the demo company, one logged-in desk per role.

Run by `.ci/tier3`, which prepares the site (`site_setup.py`), starts gunicorn and an RQ
worker, and points these tests at them through the environment:

- KPIBSC_TIER3_URL   the desk, e.g. http://browser.localhost:8100 (Chromium sends the
                     host name, so gunicorn serves that site)
- KPIBSC_TIER3_INFO  the JSON `site_setup.py` wrote: users, scorecards, the open period…
- KPIBSC_TIER3_OUT   where screenshots and logs of failed flows go (/tmp/kpibsc-tier3)
- KPIBSC_CHROMIUM    the browser (/usr/bin/chromium, Debian's)

Tier 1's plain `pytest` never collects this folder (pyproject.toml: --ignore=tests/browser).
"""

import json
import os
import re
import signal
from pathlib import Path

import pytest
from desk import Desk
from playwright.sync_api import sync_playwright

URL = os.environ.get("KPIBSC_TIER3_URL", "http://browser.localhost:8100")
OUT = Path(os.environ.get("KPIBSC_TIER3_OUT", "/tmp/kpibsc-tier3"))
INFO = Path(os.environ.get("KPIBSC_TIER3_INFO", OUT / "site.json"))
CHROMIUM = os.environ.get("KPIBSC_CHROMIUM", "/usr/bin/chromium")
# KPIBSC_TIER3_SCREENSHOTS=all: a screenshot after every flow, to see what the flows did
SCREENSHOT_ALL = os.environ.get("KPIBSC_TIER3_SCREENSHOTS") == "all"
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def info() -> dict:
	return json.loads(INFO.read_text())


@pytest.fixture(scope="session")
def browser():
	with sync_playwright() as playwright:
		browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
		yield browser
		browser.close()


@pytest.fixture(scope="session")
def desks(browser, info):
	"""One desk per role for the whole run: each logs in once, on first use."""
	opened: dict[str, Desk] = {}

	def get(role: str) -> Desk:
		if role not in opened:
			desk = Desk(browser, role, info["users"][role], info["password"], URL, info["site"])
			desk.login()
			opened[role] = desk
		return opened[role]

	yield get
	for desk in opened.values():
		TOLERATED.extend(f"[{desk.role}] {message}" for message in desk.tolerated)
		desk.close()


TOLERATED: list[str] = []


def pytest_terminal_summary(terminalreporter):
	if TOLERATED:
		terminalreporter.section("tier 3: JS errors not counted")
		terminalreporter.write_line(
			"raised by the desk while refusing a role, or known library errors (desk.py KNOWN_LIBRARY_ERRORS):"
		)
		for message in TOLERATED:
			terminalreporter.write_line(message.splitlines()[0][:300])


@pytest.fixture
def as_role(desks, request):
	"""`as_role("employee")` → that person's desk, clean for this flow. Desks a flow used are
	screenshotted when it fails (see pytest_runtest_makereport)."""
	used: list[Desk] = []
	request.node.desks_used = used

	def get(role: str) -> Desk:
		desk = desks(role)
		desk.reset()
		if desk not in used:
			used.append(desk)
		return desk

	yield get
	report = getattr(request.node, "rep_call", None)
	if report is not None and report.passed:
		for desk in used:
			desk.check()  # a late server error or JS error still fails the flow


FLOW_TIMEOUT = int(os.environ.get("KPIBSC_TIER3_FLOW_TIMEOUT", "300"))


class FlowTimeout(Exception):
	pass


@pytest.fixture(autouse=True)
def flow_timeout():
	"""A flow that hangs (a page that never settles) fails after FLOW_TIMEOUT seconds instead
	of holding up the run."""

	def expired(signum, frame):
		raise FlowTimeout(f"the flow took more than {FLOW_TIMEOUT}s")

	previous = signal.signal(signal.SIGALRM, expired)
	signal.alarm(FLOW_TIMEOUT)
	yield
	signal.alarm(0)
	signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
	outcome = yield
	report = outcome.get_result()
	setattr(item, f"rep_{report.when}", report)
	failed = report.failed or (report.when == "call" and hasattr(report, "wasxfail"))
	failed = failed or (report.when == "call" and SCREENSHOT_ALL)
	if not failed or not getattr(item, "desks_used", None):
		return
	OUT.mkdir(parents=True, exist_ok=True)
	stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name)
	for desk in getattr(item, "desks_used", []):
		path = OUT / f"{stem}--{desk.role}.png"
		try:
			desk.screenshot(path)
			(OUT / f"{stem}--{desk.role}.log").write_text(
				f"url: {desk.page.url}\n\nconsole:\n" + "\n".join(desk.console[-50:]) + "\n"
			)
			report.sections.append(("tier 3", f"screenshot of {desk.role}: {path}"))
		except Exception as error:  # a crashed page still lets the report through
			report.sections.append(("tier 3", f"no screenshot of {desk.role}: {error}"))
