#!/bin/bash
# Builds the bench on the first start (Frappe, ERPNext, HRMS on version-15 and this checkout as
# kpibsc), creates the site with the demo company and prints the logins; then serves it.
set -euo pipefail

SITE=${SITE:-kpibsc.localhost}
DB_ROOT_PASSWORD=${DB_ROOT_PASSWORD:-123}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-admin}
BENCH=/home/frappe/frappe-bench
YEAR=$(date +%Y)

print_logins() {
	cat <<TEXT

  kpibsc is ready: http://localhost:8000  (site $SITE)

  Administrator      admin password: $ADMIN_PASSWORD
  Demo people        password: KpiDemo@2026
    ceo@kpidemo.example              KPI Manager (CEO)
    mai.ngo@kpidemo.example          HR Manager, head of Human Resources
    an.nguyen@kpidemo.example        head of Sales
    bich.tran@kpidemo.example        employee in Sales
  (every demo employee has a login: given name.family name@kpidemo.example)

TEXT
}

if [ -d "$BENCH/apps/frappe" ] && [ -d "$BENCH/sites/$SITE" ]; then
	echo "Bench already exists, skipping init"
	cd "$BENCH"
	print_logins
	exec bench start
fi

echo "Creating the bench (the first start takes a while)…"
# the volume mounted at $BENCH may exist but be empty
bench init --skip-redis-config-generation --frappe-branch version-15 --ignore-exist "$BENCH"
cd "$BENCH"

# the containers instead of localhost
bench set-mariadb-host mariadb
bench set-redis-cache-host redis://redis:6379
bench set-redis-queue-host redis://redis:6379
bench set-redis-socketio-host redis://redis:6379
# redis runs in its own container; nothing to watch
sed -i '/redis/d' ./Procfile
sed -i '/watch/d' ./Procfile

bench get-app --branch version-15 erpnext
bench get-app --branch version-15 hrms
bench get-app kpibsc /workspace

bench new-site "$SITE" \
	--force \
	--mariadb-root-password "$DB_ROOT_PASSWORD" \
	--admin-password "$ADMIN_PASSWORD" \
	--no-mariadb-socket
bench --site "$SITE" install-app erpnext
bench --site "$SITE" install-app hrms
bench --site "$SITE" execute frappe.desk.page.setup_wizard.setup_wizard.setup_complete --kwargs "{'args': {
	'language': 'English', 'country': 'Vietnam', 'timezone': 'Asia/Ho_Chi_Minh', 'currency': 'VND',
	'full_name': 'Demo Admin', 'email': 'admin@kpidemo.example', 'password': '$ADMIN_PASSWORD',
	'company_name': 'Demo Setup Co', 'company_abbr': 'DSC', 'company_tagline': 'kpibsc demo',
	'industry': 'Services', 'domains': [], 'chart_of_accounts': 'Standard',
	'fy_start_date': '$YEAR-01-01', 'fy_end_date': '$YEAR-12-31',
	'setup_demo': 0, 'enable_telemetry': 0, 'allow_recording_first_session': 0}}"
bench --site "$SITE" install-app kpibsc
bench --site "$SITE" set-config mute_emails 1
bench --site "$SITE" execute kpibsc.demo.setup
bench use "$SITE"

print_logins
exec bench start
