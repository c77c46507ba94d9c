from frappe import _lt
from frappe.model.document import Document

# The four standard perspectives shipped as fixtures, listed here so their names are
# translated (BSC Perspective is a translated DocType).
STANDARD_PERSPECTIVES = (
	_lt("Financial"),
	_lt("Customer"),
	_lt("Internal Process"),
	_lt("Learning & Growth"),
)


class BSCPerspective(Document):
	pass
