package meshgov.infra.workspace.network

import rego.v1

ws(spec) := {"type": "workspace", "address": "w", "spec": spec, "context": {}, "unknown": []}

test_private_passes if {
	count(deny) == 0 with input as ws({"public_network_access": "Disabled", "no_public_ip": true})
	count(warn) == 0 with input as ws({"public_network_access": "Disabled", "no_public_ip": true})
}

test_public_fails if {
	count(deny) == 1 with input as ws({"public_network_access": "Enabled", "no_public_ip": true})
	count(deny) == 1 with input as ws({})
}

test_public_ip_warns if count(warn) == 1 with input as ws({"public_network_access": "Disabled"})
