"""A person at the Frappe desk, driven by Playwright: log in, move around with the desk's own
router, fill fields and grids the way a person does, and notice what must fail a flow.

What fails a flow, whatever the flow checks itself (see `problems`):
- an HTTP 5xx answer to any request the page makes;
- an uncaught JavaScript error (Playwright's `pageerror`).
Permission refusals (HTTP 403, frappe's "Not Permitted" dialogs and pages) are collected in
`refusals()`: the flows decide whether the role should have been refused.

Selectors follow Frappe's own Cypress helpers (frappe/cypress/support/commands.js):
`.frappe-control[data-fieldname=…]` for fields, `.grid-row[data-idx=…]` for table rows,
the awesomplete list for Link fields.
"""

import json
import re
import time
from contextlib import contextmanager
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

REFUSAL_WORDS = re.compile(
	r"Not Permitted|Insufficient Permission|Permission Error|not permitted|No permission|"
	r"You don't have access|do not have enough permissions",
)
# Uncaught errors of Frappe's own libraries, not of kpibsc, that are known upstream: reported in
# the run's output as tolerated, never failing a flow. Each names the upstream issue.
KNOWN_LIBRARY_ERRORS = (
	# frappe-charts redraws from its ResizeObserver after the workspace re-rendered the chart
	# widget: https://github.com/frappe/charts/issues/368 (open)
	(re.compile(r"removeChild.*not a child of this node", re.S), "boundDrawFn"),
)
IDLE_JS = """() => !!(window.frappe && frappe.request && frappe.dom
	&& frappe.request.ajax_count === 0 && frappe.dom.freeze_count === 0
	&& !document.querySelector('#freeze.in'))"""


class FlowProblem(AssertionError):
	"""A server error or an uncaught JS error during a flow."""


class Desk:
	def __init__(self, browser: Browser, role: str, email: str, password: str, base_url: str, site: str):
		self.role, self.email, self.password, self.site = role, email, password, site
		self.base_url = base_url
		self.context = browser.new_context(
			base_url=base_url,
			viewport={"width": 1440, "height": 900},
			locale="en-US",
			timezone_id="Asia/Ho_Chi_Minh",
		)
		self.context.set_default_timeout(30_000)
		self.page: Page = self.context.new_page()
		self.problems: list[str] = []
		self.forbidden: list[str] = []
		self.console: list[str] = []
		self._errors = []  # 5xx responses, read when reported
		self._refused = []  # 4xx answers to API calls: told when a flow fails
		self.expecting_refusal = False
		self.tolerated: list[str] = []
		self.page.on("pageerror", self._on_pageerror)
		self.page.on("response", self._on_response)
		self.page.on("console", self._on_console)
		self.page.on("dialog", lambda dialog: dialog.accept())  # window.confirm / alert

	# -- what goes wrong ---------------------------------------------------------------------

	def _on_pageerror(self, error):
		stack = "\n    ".join((getattr(error, "stack", "") or "").splitlines()[1:6])
		message = f"uncaught JS error on {self.page.url}: {error}\n    {stack}"
		known = any(text.search(str(error)) and where in stack for text, where in KNOWN_LIBRARY_ERRORS)
		if self.expecting_refusal or known:
			# the desk's own reaction to a 403 (the query report's rejected get_script), or a
			# known library error
			self.tolerated.append(message)
		else:
			self.problems.append(message)

	def _on_response(self, response):
		if response.status >= 500:
			self._errors.append(response)
		elif response.status == 403:
			self.forbidden.append(f"403 {response.request.method} {response.url}")
		if 400 <= response.status < 500 and "/api/" in response.url:
			self._refused.append(response)

	def _on_console(self, message):
		if message.type in ("error", "warning"):
			self.console.append(f"{message.type}: {message.text}"[:500])

	def _report_server_errors(self):
		while self._errors:
			response = self._errors.pop(0)
			try:
				body = response.text()
				detail = json.loads(body).get("exception") or body
			except Exception:
				detail = "(no body)"
			self.problems.append(
				f"HTTP {response.status} {response.request.method} {response.url}: {str(detail)[:800]}"
			)

	def check(self):
		"""Raise if the server failed or the page threw since the last check."""
		self._report_server_errors()
		if self.problems:
			problems, self.problems = self.problems, []
			raise FlowProblem(f"[{self.role}] " + "\n".join(problems) + self.client_errors())

	def client_errors(self) -> str:
		"""The 4xx answers to API calls since the last reset, with the server's message."""
		lines = []
		for response in self._refused[-5:]:
			try:
				data = json.loads(response.text())
				detail = data.get("exception") or data.get("_server_messages") or ""
			except Exception:
				detail = ""
			lines.append(f"  HTTP {response.status} {response.url[:160]}: {str(detail)[:400]}")
		return ("\nAPI answers 4xx:\n" + "\n".join(lines)) if lines else ""

	def reset(self):
		"""Start a flow clean: forget what earlier flows collected, close leftover dialogs."""
		self._report_server_errors()
		self.problems.clear()
		self.forbidden.clear()
		self._refused.clear()
		self.console.clear()
		if self.page.url.startswith(self.base_url) and "/app" in self.page.url:
			self.close_dialogs()

	# -- getting around ----------------------------------------------------------------------

	def login(self):
		"""Through the login page, as a person does."""
		self.page.goto("/login")
		self.page.locator("#login_email").fill(self.email)
		self.page.locator("#login_password").fill(self.password)
		self.page.locator(".for-login .btn-login").click()
		self.page.wait_for_url("**/app**")
		self.wait_idle()
		site = self.page.evaluate("() => frappe.boot.sitename")
		assert site == self.site, f"the server answered for site {site}, not {self.site}"
		assert self.page.evaluate("() => frappe.session.user") == self.email
		self.check()

	def go(self, *route, query: dict | None = None, expect_refusal: bool = False):
		"""Open a route through the desk's router, as a click would (no page reload). With
		`expect_refusal`, JS errors the desk raises while refusing are not counted."""
		args = [*route, query] if query else list(route)
		self.forbidden.clear()
		self._refused.clear()
		self.close_dialogs()
		self.expecting_refusal = expect_refusal
		try:
			self.page.evaluate("(args) => frappe.set_route(...args)", args)
			self.wait_idle()
		finally:
			self.expecting_refusal = False

	def open_url(self, path: str):
		"""A full page load of `path` (e.g. a link typed into the address bar)."""
		self.forbidden.clear()
		self.page.goto(path)
		self.wait_idle()

	def wait_idle(self, settle: float = 0.3, timeout: float = 60):
		"""Wait until no request is running and nothing is frozen, twice `settle` apart (a
		route change starts its requests a moment after it is made)."""
		deadline = time.monotonic() + timeout
		quiet = 0
		while quiet < 2:
			if time.monotonic() > deadline:
				raise TimeoutError(f"[{self.role}] the desk did not settle on {self.page.url}")
			if self.page.evaluate(IDLE_JS):
				quiet += 1
			else:
				quiet = 0
			self.page.wait_for_timeout(settle * 1000)
		self.check()

	def route(self) -> list[str]:
		return self.page.evaluate("() => frappe.get_route()")

	# -- permission refusals -----------------------------------------------------------------

	def refusals(self) -> list[str]:
		"""What on screen (or on the wire) says this user was refused, since the last `go`."""
		found = list(self.forbidden)
		texts = self.page.evaluate(
			"""() => {
				const seen = [];
				document.querySelectorAll('.modal.show, .msgprint, .page-container:not([style*="display: none"]) .page-content')
					.forEach(el => { if (el.offsetParent !== null) seen.push(el.innerText.slice(0, 400)); });
				const route = frappe.get_route_str ? frappe.get_route_str() : '';
				if (route.includes('not-permitted') || route === 'Form/Not Permitted') seen.push('route ' + route);
				return seen;
			}"""
		)
		found += [text for text in texts if REFUSAL_WORDS.search(text)]
		return found

	@contextmanager
	def refusal_expected(self, what: str):
		"""Do something the role must be refused; assert it was, and close the message."""
		self.forbidden.clear()
		self.expecting_refusal = True
		try:
			yield
			self.wait_idle()
			self.assert_refused(what)
		finally:
			self.expecting_refusal = False
		self.close_dialogs()

	def assert_allowed(self, what: str):
		refused = self.refusals()
		assert not refused, f"[{self.role}] should see {what} but was refused: {refused}"

	def assert_refused(self, what: str):
		refused = self.refusals()
		assert refused, f"[{self.role}] should not see {what}, but it opened without a refusal"

	def close_dialogs(self):
		"""Close open dialogs, as the x would, and drop a backdrop a hidden dialog left behind
		(an invisible one still takes the clicks)."""
		if self.page.evaluate("() => !!document.querySelector('.modal.show')"):
			self.page.evaluate(
				"() => { (frappe.ui.open_dialogs || []).slice().forEach(d => d.hide()); $('.modal.show').modal('hide'); }"
			)
			self.page.wait_for_timeout(400)
		self.page.evaluate(
			"() => { if (!document.querySelector('.modal.show')) {"
			" document.querySelectorAll('.modal-backdrop').forEach((el) => el.remove());"
			" document.body.classList.remove('modal-open'); } }"
		)

	# -- forms -------------------------------------------------------------------------------

	def field(self, fieldname: str, scope: str = ""):
		return self.page.locator(f"{scope} .frappe-control[data-fieldname='{fieldname}']:visible").first

	def fill(self, fieldname: str, value: str, scope: str = ".page-container:visible .form-layout"):
		"""Type into a Data/Int/Float/Currency/Date field, then leave it (blur fires the change)."""
		for _attempt in range(3):
			self.close_dialogs()
			control = self.field(fieldname, scope)
			box = control.locator("input, textarea").first
			box.click()
			if box.get_attribute("data-fieldtype") in ("Date", "Datetime"):
				box.fill(str(value))  # at once: the datepicker reacts to single keys
			else:
				box.fill("")
				box.type(str(value), delay=10)
			box.press("Escape")  # close a datepicker
			box.evaluate("el => el.blur()")
			self.wait_idle()
			# a form that re-renders the field while it was typed into (fetched values arriving)
			# loses the text: type it again, as a person would
			if not self.page.evaluate(
				"(f) => window.cur_frm && cur_frm.fields_dict[f] && [null, undefined, ''].includes(cur_frm.doc[f])",
				fieldname,
			):
				return
		raise AssertionError(f"[{self.role}] {fieldname} did not take {value!r}")

	def fill_link(self, fieldname: str, value: str, scope: str = ".page-container:visible .form-layout"):
		"""Type into a Link field and pick `value` from the dropdown, as a person does."""
		control = self.field(fieldname, scope)
		box = control.locator("input").first
		box.click()
		box.fill("")
		box.type(value, delay=10)
		self.wait_idle()
		self.pick(box, value)

	def pick(self, box, value: str):
		"""Click `value` in the awesomplete list of input `box` (its options are
		div[role=option] in the list the input's aria-owns names)."""
		listbox = box.get_attribute("aria-owns")
		option = self.page.locator(f"#{listbox} [role=option]", has_text=value).first
		option.wait_for()
		option.click()
		self.wait_idle()

	def select(self, fieldname: str, value: str, scope: str = ".page-container:visible .form-layout"):
		self.field(fieldname, scope).locator("select").select_option(value)
		self.wait_idle()

	def value(self, fieldname: str):
		return self.page.evaluate("(f) => cur_frm.doc[f]", fieldname)

	def doc(self) -> dict:
		return self.page.evaluate("() => JSON.parse(JSON.stringify(cur_frm.doc))")

	def save(self) -> str:
		"""The Save button (Ctrl+S where the primary button is another action); wait for the
		saved form. Returns the text of any message the save showed (and closes it)."""
		self.page.evaluate("() => document.activeElement && document.activeElement.blur()")
		self.wait_idle()
		button = self.page.locator(".page-container:visible .page-head .primary-action")
		if button.is_visible() and button.inner_text().strip() == "Save":
			button.click()
		else:
			self.page.keyboard.press("Control+s")
		self.wait_idle()
		# saved, or a message (a refusal, a missing field) that says why not
		self.page.wait_for_function(
			"() => (cur_frm && !cur_frm.is_dirty() && !cur_frm.is_new()) || !!document.querySelector('.modal.show')"
		)
		self.wait_idle()
		message = self.msgprint_text() or self.page.evaluate(
			"() => [...document.querySelectorAll('.modal.show .modal-body')].map(e => e.innerText).join('\\n')"
		)
		self.close_dialogs()
		return message

	def click_button(self, label: str, group: str | None = None):
		"""A form's custom button, or one inside a button group (View, Scores, Actions…)."""
		toolbar = self.page.locator(".page-container:visible .page-head")
		if group:
			# the desk writes the group's label URI-encoded ("Scheduled%20Review")
			group = quote(group, safe="~()*!.'")
			toolbar.locator(f".inner-group-button[data-label='{group}'] > button").first.click()
			toolbar.locator(
				f".inner-group-button[data-label='{group}'] .dropdown-menu .dropdown-item", has_text=label
			).first.click()
		else:
			toolbar.locator(f"button:has-text('{label}')").first.click()
		self.wait_idle()

	def workflow_action(self, action: str):
		"""Actions → `action` (a workflow transition), answering Yes if the desk asks."""
		group = self.page.locator(".page-container:visible .page-head .actions-btn-group")
		group.locator("> button").first.click()
		group.locator(".dropdown-menu .dropdown-item", has_text=action).first.click()
		self.wait_idle()
		confirm = self.page.locator(".modal.show .btn-primary", has_text=re.compile("^(Yes|Confirm)$"))
		if confirm.count() and confirm.first.is_visible():
			confirm.first.click()
			self.wait_idle()

	def primary(self):
		"""The page's primary button (Save / Submit / …)."""
		self.page.locator(".page-container:visible .page-head .primary-action").click()
		self.wait_idle()

	def confirm_yes(self):
		"""Answer Yes in a frappe.confirm dialog (e.g. "Permanently Submit …?")."""
		dialog = self.page.locator(".modal.show").last
		dialog.locator(".btn-primary", has_text=re.compile("Yes|Submit|Confirm")).click()
		self.wait_idle()

	def dialog(self):
		return self.page.locator(".modal.show").last

	def dialog_primary(self):
		self.dialog().locator(".modal-footer .btn-primary").click()
		self.wait_idle()

	def msgprint_text(self) -> str:
		return self.page.evaluate(
			"() => [...document.querySelectorAll('.modal.show .msgprint')].map(e => e.innerText).join('\\n')"
		)

	def alerts(self) -> str:
		return self.page.evaluate(
			"() => [...document.querySelectorAll('#alert-container .alert')].map(e => e.innerText).join('\\n')"
		)

	# -- grids -------------------------------------------------------------------------------

	def grid_type(self, table: str, idx: int, fieldname: str, value: str):
		"""Click a cell of an editable grid and type into it, as a person does."""
		row = self.page.locator(
			f".page-container:visible .frappe-control[data-fieldname='{table}'] .grid-body .grid-row[data-idx='{idx}']"
		)
		cell = row.locator(f".data-row .grid-static-col[data-fieldname='{fieldname}']")
		cell.click()
		box = cell.locator("input, textarea").first
		box.wait_for()
		box.fill("")
		box.type(str(value), delay=10)
		box.evaluate("el => el.blur()")
		self.wait_idle()

	def grid_add_row(self, table: str, key: str | None = None) -> int:
		"""Click the table's Add Row; returns the new row's number. With `key`, a last row
		without a value in `key` (the blank row a new form starts with) is used instead."""
		if key:
			last = self.page.evaluate(
				"([t, k]) => { const rows = cur_frm.doc[t] || []; const r = rows[rows.length - 1]; return r && !r[k] ? r.idx : 0; }",
				[table, key],
			)
			if last:
				return last
		grid = self.page.locator(f".page-container:visible .frappe-control[data-fieldname='{table}']")
		grid.locator(".grid-add-row").first.click()
		self.wait_idle()
		return self.page.evaluate("(t) => cur_frm.doc[t].length", table)

	def grid_link(self, table: str, idx: int, fieldname: str, value: str):
		"""Type into a Link cell of an editable grid and pick `value` from its dropdown."""
		row = self.page.locator(
			f".page-container:visible .frappe-control[data-fieldname='{table}'] .grid-body .grid-row[data-idx='{idx}']"
		)
		cell = row.locator(f".data-row .grid-static-col[data-fieldname='{fieldname}']")
		cell.click()
		box = cell.locator("input").first
		box.wait_for()
		box.fill("")
		box.type(value, delay=10)
		self.wait_idle()
		self.pick(box, value)

	def grid_select(self, table: str, idx: int, fieldname: str, value: str):
		row = self.page.locator(
			f".page-container:visible .frappe-control[data-fieldname='{table}'] .grid-body .grid-row[data-idx='{idx}']"
		)
		cell = row.locator(f".data-row .grid-static-col[data-fieldname='{fieldname}']")
		cell.click()
		cell.locator("select").select_option(value)
		self.wait_idle()

	def dialog_multiselect(self, fieldname: str, values: list[str]):
		"""Tick `values` in a dialog's MultiSelectList (open it, search, click each)."""
		control = self.dialog().locator(f".frappe-control[data-fieldname='{fieldname}']")
		for value in values:
			if not control.locator(".dropdown-menu.show").count():
				control.locator("[data-toggle='dropdown']").click()
			search = control.locator(".dropdown-input-wrapper input")
			search.fill(value)
			self.wait_idle()
			control.locator(".selectable-item", has_text=value).first.click()
			self.wait_idle()
		control.locator("[data-toggle='dropdown']").click()  # close the list

	def dialog_select(self, fieldname: str, value: str):
		self.dialog().locator(f".frappe-control[data-fieldname='{fieldname}'] select").select_option(value)
		self.wait_idle()

	# -- reports -----------------------------------------------------------------------------

	def wait_report(self, name: str):
		self.page.wait_for_function(
			"(name) => frappe.query_report && frappe.query_report.report_name === name", arg=name
		)
		self.wait_idle()

	def open_report(self, name: str, filters: dict | None = None):
		"""Open a query report with these filters, as a person does on the report's page, and
		run it. (A route to the report already open keeps the filters it has: they are set
		here and checked.)"""
		if self.route()[:2] == ["query-report", name]:
			self.go("List", "ToDo")  # leave it, so the route below opens it afresh
		self.go("query-report", name, query=filters)
		self.wait_report(name)
		if not filters:
			return
		for _attempt in range(3):
			self.page.evaluate("(filters) => frappe.query_report.set_filter_value(filters)", filters)
			self.wait_idle()
			current = self.page.evaluate("() => frappe.query_report.get_filter_values(false) || {}")
			if all(str(current.get(key) or "") == str(value or "") for key, value in filters.items()):
				self.refresh_report()
				return
		raise AssertionError(f"[{self.role}] {name} did not take the filters {filters}: {current}")

	def refresh_report(self):
		"""The report's refresh button (a route to the report already open does not re-run it)."""
		self.page.evaluate("() => frappe.query_report.refresh()")
		self.wait_idle()

	def report_rows(self) -> list[dict]:
		"""The rows of the open query report as the server sent them."""
		return self.page.evaluate(
			"() => (frappe.query_report && frappe.query_report.data || []).map(r => JSON.parse(JSON.stringify(r)))"
		)

	def report_message(self) -> str:
		return self.page.evaluate(
			"() => { const el = document.querySelector('.page-container:not([style*=\"display: none\"]) .report-wrapper .msg-box, .page-container:not([style*=\"display: none\"]) .report-message-container'); return el ? el.innerText : ''; }"
		)

	def screenshot(self, path):
		self.page.screenshot(path=str(path), full_page=True)

	def expect_text(self, text: str, timeout: float = 15_000):
		expect(self.page.locator(".page-container:visible").first).to_contain_text(text, timeout=timeout)

	def close(self):
		self.context.close()
