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
	major := data.meshgov.lib.runtime_major(v)
	major < data.meshgov.lib.params.cluster.min_runtime_major
	r := data.meshgov.lib.result(data.meshgov.lib.fmt(["cluster runtime ", v, " is deprecated (oldest allowed major version: ", data.meshgov.lib.params.cluster.min_runtime_major, ")"]), "spark_version")
}

deny contains r if {
	input.type == "cluster"
	not input.spec.spark_version
	not data.meshgov.lib.unknown("spark_version")
	r := data.meshgov.lib.result("cluster has no spark_version (runtime version)", "spark_version")
}
