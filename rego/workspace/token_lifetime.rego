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


days := to_number(input.spec.maxTokenLifetimeDays)

deny contains r if {
	input.type == "workspace_conf"
	not data.meshgov.lib.positive(days)
	r := data.meshgov.lib.result("workspace does not limit personal access token lifetime (maxTokenLifetimeDays)", "maxTokenLifetimeDays")
}

deny contains r if {
	input.type == "workspace_conf"
	data.meshgov.lib.positive(days)
	days > data.meshgov.lib.params.workspace.max_token_lifetime_days
	r := data.meshgov.lib.result(data.meshgov.lib.fmt(["workspace allows tokens for ", days, " days (allowed: ", data.meshgov.lib.params.workspace.max_token_lifetime_days, ")"]), "maxTokenLifetimeDays")
}
