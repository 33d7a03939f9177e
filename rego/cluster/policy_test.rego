package meshgov.infra.cluster.policy

import rego.v1

cl(spec, unknown) := {"type": "cluster", "address": "c", "spec": spec, "context": {}, "unknown": unknown}

test_policy_passes if count(deny) == 0 with input as cl({"policy_id": "E0631F5C0D000E6A"}, [])

test_known_after_apply_passes if count(deny) == 0 with input as cl({}, ["policy_id"])

test_no_policy_fails if count(deny) == 1 with input as cl({}, [])
