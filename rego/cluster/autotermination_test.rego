package meshgov.infra.cluster.autotermination

import rego.v1

cl(spec, ctx) := {"type": "cluster", "address": "c", "spec": spec, "context": ctx, "unknown": []}

test_bounded_passes if count(deny) == 0 with input as cl({"autotermination_minutes": 60}, {})

test_off_fails if {
	count(deny) == 1 with input as cl({"autotermination_minutes": 0}, {})
	count(deny) == 1 with input as cl({}, {})
}

test_too_long_fails if count(deny) == 1 with input as cl({"autotermination_minutes": 600}, {})

test_job_cluster_ignored if count(deny) == 0 with input as cl({}, {"job_cluster": true})
