# METADATA
# title: Cluster size is bounded
# description: >-
#   num_workers and autoscale.max_workers are at most infra.cluster.max_workers.
# custom:
#   id: MG-I-011
#   severity: error
#   resource_types: [cluster]
#   remediation: Lower num_workers / autoscale.max_workers to infra.cluster.max_workers, or ask the council for a waiver.
package meshgov.infra.cluster.workers

import rego.v1

deny contains r if {
	input.type == "cluster"
	n := input.spec.num_workers
	limit := data.meshgov.params.infra.cluster.max_workers
	is_number(n)
	n > limit
	r := {"msg": data.meshgov.lib.fmt(["cluster num_workers ", n, " is above the allowed ", limit]), "resource": input.address, "field": "num_workers"}
}

deny contains r if {
	input.type == "cluster"
	n := input.spec.autoscale.max_workers
	limit := data.meshgov.params.infra.cluster.max_workers
	is_number(n)
	n > limit
	r := {"msg": data.meshgov.lib.fmt(["cluster autoscale.max_workers ", n, " is above the allowed ", limit]), "resource": input.address, "field": "autoscale.max_workers"}
}
