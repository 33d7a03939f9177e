# METADATA
# title: SQL warehouses stop when idle
# description: >-
#   auto_stop_mins is set, not 0 (never), and at most infra.warehouse.max_auto_stop_mins.
# custom:
#   id: MG-I-002
#   severity: error
#   resource_types: [warehouse]
#   remediation: Set auto_stop_mins between 1 and infra.warehouse.max_auto_stop_mins (serverless warehouses can stop after 5 minutes).
package meshgov.infra.warehouse.auto_stop

import rego.v1


deny contains r if {
	input.type == "warehouse"
	not data.meshgov.lib.positive(input.spec.auto_stop_mins)
	not data.meshgov.lib.unknown("auto_stop_mins")
	r := data.meshgov.lib.result("SQL warehouse never stops when idle: auto_stop_mins is not set or 0", "auto_stop_mins")
}

deny contains r if {
	input.type == "warehouse"
	mins := input.spec.auto_stop_mins
	limit := data.meshgov.lib.params.warehouse.max_auto_stop_mins
	data.meshgov.lib.positive(mins)
	mins > limit
	r := data.meshgov.lib.result(data.meshgov.lib.fmt(["SQL warehouse auto_stop_mins ", mins, " is above the allowed ", limit]), "auto_stop_mins")
}
