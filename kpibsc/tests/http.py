"""Requests through Frappe's own HTTP handling, inside the test's transaction.

frappe.app.application opens its own database connection per request and commits it, so a
request could only see a test's data if the test committed it, and no test may commit. This
runs the same path on the test's connection instead: a Werkzeug request (EnvironBuilder) as
the client sends it, Frappe's form-dict parsing, its API router (`/api/resource/...`,
`/api/method/...`, `run_doc_method`, the whitelist and HTTP-method checks), its exception-to-
response mapping, and what Frappe does after a failed request: roll back what it wrote.
What it leaves out is the WSGI wrapper itself (session cookies, CSRF), which is Frappe's.
"""

import json
from dataclasses import dataclass

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

import frappe
import frappe.api
from frappe.app import handle_exception, make_form_dict

SAVEPOINT = "kpibsc_http_request"


@dataclass
class Reply:
	status: int
	body: dict

	@property
	def data(self):
		return self.body.get("data")

	@property
	def message(self):
		return self.body.get("message")

	@property
	def text(self) -> str:
		return json.dumps(self.body, default=str)


def call(user: str, method: str, path: str, payload: dict | None = None, query: dict | None = None) -> Reply:
	"""One request as `user`; a refused or failed request leaves the database as it was."""
	environ = EnvironBuilder(
		path=path,
		method=method,
		data=frappe.as_json(payload) if payload is not None and method != "GET" else None,
		content_type="application/json",
		query_string=query,
		headers={"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"},
	).get_environ()
	request = Request(environ)
	previous = {
		name: getattr(frappe.local, name, None) for name in ("request", "form_dict", "response", "is_ajax")
	}
	previous_user = frappe.session.user
	frappe.local.request = request
	frappe.local.is_ajax = True
	frappe.local.response = frappe._dict({"docs": []})
	frappe.local.message_log = []
	frappe.local.error_log = []  # a request's own tracebacks: Frappe's "exc" sends them back
	frappe.local.form_dict = frappe._dict()
	frappe.set_user(user)
	frappe.db.savepoint(SAVEPOINT)
	try:
		make_form_dict(request)
		response = frappe.api.handle(request)
	except Exception as error:
		frappe.db.rollback(save_point=SAVEPOINT)
		response = handle_exception(error)
	finally:
		frappe.set_user(previous_user)
		for name, value in previous.items():
			setattr(frappe.local, name, value)
		frappe.local.message_log = []
	body = response.get_data(as_text=True)
	try:
		parsed = json.loads(body) if body else {}
	except ValueError:
		parsed = {"html": body}
	return Reply(response.status_code, parsed if isinstance(parsed, dict) else {"data": parsed})


def resource(doctype: str, name: str | None = None) -> str:
	from urllib.parse import quote

	path = f"/api/resource/{quote(doctype)}"
	return f"{path}/{quote(name)}" if name else path


def method(dotted: str) -> str:
	return f"/api/method/{dotted}"
