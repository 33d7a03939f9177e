package meshgov.infra.job.limits

import rego.v1

job(spec) := {"type": "job", "address": "j", "spec": spec, "context": {}, "unknown": []}

test_limited_passes if count(deny) == 0 with input as job({"timeout_seconds": 3600, "max_concurrent_runs": 1})

test_no_limits_fail if count(deny) == 2 with input as job({})

test_too_many_runs_fails if {
	some r in deny with input as job({"timeout_seconds": 3600, "max_concurrent_runs": 50})
	r.field == "max_concurrent_runs"
}
