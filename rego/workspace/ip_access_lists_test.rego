package meshgov.infra.workspace.ip_access_lists

import rego.v1

conf(spec) := {"type": "workspace_conf", "address": "w", "spec": spec, "context": {}, "unknown": []}

test_enabled_passes if count(deny) == 0 with input as conf({"enableIpAccessLists": "true"})

test_disabled_fails if {
	count(deny) == 1 with input as conf({"enableIpAccessLists": "false"})
	count(deny) == 1 with input as conf({})
}
