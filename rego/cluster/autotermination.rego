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

# `not f(x)` with x undefined is undefined in OPA (the rule does not fire) but true in the
# embedded engines: negate a helper rule instead, which is undefined -> false everywhere.
terminates if data.meshgov.lib.positive(input.spec.autotermination_minutes)

deny contains r if {
	input.type == "cluster"
	not input.context.job_cluster == true
	not terminates
	not "autotermination_minutes" in input.unknown
	r := {"msg": "cluster never terminates when idle: autotermination_minutes is not set or 0", "resource": input.address, "field": "autotermination_minutes"}
}

deny contains r if {
	input.type == "cluster"
	not input.context.job_cluster == true
	mins := input.spec.autotermination_minutes
	limit := data.meshgov.params.infra.cluster.max_autotermination_minutes
	is_number(mins)
	mins > 0
	mins > limit
	r := {"msg": data.meshgov.lib.fmt(["cluster autotermination_minutes ", mins, " is above the allowed ", limit]), "resource": input.address, "field": "autotermination_minutes"}
}
