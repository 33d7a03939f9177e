# METADATA
# title: Workspaces enforce IP access lists
# description: The workspace configuration enables IP access lists (enableIpAccessLists = "true").
# custom:
#   id: MG-I-040
#   severity: error
#   resource_types: [workspace_conf]
#   remediation: Set enableIpAccessLists = "true" in the workspace configuration and define the allowed ranges.
package meshgov.infra.workspace.ip_access_lists

import rego.v1

deny contains r if {
	input.type == "workspace_conf"
	lower(object.get(input.spec, "enableIpAccessLists", "")) != "true"
	r := {"msg": "workspace does not enable IP access lists (enableIpAccessLists)", "resource": input.address, "field": "enableIpAccessLists"}
}
