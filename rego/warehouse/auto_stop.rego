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

# `not f(x)` with x undefined is undefined in OPA (the rule does not fire) but true in the
# embedded engines: negate a helper rule instead, which is undefined -> false everywhere.
stops if data.meshgov.lib.positive(input.spec.auto_stop_mins)

deny contains r if {
	input.type == "warehouse"
	not stops
	not "auto_stop_mins" in input.unknown
	r := {"msg": "SQL warehouse never stops when idle: auto_stop_mins is not set or 0", "resource": input.address, "field": "auto_stop_mins"}
}

deny contains r if {
	input.type == "warehouse"
	mins := input.spec.auto_stop_mins
	limit := data.meshgov.params.infra.warehouse.max_auto_stop_mins
	is_number(mins)
	mins > 0
	mins > limit
	r := {"msg": data.meshgov.lib.fmt(["SQL warehouse auto_stop_mins ", mins, " is above the allowed ", limit]), "resource": input.address, "field": "auto_stop_mins"}
}
