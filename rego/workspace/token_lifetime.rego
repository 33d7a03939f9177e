# METADATA
# title: Personal access tokens expire
# description: >-
#   The workspace configuration sets maxTokenLifetimeDays, not 0 (unlimited), and at most
#   infra.workspace.max_token_lifetime_days.
# custom:
#   id: MG-I-041
#   severity: warning
#   resource_types: [workspace_conf]
#   remediation: Set maxTokenLifetimeDays to infra.workspace.max_token_lifetime_days or less.
package meshgov.infra.workspace.token_lifetime

import rego.v1

days := data.meshgov.lib.number(input.spec.maxTokenLifetimeDays)

# `not f(x)` with x undefined is undefined in OPA (the rule does not fire) but true in the
# embedded engines: negate a helper rule instead, which is undefined -> false everywhere.
limited if data.meshgov.lib.positive(days)

deny contains r if {
	input.type == "workspace_conf"
	not limited
	r := {"msg": "workspace does not limit personal access token lifetime (maxTokenLifetimeDays)", "resource": input.address, "field": "maxTokenLifetimeDays"}
}

deny contains r if {
	input.type == "workspace_conf"
	is_number(days)
	days > 0
	days > data.meshgov.params.infra.workspace.max_token_lifetime_days
	r := {"msg": data.meshgov.lib.fmt(["workspace allows tokens for ", days, " days (allowed: ", data.meshgov.params.infra.workspace.max_token_lifetime_days, ")"]), "resource": input.address, "field": "maxTokenLifetimeDays"}
}
