# METADATA
# title: Workspaces are not reachable from the public internet
# description: >-
#   An Azure Databricks workspace disables public network access (Private Link only); its
#   clusters should also have no public IP (secure cluster connectivity).
# custom:
#   id: MG-I-042
#   severity: error
#   resource_types: [workspace]
#   remediation: Set publicNetworkAccess to Disabled (public_network_access_enabled = false) and enableNoPublicIp to true.
package meshgov.infra.workspace.network

import rego.v1

deny contains r if {
	input.type == "workspace"
	access := object.get(input.spec, "public_network_access", null)
	access != null
	access != "Disabled"
	r := {"msg": data.meshgov.lib.fmt(["workspace allows public network access (publicNetworkAccess: ", access, ")"]), "resource": input.address, "field": "public_network_access"}
}

deny contains r if {
	input.type == "workspace"
	object.get(input.spec, "public_network_access", null) == null
	r := {"msg": "workspace allows public network access (publicNetworkAccess is not set: Azure's default is Enabled)", "resource": input.address, "field": "public_network_access"}
}

warn contains r if {
	input.type == "workspace"
	object.get(input.spec, "no_public_ip", null) != true
	r := {"msg": "workspace clusters may get public IPs (enableNoPublicIp is not true)", "resource": input.address, "field": "no_public_ip"}
}
