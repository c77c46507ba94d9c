import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, format_date, getdate
from frappe.utils.background_jobs import is_job_enqueued

from kpibsc.kpibsc.permissions import keep_stored_values, stored_document
from kpibsc.kpibsc.services import pay, pay_cost


class KPIPayRun(Document):
	def validate(self):
		self.keep_server_fields()
		self.validate_dates()
		self.set_policy()
		pay.components()  # a component deleted since install: say which, and how to restore it
		self.validate_employees()
		self.compute()
		self.set_totals()

	def on_submit(self):
		pay.components()  # refuse before anything is written if they are not set
		if len(self.employees) * 3 > pay.BACKGROUND_THRESHOLD:
			self.db_set("status", "Queued")
			self.enqueue_additional_salaries()
			return
		payout = pay.make_additional_salaries(self.name)
		if payout.failed:  # the submit is rolled back with everything it made
			frappe.throw(
				_(
					"HRMS refused the Additional Salaries of {0}, so the run is not submitted. Fix the cause and submit again."
				).format(
					"; ".join(f"{employee} ({name}): {why}" for employee, name, why in payout.failed[:20])
				),
				exc=pay.PayRunError,
				title=_("Additional Salary Refused"),
			)
		self.db_set("status", "Submitted")

	def onload(self):
		# Queued with no job left in RQ: the worker died (killed, its machine lost) before
		# committing, so nothing of that attempt was kept; the form says so and offers Retry
		if self.docstatus == 1 and self.status == "Queued" and not is_job_enqueued(self.job_id()):
			self.set_onload("job_stopped", True)

	def job_id(self) -> str:
		return f"kpibsc-pay-run-{self.name}"

	def enqueue_additional_salaries(self):
		frappe.enqueue(
			"kpibsc.kpibsc.doctype.kpi_pay_run.kpi_pay_run.run_additional_salaries",
			queue="long",
			timeout=3600,
			job_id=self.job_id(),
			deduplicate=True,
			enqueue_after_commit=True,
			run=self.name,
		)

	def on_cancel(self):
		pay.cancel_additional_salaries(self.name)
		self.db_set("status", "Cancelled")

	@frappe.whitelist()
	def get_employees(self) -> int:
		"""Fill the register with the employees the filters pick who are not paid yet, on the
		stored run (never the copy a client sent)."""
		run = stored_document(self, "write")
		employees = pay.run_employees(run)
		paid = pay.already_paid(run, employees)
		run.set("employees", [{"employee": employee} for employee in employees if employee not in paid])
		run.save()
		self.reload()  # the caller's copy (and run_doc_method's reply) shows what was saved
		if paid:
			frappe.msgprint(
				_("Left out, already in another pay run for these dates: {0}").format(
					", ".join(f"{employee} ({run})" for employee, run in sorted(paid.items())[:20])
				),
				indicator="orange",
			)
		return len(run.employees)

	@frappe.whitelist()
	def simulate_cost(
		self, scenario: str = "Current Scores", shares: str | None = None, budget: str | None = None
	) -> dict:
		"""What the stored run's employees will cost per department under a scenario, against a
		KPI Pay Budget: under Current Scores, what submitting the run pays."""
		run = stored_document(self, "read")
		return pay_cost.simulate(run, [row.employee for row in run.employees], scenario, shares, budget)

	@frappe.whitelist()
	def retry(self) -> dict:
		"""Make the Additional Salaries a failed run is still missing — only those, so nobody
		gets a second one — on the stored run; in the background when there are many."""
		run = stored_document(self, "submit")
		if run.docstatus == 1 and run.status == "Queued" and is_job_enqueued(run.job_id()):
			frappe.throw(
				_(
					"The Additional Salaries of this pay run are being made in the background. Wait for that job to finish."
				),
				exc=pay.PayRunError,
			)
		# Queued with no job left: the worker died before its transaction was committed, so
		# none of that attempt's Additional Salaries exist; retrying resumes the run
		if run.docstatus != 1 or run.status not in ("Failed", "Queued"):
			frappe.throw(
				_("Only a submitted pay run whose status is Failed can be retried; this one is {0}.").format(
					_(run.status)  # translated at runtime: the status options are in the catalogue
				),
				exc=pay.PayRunError,
			)
		missing = sum(
			len(lines) for _name, lines in pay.missing_additional_salaries(run, pay.components()).values()
		)
		if missing > pay.BACKGROUND_THRESHOLD:
			run.db_set("status", "Queued")
			run.enqueue_additional_salaries()
			self.reload()
			return {"queued": missing}
		payout = pay.make_additional_salaries(run.name)
		pay.record_payout(run.name, payout)
		self.reload()
		return {"created": payout.created, "failed": len(payout.failed)}

	def keep_server_fields(self):
		"""The run's status and failure are the server's: a draft is a draft."""
		keep_stored_values(self, ("error_message",))
		if self.docstatus == 0:
			self.status = "Draft"

	def validate_dates(self):
		if getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(_("The pay period ends before it starts."))
		self.payroll_date = self.payroll_date or self.to_date
		if not (getdate(self.from_date) <= getdate(self.payroll_date) <= getdate(self.to_date)):
			frappe.throw(_("The payroll date must fall within the pay period."))

	def set_policy(self):
		self.policy = pay.policy_for(self.company, self.to_date).name

	def validate_employees(self):
		employees = [row.employee for row in self.employees]
		duplicates = sorted({employee for employee in employees if employees.count(employee) > 1})
		if duplicates:
			frappe.throw(_("Employees listed twice: {0}").format(", ".join(duplicates)), exc=pay.PayRunError)
		paid = pay.already_paid(self, employees)
		if paid:
			frappe.throw(
				_("Already in another pay run for {0} to {1}, so they would be paid twice: {2}").format(
					format_date(self.from_date),
					format_date(self.to_date),
					", ".join(f"{employee} ({run})" for employee, run in sorted(paid.items())[:20]),
				),
				exc=pay.PayRunError,
				title=_("Paid Twice"),
			)
		slips = pay.with_submitted_slips(self, employees)
		if slips and self.docstatus == 0:
			frappe.throw(
				_(
					"Their salary slips for {0} are already submitted, so this pay would never reach them: {1}. Cancel those slips first, or pay them in the next period."
				).format(
					format_date(self.payroll_date),
					", ".join(f"{employee} ({slip})" for employee, slip in sorted(slips.items())[:20]),
				),
				exc=pay.PayRunError,
				title=_("Salary Slip Already Submitted"),
			)
		unassigned = pay.without_salary_structure(self, employees)
		if unassigned:
			frappe.throw(
				_(
					"No submitted Salary Structure Assignment, so HRMS cannot make their salary slips: {0}. Assign a salary structure first."
				).format(", ".join(unassigned[:20])),
				exc=pay.PayRunError,
				title=_("No Salary Structure"),
			)

	def compute(self):
		"""Rows are updated in place, so the timeline records changed amounts, not 2×N rows."""
		computed = {
			row["employee"]: row
			for row in pay.compute_register(self, [row.employee for row in self.employees])
		}
		for row in self.employees:
			row.update(computed[row.employee])

	def set_totals(self):
		for field in ("p1", "p2", "p3", "total"):
			total = sum(flt(row.get(field)) for row in self.employees)
			self.set("total" if field == "total" else f"total_{field}", total)


def run_additional_salaries(run: str):
	"""Background job for large runs and their retries: the run ends Submitted, or Failed
	naming who is unpaid and why (what was made for the others is kept, and Retry makes the
	rest)."""
	try:
		payout = pay.make_additional_salaries(run, show_progress=True)
	except Exception as error:
		frappe.db.rollback()
		frappe.log_error(title=_("KPI pay run {0} failed").format(run))
		pay.record_failure(run, error)
	else:
		pay.record_payout(run, payout)
	frappe.get_doc("KPI Pay Run", run).notify_update()
