# METADATA
# title: Clusters use a cluster policy
# description: >-
#   policy_id is set, so that the council's cluster policies constrain what a cluster can be.
# custom:
#   id: MG-I-017
#   severity: warning
#   resource_types: [cluster]
#   remediation: Set policy_id to one of the domain's cluster policies.
package meshgov.infra.cluster.policy

import rego.v1

deny contains r if {
	input.type == "cluster"
	object.get(input.spec, "policy_id", "") == ""
	not "policy_id" in input.unknown
	r := {"msg": "cluster does not use a cluster policy (policy_id is not set)", "resource": input.address, "field": "policy_id"}
}
