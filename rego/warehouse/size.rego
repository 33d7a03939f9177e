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

# data.meshgov.lib.sizes as {size: rank}, spelled out: an object constant is cheaper to look up
# than size_rank() in regorus (size_test.rego checks that the two agree)
rank := {"2X-Small": 0, "X-Small": 1, "Small": 2, "Medium": 3, "Large": 4, "X-Large": 5, "2X-Large": 6, "3X-Large": 7, "4X-Large": 8, "5X-Large": 9}

deny contains r if {
	input.type == "warehouse"
	size := input.spec.cluster_size
	limit := data.meshgov.params.infra.warehouse.max_size
	rank[size] > rank[limit]
	r := {"msg": data.meshgov.lib.fmt(["SQL warehouse size ", size, " is larger than the allowed ", limit]), "resource": input.address, "field": "cluster_size"}
}

deny contains r if {
	input.type == "warehouse"
	size := object.get(input.spec, "cluster_size", null)
	not rank[size]
	not "cluster_size" in input.unknown
	r := {"msg": data.meshgov.lib.fmt(["SQL warehouse cluster_size ", size, " is not a known size"]), "resource": input.address, "field": "cluster_size"}
}
