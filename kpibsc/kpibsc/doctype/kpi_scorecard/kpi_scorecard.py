import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, format_date, getdate

from kpibsc.engine import normalise_weights
from kpibsc.kpibsc.permissions import derived_owner, keep_stored_values
from kpibsc.kpibsc.services import agreement, revisions, scorecard_review
from kpibsc.kpibsc.services.engine_bridge import check_rule, scoring_rule
from kpibsc.kpibsc.services.scorecards import get_kpis, phased_rows, scorecard_title


class DuplicateKPIError(frappe.ValidationError):
	pass


class OverlappingScorecardError(frappe.ValidationError):
	pass


class ScorecardWeightError(frappe.ValidationError):
	pass


class TargetRevisionRequiredError(frappe.ValidationError):
	pass


WEIGHT_TOLERANCE = 0.01


class KPIScorecard(Document):
	def validate(self):
		self.validate_dates()
		self.keep_server_fields()
		self.keep_active_targets()
		self.set_owner_fields()
		self.set_title()
		self.validate_duplicate_kpis()
		self.validate_overlap()
		self.validate_weights()
		kpis = get_kpis([item.kpi for item in self.items])
		self.validate_items_with_engine(kpis)
		self.validate_score_policy()
		self.set_phased_targets(kpis)
		agreement.keep_and_check(self)
		scorecard_review.prepare(self)

	def on_update(self):
		self.recompute_if_policy_changed()

	def validate_dates(self):
		if getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(
				_("The scorecard ends on {0}, before it starts on {1}.").format(
					format_date(self.to_date), format_date(self.from_date)
				),
				title=_("Invalid Period"),
			)

	def keep_server_fields(self):
		"""The cascade links a scorecard to its parent and its items to the parent's items;
		a client cannot make or break those links."""
		keep_stored_values(self, ("parent_scorecard",))
		before = None if self.is_new() else self.get_doc_before_save()
		sources = {row.name: row.source_item for row in before.items} if before else {}
		for item in self.items:
			item.source_item = sources.get(item.name)

	def keep_active_targets(self):
		"""An active scorecard's targets and weights change only through an approved KPI Target
		Revision (services/revisions.py), which keeps the earlier periods' targets and says why."""
		before = None if self.is_new() else self.get_doc_before_save()
		if not before or before.status != "Active" or self.flags.target_revision:
			return
		if self.status == "Draft" and frappe.db.exists(
			"KPI Measurement", {"scorecard": self.name, "docstatus": 1}
		):
			# a draft's targets change freely: back to Draft would be a way round the trail
			frappe.throw(
				_(
					"{0} has approved actuals, so it cannot go back to Draft, where its targets would change without a record. Change them with Revise Targets."
				).format(frappe.bold(self.title or self.name)),
				exc=TargetRevisionRequiredError,
				title=_("Revise Targets"),
			)

		def terms(card):
			items = sorted((item.kpi, flt(item.target), flt(item.weight)) for item in card.items)
			targets = sorted((row.kpi, str(row.period_start), flt(row.target)) for row in card.targets)
			return items, targets

		if terms(before) != terms(self):
			frappe.throw(
				_(
					"{0} is active: change its targets and weights with Revise Targets, which keeps the earlier periods' targets and records the reason."
				).format(frappe.bold(self.title or self.name)),
				exc=TargetRevisionRequiredError,
				title=_("Revise Targets"),
			)

	def set_owner_fields(self):
		"""Keep only the owner fields of the level: a company scorecard has no department; an
		employee's department is the one on their Employee record, not one a client sends."""
		if self.scorecard_for == "Company":
			self.department = self.employee = self.employee_name = None
		elif self.scorecard_for == "Department":
			self.employee = self.employee_name = None
			if not self.department:
				frappe.throw(_("Choose the department this scorecard is for."), frappe.MandatoryError)
			company = frappe.db.get_value("Department", self.department, "company")
			if company and company != self.company:
				frappe.throw(
					_("Department {0} belongs to {1}, not {2}.").format(
						frappe.bold(self.department), company, self.company
					)
				)
		else:
			if not self.employee:
				frappe.throw(_("Choose the employee this scorecard is for."), frappe.MandatoryError)
			owner = derived_owner(self)
			if not owner:
				frappe.throw(_("Employee {0} does not exist.").format(frappe.bold(self.employee)))
			if owner.company != self.company:
				frappe.throw(
					_("Employee {0} works for {1}, not {2}.").format(
						frappe.bold(self.employee), owner.company, self.company
					)
				)
			self.department = owner.department

	def set_title(self):
		owner = {"Company": self.company, "Department": self.department}.get(
			self.scorecard_for, self.employee_name or self.employee
		)
		self.title = scorecard_title(owner, self.from_date, self.to_date)

	def validate_duplicate_kpis(self):
		seen = {}
		for item in self.items:
			if item.kpi in seen:
				frappe.throw(
					_("KPI {0} appears twice, in rows {1} and {2}. Keep one row per KPI.").format(
						frappe.bold(item.kpi), seen[item.kpi], item.idx
					),
					exc=DuplicateKPIError,
					title=_("Duplicate KPI"),
				)
			seen[item.kpi] = item.idx

	def validate_overlap(self):
		scorecard = frappe.qb.DocType("KPI Scorecard")
		owner_field = {"Company": "company", "Department": "department", "Employee": "employee"}[
			self.scorecard_for
		]
		query = (
			frappe.qb.from_(scorecard)
			.select(scorecard.name)
			.where(
				(scorecard.scorecard_for == self.scorecard_for)
				& (scorecard[owner_field] == self.get(owner_field))
				& (scorecard.company == self.company)
				& (scorecard.name != (self.name or ""))
				& (scorecard.from_date <= self.to_date)
				& (scorecard.to_date >= self.from_date)
			)
			.limit(1)
		)
		if self.scorecard_for == "Company":
			query = query.where(scorecard.department.isnull() | (scorecard.department == ""))
		overlapping = query.run(pluck=True)
		if overlapping:
			frappe.throw(
				_(
					"{0} already has scorecard {1} overlapping {2} to {3}. Change the period or edit that scorecard."
				).format(
					frappe.bold(self.get(owner_field)),
					frappe.get_desk_link("KPI Scorecard", overlapping[0]),
					format_date(self.from_date),
					format_date(self.to_date),
				),
				exc=OverlappingScorecardError,
				title=_("Overlapping Scorecard"),
			)

	def validate_weights(self):
		weights = [flt(item.weight) for item in self.items]
		for item in self.items:
			if flt(item.weight) < 0:
				frappe.throw(
					_("Row {0}: the weight of {1} may not be negative.").format(
						item.idx, frappe.bold(item.kpi)
					),
					exc=ScorecardWeightError,
				)
		if self.normalise_weights:
			for item, weight in zip(self.items, normalise_weights(weights), strict=True):
				item.weight = flt(weight, 4)
		self.total_weight = flt(sum(flt(item.weight) for item in self.items), 4)
		if self.items and abs(self.total_weight - 100) > WEIGHT_TOLERANCE:
			frappe.throw(
				_("The KPI weights add up to {0}, not 100. Adjust them or tick Normalise Weights.").format(
					self.total_weight
				),
				exc=ScorecardWeightError,
				title=_("Weights Don't Add Up"),
			)

	def validate_items_with_engine(self, kpis: dict):
		for item in self.items:
			kpi = kpis.get(item.kpi)
			if not kpi:
				continue
			check_rule(scoring_rule(kpi, item), flt(item.target), context=_("Row {0}").format(item.idx))

	def validate_score_policy(self):
		"""The scorecard's own scale, floor, cap and colours over its company's, and its
		items' caps, must make a policy the engine accepts."""
		from kpibsc.kpibsc.services.score_policy import validate_scorecard_policy

		validate_scorecard_policy(self)

	def recompute_if_policy_changed(self):
		"""A changed score policy rescores the scorecard in the background."""
		from kpibsc.kpibsc.services.recompute import enqueue_recompute
		from kpibsc.kpibsc.services.score_policy import scorecard_policy_changed

		if scorecard_policy_changed(self):
			enqueue_recompute([self.name], queue="long")

	def set_phased_targets(self, kpis: dict):
		"""Rows the phasing keeps are updated in place, so the document history only shows
		targets that really changed (a re-save used to replace all 60 rows). Pinned targets
		(ticked, or typed over the phased value) stay; the rest of each target is spread."""
		existing = {(row.kpi, getdate(row.period_start)): row for row in self.targets}
		before = None if self.is_new() else self.get_doc_before_save()
		rows = []
		for phased in phased_rows(
			self.items,
			kpis,
			self.from_date,
			self.to_date,
			self.frequency,
			self.phasing,
			self.monthly_distribution,
			targets=self.targets,
			stored=before.targets if before else None,
		):
			row = existing.get((phased["kpi"], getdate(phased["period_start"])))
			if row:
				row.update(phased)
				rows.append(row)
			else:
				rows.append(phased)
		self.set("targets", rows)

	def onload(self):
		from kpibsc.kpibsc.services.scorecards import form_actions

		self.set_onload("actions", form_actions(self))
		self.set_onload("agreement", agreement.actions(self))
		self.set_onload("revision", revisions.actions(self))


@frappe.whitelist()
def cascade(
	scorecard: str,
	level: str,
	split_basis: str = "Evenly",
	units: str | list | None = None,
	include_sub_departments: bool = False,
) -> dict:
	"""Create or update the scorecards below this one; large cascades run in the background."""
	from kpibsc.kpibsc.services.cascade import cascade_scorecard

	if isinstance(units, str):
		units = frappe.parse_json(units) if units.strip() else None  # empty: everyone below
	return cascade_scorecard(scorecard, level, split_basis, units or None, bool(include_sub_departments))


@frappe.whitelist()
def get_cascade_children(scorecard: str) -> list[dict]:
	"""The scorecards made from this one, for the form's cascade summary."""
	frappe.get_doc("KPI Scorecard", scorecard).check_permission("read")
	return frappe.get_list(
		"KPI Scorecard",
		filters={"parent_scorecard": scorecard},
		fields=["name", "title", "scorecard_for", "status", "total_weight"],
		order_by="title",
	)


@frappe.whitelist()
def recompute_scores(scorecard: str, include_cascaded: bool = False) -> dict:
	"""Score the scorecard now (and the ones cascaded from it); many run in the background."""
	from kpibsc.kpibsc.services.recompute import (
		BACKGROUND_THRESHOLD,
		descendants,
		enqueue_recompute,
		recompute,
	)

	# scores are derived, never typed: whoever may read the scorecard may bring them up to date
	frappe.get_doc("KPI Scorecard", scorecard).check_permission("read")
	names = [scorecard, *(descendants([scorecard]) if include_cascaded else [])]
	if len(names) > BACKGROUND_THRESHOLD:
		enqueue_recompute(names)
		return {"queued": True, "scorecards": len(names)}
	return recompute(names)


def on_doctype_update():
	"""A recompute walks the cascade down a level at a time (`parent_scorecard in …`): without
	the index each level scans every scorecard of the site."""
	frappe.db.add_index("KPI Scorecard", ["parent_scorecard"])
