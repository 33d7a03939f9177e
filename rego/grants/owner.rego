# METADATA
# title: Catalogs and schemas are owned by groups
# description: >-
#   The owner of a catalog or schema is a group (or a service principal), not a person: a
#   user's e-mail address as owner is flagged.
# custom:
#   id: MG-I-031
#   severity: warning
#   resource_types: [catalog, schema]
#   remediation: Transfer ownership to the domain's owners group (ALTER CATALOG ... OWNER TO `group`).
package meshgov.infra.grants.owner

import rego.v1

deny contains r if {
	input.type in {"catalog", "schema"}
	owner := input.spec.owner
	is_string(owner)
	contains(owner, "@")
	r := {"msg": data.meshgov.lib.fmt([input.type, " is owned by the user ", owner, ", not a group"]), "resource": input.address, "field": "owner"}
}
