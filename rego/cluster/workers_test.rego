package meshgov.infra.cluster.workers

import rego.v1

cl(spec) := {"type": "cluster", "address": "c", "spec": spec, "context": {}, "unknown": []}

test_small_passes if {
	count(deny) == 0 with input as cl({"num_workers": 4})
	count(deny) == 0 with input as cl({"autoscale": {"min_workers": 1, "max_workers": 20}})
}

test_big_fails if {
	count(deny) == 1 with input as cl({"num_workers": 50})
	some r in deny with input as cl({"autoscale": {"min_workers": 1, "max_workers": 21}})
	r.field == "autoscale.max_workers"
}
