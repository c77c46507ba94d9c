"""A newcomer's first hour (README "Getting started"): what the desk offers someone who has
just installed kpibsc, in English and in Vietnamese.

- The KPI BSC workspace opens with *Set up your Balanced Scorecard*: seven steps, in the
  user's language; the first one leads to the KPI list, where **Load KPI Library** sits beside
  Add KPI (it used to hide in the list's menu behind an empty list) and opens the library.
- An HR user who is not an employee (a new HR Manager's first login) lands on My Work and sees
  the review cycles and pay runs, instead of *Not Permitted*.

The newcomers are made by Administrator as users with a language and roles (through the API
from Administrator's desk: making users is not what these flows test); they log in through
the login page like everyone else.
"""

import pytest
from conftest import URL
from desk import Desk

PASSWORD = "Tier3-newcomer-flows!"
NEWCOMERS = {
	# key: email, first name, language, roles
	"kpi_vi": ("kpi.newcomer@kpibsc.test", "Lan", "vi", ["KPI Manager"]),
	"hr_vi": ("hr.newcomer@kpibsc.test", "Hoa", "vi", ["HR Manager", "HR User"]),
}
STEPS = {
	"en": (
		"Set up your Balanced Scorecard",
		[
			"Pick KPIs from the library",
			"Write the company's strategy",
			"Make the company scorecard",
			"Cascade it to departments and people",
			"Enter an actual and approve it",
			"See the Balanced Scorecard",
			"Give people their KPI roles",
		],
		"Open the KPI list",
		"Load KPI Library",
	),
	"vi": (
		"Thiết lập Thẻ điểm cân bằng",
		[
			"Chọn KPI từ thư viện",
			"Viết chiến lược của công ty",
			"Tạo thẻ điểm công ty",
			"Phân bổ xuống phòng ban và từng người",
			"Nhập số thực tế và duyệt",
			"Xem Thẻ điểm cân bằng",
			"Cấp vai trò KPI cho mọi người",
		],
		"Mở danh sách KPI",
		"Nạp thư viện KPI",
	),
}


@pytest.fixture(scope="module")
def admin(browser, info):
	desk = Desk(browser, "admin", "Administrator", "admin", URL, info["site"])
	desk.login()
	yield desk
	desk.close()


@pytest.fixture(scope="module")
def newcomers(browser, info, admin):
	"""key -> logged-in desk of a user Administrator has just made."""
	opened: dict[str, Desk] = {}
	for key, (email, first_name, language, roles) in NEWCOMERS.items():
		admin.page.evaluate(
			"""async ([email, first_name, language, roles, password]) => {
				if (await frappe.db.exists("User", email)) return;
				await frappe.xcall("frappe.client.insert", {doc: {
					doctype: "User", email, first_name, language, send_welcome_email: 0,
					new_password: password, roles: roles.map((role) => ({role})),
				}});
			}""",
			[email, first_name, language, roles, PASSWORD],
		)
		admin.check()
		desk = Desk(browser, key, email, PASSWORD, URL, info["site"])
		desk.login()
		opened[key] = desk
	yield opened
	for desk in opened.values():
		desk.close()


def onboarding_steps(desk) -> list[str]:
	desk.page.wait_for_selector(".page-container:visible .onboarding-step .step-text")
	return [
		text.strip()
		for text in desk.page.locator(".page-container:visible .onboarding-step .step-text").all_inner_texts()
	]


@pytest.mark.parametrize("language", ["en", "vi"])
def test_workspace_guides_the_first_steps(admin, newcomers, language):
	desk = admin if language == "en" else newcomers["kpi_vi"]
	desk.reset()
	title, steps, open_list, load_library = STEPS[language]
	desk.go("Workspaces", "KPI BSC")
	desk.expect_text(title)
	assert onboarding_steps(desk) == steps

	desk.page.locator(".page-container:visible .onboarding-step", has_text=steps[0]).click()
	desk.page.locator(".page-container:visible .onboarding-step-footer button", has_text=open_list).click()
	desk.page.wait_for_function("() => frappe.get_route()[0] === 'List' && frappe.get_route()[1] === 'KPI'")
	desk.wait_idle()
	desk.close_dialogs()  # the onboarding's "continue when you are done" message

	# the library beside Add KPI, not only in the menu
	desk.page.locator(".page-container:visible .page-head button", has_text=load_library).first.click()
	dialog = desk.dialog()
	dialog.wait_for()
	assert load_library in dialog.locator(".modal-title").inner_text()
	desk.close_dialogs()
	desk.check()


def test_hr_newcomer_without_an_employee_lands_on_my_work(newcomers):
	desk = newcomers["hr_vi"]
	desk.reset()
	desk.open_url("/app")
	desk.page.wait_for_selector(".my-work-section", state="visible")
	desk.wait_idle()
	assert not desk.refusals(), desk.refusals()
	page_text = desk.page.locator(".page-container:visible").first.inner_text()
	assert "Không được phép" not in page_text, page_text[:400]  # Not Permitted, in Vietnamese
	desk.expect_text("Công việc của tôi")  # My Work, in the user's language
	desk.expect_text("Chu kỳ đánh giá")  # Review Cycles
	sections = desk.page.evaluate(
		"() => [...document.querySelectorAll('.page-container:not([style*=\"display: none\"]) .my-work-section')]"
		".map((el) => el.dataset.section)"
	)
	assert {"reviews", "pay_runs"} <= set(sections), sections
	desk.check()
