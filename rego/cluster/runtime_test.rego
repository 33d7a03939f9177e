package meshgov.infra.cluster.runtime

import rego.v1

cl(spec) := {"type": "cluster", "address": "c", "spec": spec, "context": {}, "unknown": []}

test_recent_passes if {
	count(deny) == 0 with input as cl({"spark_version": "15.4.x-scala2.12"})
	count(deny) == 0 with input as cl({"spark_version": "13.3.x-photon-scala2.12"})
}

test_deprecated_fails if count(deny) == 1 with input as cl({"spark_version": "11.3.x-scala2.12"})

test_missing_fails if count(deny) == 1 with input as cl({})
