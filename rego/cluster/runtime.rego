# METADATA
# title: Clusters run a supported Databricks Runtime
# description: >-
#   spark_version is a Databricks Runtime of major version infra.cluster.min_runtime_major or
#   later (older runtimes are deprecated or out of support).
# custom:
#   id: MG-I-013
#   severity: error
#   resource_types: [cluster]
#   remediation: Move spark_version to a supported LTS runtime (e.g. 15.4.x-scala2.12).
package meshgov.infra.cluster.runtime

import rego.v1

deny contains r if {
	input.type == "cluster"
	v := input.spec.spark_version
	is_string(v)
	head := substring(v, 0, indexof(v, "."))
	head != ""
	trim_left(head, "0123456789") == ""
	to_number(head) < data.meshgov.params.infra.cluster.min_runtime_major
	r := {"msg": data.meshgov.lib.fmt(["cluster runtime ", v, " is deprecated (oldest allowed major version: ", data.meshgov.params.infra.cluster.min_runtime_major, ")"]), "resource": input.address, "field": "spark_version"}
}

deny contains r if {
	input.type == "cluster"
	not input.spec.spark_version
	not "spark_version" in input.unknown
	r := {"msg": "cluster has no spark_version (runtime version)", "resource": input.address, "field": "spark_version"}
}
