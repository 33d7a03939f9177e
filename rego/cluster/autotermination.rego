# METADATA
# title: Interactive clusters terminate when idle
# description: >-
#   autotermination_minutes is set, not 0, and at most infra.cluster.max_autotermination_minutes.
#   Job clusters end with their run and are not concerned.
# custom:
#   id: MG-I-010
#   severity: error
#   resource_types: [cluster]
#   remediation: Set autotermination_minutes between 10 and infra.cluster.max_autotermination_minutes.
package meshgov.infra.cluster.autotermination

import rego.v1


deny contains r if {
	input.type == "cluster"
	not data.meshgov.lib.is_job_cluster
	not data.meshgov.lib.positive(input.spec.autotermination_minutes)
	not data.meshgov.lib.unknown("autotermination_minutes")
	r := data.meshgov.lib.result("cluster never terminates when idle: autotermination_minutes is not set or 0", "autotermination_minutes")
}

deny contains r if {
	input.type == "cluster"
	not data.meshgov.lib.is_job_cluster
	mins := input.spec.autotermination_minutes
	limit := data.meshgov.lib.params.cluster.max_autotermination_minutes
	data.meshgov.lib.positive(mins)
	mins > limit
	r := data.meshgov.lib.result(data.meshgov.lib.fmt(["cluster autotermination_minutes ", mins, " is above the allowed ", limit]), "autotermination_minutes")
}
