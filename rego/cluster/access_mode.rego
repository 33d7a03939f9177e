# METADATA
# title: Clusters use a Unity Catalog access mode
# description: >-
#   data_security_mode is one of infra.cluster.allowed_access_modes (SINGLE_USER or
#   USER_ISOLATION); NONE, the legacy modes and an unset mode bypass Unity Catalog.
# custom:
#   id: MG-I-012
#   severity: error
#   resource_types: [cluster]
#   remediation: Set data_security_mode to SINGLE_USER (dedicated) or USER_ISOLATION (standard).
package meshgov.infra.cluster.access_mode

import rego.v1

deny contains r if {
	input.type == "cluster"
	mode := object.get(input.spec, "data_security_mode", "NONE")
	not mode in data.meshgov.params.infra.cluster.allowed_access_modes
	not "data_security_mode" in input.unknown
	r := {"msg": data.meshgov.lib.fmt(["cluster access mode ", mode, " is not a Unity Catalog access mode (allowed: ", concat(", ", data.meshgov.params.infra.cluster.allowed_access_modes), ")"]), "resource": input.address, "field": "data_security_mode"}
}
