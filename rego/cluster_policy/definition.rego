# METADATA
# title: Cluster policies pin the access mode and bound auto-termination
# description: >-
#   A cluster policy definition fixes or allow-lists data_security_mode within
#   infra.cluster.allowed_access_modes, and limits autotermination_minutes to at most
#   infra.cluster.max_autotermination_minutes (a policy only for job clusters, whose
#   cluster_type is fixed to job, need not: job clusters end with their run).
# custom:
#   id: MG-I-022
#   severity: warning
#   resource_types: [cluster_policy]
#   remediation: >-
#     Add data_security_mode (type fixed or allowlist) and autotermination_minutes (type fixed,
#     or range with a maxValue) to the policy definition.
package meshgov.infra.cluster_policy.definition

import rego.v1

definition := object.get(input.spec, "definition", {})

modes := {m | m := definition.data_security_mode.value; definition.data_security_mode.type == "fixed"} | {m | some m in definition.data_security_mode.values; definition.data_security_mode.type == "allowlist"}

# `not f(x)` with x undefined is undefined in OPA (the rule does not fire) but true in the
# embedded engines: negate a helper rule instead, which is undefined -> false everywhere.
bounded if data.meshgov.lib.positive(bound)

deny contains r if {
	input.type == "cluster_policy"
	count(modes) == 0
	r := {"msg": "cluster policy does not fix or allow-list data_security_mode", "resource": input.address, "field": "definition.data_security_mode"}
}

deny contains r if {
	input.type == "cluster_policy"
	some m in modes
	not m in data.meshgov.params.infra.cluster.allowed_access_modes
	r := {"msg": data.meshgov.lib.fmt(["cluster policy allows access mode ", m]), "resource": input.address, "field": "definition.data_security_mode"}
}

bound := definition.autotermination_minutes.value if definition.autotermination_minutes.type == "fixed"

bound := definition.autotermination_minutes.maxValue if definition.autotermination_minutes.type == "range"

deny contains r if {
	input.type == "cluster_policy"
	not data.meshgov.lib.job_only_policy(definition)
	not bounded
	r := {"msg": "cluster policy does not bound autotermination_minutes", "resource": input.address, "field": "definition.autotermination_minutes"}
}

deny contains r if {
	input.type == "cluster_policy"
	is_number(bound)
	bound > 0
	bound > data.meshgov.params.infra.cluster.max_autotermination_minutes
	r := {"msg": data.meshgov.lib.fmt(["cluster policy allows autotermination_minutes up to ", bound, " (allowed: ", data.meshgov.params.infra.cluster.max_autotermination_minutes, ")"]), "resource": input.address, "field": "definition.autotermination_minutes"}
}
