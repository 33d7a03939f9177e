package meshgov.infra.cluster.access_mode

import rego.v1

cl(spec) := {"type": "cluster", "address": "c", "spec": spec, "context": {}, "unknown": []}

test_uc_modes_pass if {
	count(deny) == 0 with input as cl({"data_security_mode": "SINGLE_USER"})
	count(deny) == 0 with input as cl({"data_security_mode": "USER_ISOLATION"})
}

test_legacy_fails if {
	count(deny) == 1 with input as cl({"data_security_mode": "NONE"})
	count(deny) == 1 with input as cl({"data_security_mode": "LEGACY_PASSTHROUGH"})
	count(deny) == 1 with input as cl({})
}
