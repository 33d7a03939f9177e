# METADATA
# title: No ALL_PRIVILEGES to broad groups
# description: >-
#   No grant gives ALL_PRIVILEGES (or MANAGE) to a group of infra.grants.broad_principals
#   (account users, users, all users).
# custom:
#   id: MG-I-030
#   severity: error
#   resource_types: [grants]
#   remediation: Grant the specific privileges needed (e.g. USE_CATALOG, SELECT) to a domain group instead.
package meshgov.infra.grants.broad_privileges

import rego.v1

broad := {lower(p) | some p in data.meshgov.params.infra.grants.broad_principals}

deny contains r if {
	input.type == "grants"
	some g in input.spec.grants
	some priv in g.privileges
	priv in {"ALL_PRIVILEGES", "MANAGE"}
	lower(g.principal) in broad
	r := {"msg": data.meshgov.lib.fmt([priv, " granted to the broad group '", g.principal, "' on ", input.spec.securable_type, " ", input.spec.securable_name]), "resource": input.address, "field": "grants"}
}
