"""The one-command demo (docker/): these machines cannot pull images, so CI checks the files
themselves — the compose file is consistent and the script is valid bash that builds what the
README promises."""

import subprocess
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[1] / "docker"


def compose() -> dict:
	return yaml.safe_load((DOCKER / "docker-compose.yml").read_text())


def test_services_and_volumes_are_consistent():
	config = compose()
	services = config["services"]
	assert set(services) == {"mariadb", "redis", "frappe"}
	assert services["mariadb"]["image"].startswith("mariadb:10.6")
	assert services["frappe"]["image"].startswith("frappe/bench")
	assert set(services["frappe"]["depends_on"]) == {"mariadb", "redis"}
	assert "8000:8000" in services["frappe"]["ports"]
	named = {
		volume.split(":")[0]
		for service in services.values()
		for volume in service.get("volumes", [])
		if not volume.startswith((".", "/"))
	}
	assert named == set(config["volumes"]), "every named volume is declared, and only those"


def test_frappe_runs_the_init_script_of_the_mounted_checkout():
	frappe = compose()["services"]["frappe"]
	assert "..:/workspace" in frappe["volumes"]
	assert frappe["command"] == "bash /workspace/docker/init.sh"
	env = dict(item.split("=", 1) for item in frappe["environment"])
	assert env["DB_ROOT_PASSWORD"] == compose()["services"]["mariadb"]["environment"]["MYSQL_ROOT_PASSWORD"]


def test_init_script_is_valid_bash():
	result = subprocess.run(["bash", "-n", str(DOCKER / "init.sh")], capture_output=True, text=True)
	assert result.returncode == 0, result.stderr


def test_init_script_builds_version_15_with_the_demo():
	script = (DOCKER / "init.sh").read_text()
	for step in (
		"--frappe-branch version-15",
		"get-app --branch version-15 erpnext",
		"get-app --branch version-15 hrms",
		"get-app kpibsc /workspace",
		"install-app kpibsc",
		"execute kpibsc.demo.setup",
		"set-mariadb-host mariadb",
	):
		assert step in script, step


def demo_module() -> dict:
	"""kpibsc.demo's constants and its demo_email function, without importing Frappe."""
	import ast
	import unicodedata

	source = (DOCKER.parent / "kpibsc" / "demo.py").read_text()
	tree = ast.parse(source)
	wanted = [
		node
		for node in tree.body
		if (
			isinstance(node, ast.Assign)
			and node.targets[0].id in ("DEMO_PASSWORD", "DEMO_DOMAIN", "CEO_USER")
		)
		or (isinstance(node, ast.FunctionDef) and node.name == "demo_email")
	]
	namespace = {"unicodedata": unicodedata}
	exec(compile(ast.Module(body=wanted, type_ignores=[]), "demo.py", "exec"), namespace)
	return namespace


def test_printed_logins_are_the_demos():
	demo = demo_module()
	script = (DOCKER / "init.sh").read_text()
	assert demo["DEMO_PASSWORD"] in script
	assert demo["CEO_USER"] in script
	for name in ("Nguyễn Văn An", "Trần Thị Bích", "Ngô Thị Mai"):
		assert demo["demo_email"](name) in script
