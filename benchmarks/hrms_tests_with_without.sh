#!/usr/bin/env bash
# HRMS's own appraisal, appraisal cycle, payroll entry and salary slip tests, with kpibsc and
# without it, on the same data (issue #22).
#
# A fresh ERPNext + HRMS site has none of ERPNext's test records, so the data comes from a
# site that has them (one kpibsc's tier 2 has run on). Its database is copied into two new
# sites: PREFIXk.localhost keeps kpibsc, PREFIXn.localhost has it uninstalled (the bench
# still lists kpibsc in apps.txt; the site does not, so Frappe loads none of its hooks there,
# which `hrms_tests_env.py check` verifies before any test runs). Both are migrated and given
# the same test environment (`hrms_tests_env.py prepare`). Each module then runs on the site
# with kpibsc and straight after on the site without it, so both sides meet the same load.
# Output: OUT/with-<module>.log, OUT/without-<module>.log and OUT/compare.txt (per module the
# passes on each side and every failing test with its error: on both sides, or only on one).
# Exits 1 if a test fails only with kpibsc. The two sites are dropped at the end unless
# KEEP_SITES=1. The source site is only read (mysqldump --single-transaction).
#
#   cd /path/to/kpibsc
#   DB_ROOT_PASSWORD=... benchmarks/hrms_tests_with_without.sh SOURCE_SITE [PREFIX] [OUT]
#
# BENCH (default ~/frappe-bench), DB_ROOT_USER (default root), MODULES (space-separated, to
# run fewer). KPIBSC_REF=<commit> runs kpibsc as committed at that commit (a `git archive`
# put first on PYTHONPATH) instead of the working tree, when others are changing it.
# Takes 30-60 minutes on 2 cores.
set -euo pipefail

source_site=${1:?usage: hrms_tests_with_without.sh SOURCE_SITE [PREFIX] [OUT]}
prefix=${2:-hrmscmp}
here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-$HOME/frappe-bench}
out=${3:-$bench/logs/hrms_tests_with_without}
db_user=${DB_ROOT_USER:-root}
db_password=${DB_ROOT_PASSWORD:?set DB_ROOT_PASSWORD (MariaDB root password)}
modules=${MODULES:-hrms.hr.doctype.appraisal.test_appraisal hrms.hr.doctype.appraisal_cycle.test_appraisal_cycle hrms.payroll.doctype.payroll_entry.test_payroll_entry hrms.payroll.doctype.salary_slip.test_salary_slip}
with_site=${prefix}k.localhost
without_site=${prefix}n.localhost
python="$bench/env/bin/python"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "${KPIBSC_REF:-}" ]; then
	git -C "$here/.." archive "$KPIBSC_REF" | tar -x -C "$work"
	export PYTHONPATH="$work${PYTHONPATH:+:$PYTHONPATH}"
	echo "kpibsc from $(git -C "$here/.." rev-parse --short "$KPIBSC_REF")"
fi

cd "$bench"
db_name=$("$python" -c "import json, sys; print(json.load(open(sys.argv[1]))['db_name'])" "sites/$source_site/site_config.json")
mysqldump -u"$db_user" -p"$db_password" --single-transaction "$db_name" | gzip >"$work/source.sql.gz"

for site in "$with_site" "$without_site"; do
	bench new-site "$site" --force --db-root-username "$db_user" --db-root-password "$db_password" \
		--admin-password admin --mariadb-user-host-login-scope='%' --source_sql "$work/source.sql.gz" >"$out/setup-$site.log" 2>&1
	bench --site "$site" set-config allow_tests true >>"$out/setup-$site.log"
	bench --site "$site" migrate --skip-search-index >>"$out/setup-$site.log" 2>&1
done
bench --site "$without_site" uninstall-app kpibsc --yes --no-backup >>"$out/setup-$without_site.log" 2>&1

cd "$bench/sites"
"$python" "$here/hrms_tests_env.py" check "$with_site" with
"$python" "$here/hrms_tests_env.py" check "$without_site" without
for site in "$with_site" "$without_site"; do
	"$python" "$here/hrms_tests_env.py" prepare "$site"
done

cd "$bench"
for module in $modules; do
	for side in with without; do
		site=$with_site
		[ "$side" = without ] && site=$without_site
		CI=true bench --site "$site" run-tests --module "$module" >"$out/$side-$module.log" 2>&1 || true
		echo "$side kpibsc: $module: $(grep -E '^(OK|FAILED)' "$out/$side-$module.log" | tail -1)"
	done
done

status=0
# shellcheck disable=SC2086
"$python" "$here/hrms_tests_env.py" compare "$out" $modules | tee "$out/compare.txt" || status=$?

if [ "${KEEP_SITES:-}" != 1 ]; then
	for site in "$with_site" "$without_site"; do
		bench drop-site "$site" --db-root-username "$db_user" --db-root-password "$db_password" --force --no-backup >/dev/null
	done
fi
exit $status
