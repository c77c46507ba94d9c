import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt, format_date, getdate


class StrategyWeightError(frappe.ValidationError):
	pass


class Strategy(Document):
	def validate(self):
		self.validate_dates()
		self.validate_perspective_weights()
		self.validate_one_active_strategy()

	def validate_dates(self):
		if getdate(self.from_date) > getdate(self.to_date):
			frappe.throw(
				_("The strategy ends on {0}, before it starts on {1}.").format(
					format_date(self.to_date), format_date(self.from_date)
				),
				title=_("Invalid Period"),
			)

	def validate_perspective_weights(self):
		seen = set()
		for row in self.perspectives:
			if row.perspective in seen:
				frappe.throw(
					_("Perspective {0} is listed twice.").format(frappe.bold(row.perspective)),
					StrategyWeightError,
				)
			if flt(row.weight) < 0:
				frappe.throw(_("Row {0}: weights may not be negative.").format(row.idx), StrategyWeightError)
			seen.add(row.perspective)
		total = sum(flt(row.weight) for row in self.perspectives)
		if self.perspectives and abs(total - 100) > 0.01:
			frappe.throw(
				_("The perspective weights add up to {0}, not 100.").format(flt(total, 2)),
				StrategyWeightError,
				title=_("Weights Don't Add Up"),
			)

	def validate_one_active_strategy(self):
		if self.status != "Active":
			return
		strategy = frappe.qb.DocType("Strategy")
		other = (
			frappe.qb.from_(strategy)
			.select(strategy.name)
			.where(
				(strategy.company == self.company)
				& (strategy.status == "Active")
				& (strategy.name != (self.name or ""))
				& (strategy.from_date <= self.to_date)
				& (strategy.to_date >= self.from_date)
			)
			.limit(1)
			.run(pluck=True)
		)
		if other:
			frappe.throw(
				_("Strategy {0} is already active for {1} in this period. Close it first.").format(
					frappe.get_desk_link("Strategy", other[0]), self.company
				),
				title=_("Another Active Strategy"),
			)

	def before_insert(self):
		if not self.perspectives:
			self.set_default_perspectives()

	def set_default_perspectives(self):
		for perspective in frappe.get_all(
			"BSC Perspective", fields=["name", "default_weight"], order_by="sort_order asc"
		):
			self.append(
				"perspectives", {"perspective": perspective.name, "weight": perspective.default_weight}
			)
