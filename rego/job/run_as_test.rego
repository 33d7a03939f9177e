package meshgov.infra.job.run_as

import rego.v1

job(spec) := {"type": "job", "address": "j", "spec": spec, "context": {}, "unknown": []}

test_service_principal_passes if {
	count(deny) == 0 with input as job({"run_as": {"service_principal_name": "9f0c1a2b-0000-4000-8000-000000000001"}})
	count(deny) == 0 with input as job({"run_as_user_name": "9f0c1a2b-0000-4000-8000-000000000001"})
}

test_user_fails if {
	count(deny) == 1 with input as job({"run_as": {"user_name": "jane@corp.example"}})
	count(deny) == 1 with input as job({})
}
