# METADATA
# title: SQL warehouses are at most the allowed size
# description: >-
#   A SQL warehouse's cluster_size is at most infra.warehouse.max_size (X-Large by default):
#   bigger warehouses need the council's approval (cost).
# custom:
#   id: MG-I-001
#   severity: error
#   resource_types: [warehouse]
#   remediation: Set cluster_size to infra.warehouse.max_size or smaller, or ask the council for a waiver.
package meshgov.infra.warehouse.size

import rego.v1


deny contains r if {
	input.type == "warehouse"
	size := input.spec.cluster_size
	limit := data.meshgov.params.infra.warehouse.max_size
	data.meshgov.lib.size_rank(size) > data.meshgov.lib.size_rank(limit)
	r := {"msg": data.meshgov.lib.fmt(["SQL warehouse size ", size, " is larger than the allowed ", limit]), "resource": input.address, "field": "cluster_size"}
}

deny contains r if {
	input.type == "warehouse"
	size := object.get(input.spec, "cluster_size", null)
	not data.meshgov.lib.size_rank(size)
	not "cluster_size" in input.unknown
	r := {"msg": data.meshgov.lib.fmt(["SQL warehouse cluster_size ", size, " is not a known size"]), "resource": input.address, "field": "cluster_size"}
}
