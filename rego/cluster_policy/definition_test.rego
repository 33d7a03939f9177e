package meshgov.infra.cluster_policy.definition

import rego.v1

pol(def) := {"type": "cluster_policy", "address": "p", "spec": {"definition": def}, "context": {}, "unknown": []}

good := {
	"data_security_mode": {"type": "allowlist", "values": ["SINGLE_USER", "USER_ISOLATION"]},
	"autotermination_minutes": {"type": "range", "maxValue": 60},
}

test_good_policy_passes if count(deny) == 0 with input as pol(good)

test_fixed_passes if count(deny) == 0 with input as pol({"data_security_mode": {"type": "fixed", "value": "SINGLE_USER"}, "autotermination_minutes": {"type": "fixed", "value": 30}})

test_empty_policy_fails if count(deny) == 2 with input as pol({})

test_loose_policy_fails if count(deny) == 2 with input as pol({"data_security_mode": {"type": "allowlist", "values": ["NONE", "SINGLE_USER"]}, "autotermination_minutes": {"type": "range", "maxValue": 1000}})

test_job_only_policy_need_not_bound_autotermination if count(deny) == 0 with input as pol({"data_security_mode": {"type": "fixed", "value": "SINGLE_USER"}, "cluster_type": {"type": "fixed", "value": "job"}})

test_all_purpose_policy_must_bound_autotermination if count(deny) == 1 with input as pol({"data_security_mode": {"type": "fixed", "value": "SINGLE_USER"}, "cluster_type": {"type": "fixed", "value": "all-purpose"}})
