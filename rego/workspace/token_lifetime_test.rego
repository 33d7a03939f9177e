package meshgov.infra.workspace.token_lifetime

import rego.v1

conf(spec) := {"type": "workspace_conf", "address": "w", "spec": spec, "context": {}, "unknown": []}

test_bounded_passes if count(deny) == 0 with input as conf({"maxTokenLifetimeDays": "30"})

test_unlimited_fails if {
	count(deny) == 1 with input as conf({"maxTokenLifetimeDays": "0"})
	count(deny) == 1 with input as conf({})
}

test_too_long_fails if count(deny) == 1 with input as conf({"maxTokenLifetimeDays": "365"})
