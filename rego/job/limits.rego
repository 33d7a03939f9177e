# METADATA
# title: Jobs set a timeout and bound concurrent runs
# description: >-
#   timeout_seconds is set (not 0) and max_concurrent_runs is set and at most
#   infra.job.max_concurrent_runs, so that a stuck or runaway job cannot run up costs.
# custom:
#   id: MG-I-021
#   severity: warning
#   resource_types: [job]
#   remediation: Set timeout_seconds and max_concurrent_runs (at most infra.job.max_concurrent_runs).
package meshgov.infra.job.limits

import rego.v1

# `not f(x)` with x undefined is undefined in OPA (the rule does not fire) but true in the
# embedded engines: negate a helper rule instead, which is undefined -> false everywhere.
has_timeout if data.meshgov.lib.positive(input.spec.timeout_seconds)
has_max_runs if data.meshgov.lib.positive(input.spec.max_concurrent_runs)

deny contains r if {
	input.type == "job"
	not has_timeout
	r := {"msg": "job has no timeout (timeout_seconds is not set or 0)", "resource": input.address, "field": "timeout_seconds"}
}

deny contains r if {
	input.type == "job"
	not has_max_runs
	r := {"msg": "job does not set max_concurrent_runs", "resource": input.address, "field": "max_concurrent_runs"}
}

deny contains r if {
	input.type == "job"
	n := input.spec.max_concurrent_runs
	limit := data.meshgov.params.infra.job.max_concurrent_runs
	is_number(n)
	n > 0
	n > limit
	r := {"msg": data.meshgov.lib.fmt(["job max_concurrent_runs ", n, " is above the allowed ", limit]), "resource": input.address, "field": "max_concurrent_runs"}
}
