package meshgov.infra.grants.broad_privileges

import rego.v1

gr(grants) := {"type": "grants", "address": "g", "spec": {"securable_type": "catalog", "securable_name": "sales_prod", "grants": grants}, "context": {}, "unknown": []}

test_specific_privileges_pass if count(deny) == 0 with input as gr([{"principal": "account users", "privileges": ["USE_CATALOG"]}, {"principal": "sales-admins", "privileges": ["ALL_PRIVILEGES"]}])

test_all_privileges_to_users_fails if {
	some r in deny with input as gr([{"principal": "Account Users", "privileges": ["ALL_PRIVILEGES"]}])
	r.msg == "ALL_PRIVILEGES granted to the broad group 'Account Users' on catalog sales_prod"
}
