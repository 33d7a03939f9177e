# METADATA
# title: Clusters carry the required tags
# description: >-
#   custom_tags has every key of infra.cluster.required_tags (owner, domain, cost-center by
#   default) with a non-empty value, for cost attribution.
# custom:
#   id: MG-I-014
#   severity: warning
#   resource_types: [cluster]
#   remediation: Add the missing keys to custom_tags.
package meshgov.infra.cluster.tags

import rego.v1

tags := object.get(input.spec, "custom_tags", {})

missing contains tag if {
	some tag in data.meshgov.params.infra.cluster.required_tags
	object.get(tags, tag, "") == ""
}

deny contains r if {
	input.type == "cluster"
	present := object.get(input.spec, "custom_tags", {})
	some tag in data.meshgov.params.infra.cluster.required_tags
	object.get(present, tag, "") == ""
	not "custom_tags" in input.unknown
	r := {"msg": data.meshgov.lib.fmt(["cluster is missing required custom_tags: ", concat(", ", sort([t | some t in missing]))]), "resource": input.address, "field": "custom_tags"}
}
