package meshgov.infra.cluster_policy.tightness

import rego.v1

pol(def) := {"type": "cluster_policy", "address": "p", "spec": {"definition": def}, "context": {}, "unknown": []}

fixture_params := {"infra": {"cluster": {"min_runtime_major": 13, "max_workers": 20, "required_tags": ["owner"]}}}

tight := {
	"spark_version": {"type": "regex", "pattern": "(1[3-9]|[2-9][0-9]|[1-9][0-9]{2,})\\..*"},
	"num_workers": {"type": "range", "maxValue": 20, "isOptional": true},
	"autoscale.max_workers": {"type": "range", "maxValue": 10, "isOptional": true},
	"custom_tags.owner": {"type": "regex", "pattern": ".+", "isOptional": false},
	"enable_local_disk_encryption": {"type": "fixed", "value": true},
	"data_security_mode": {"type": "allowlist", "values": ["SINGLE_USER"]},
	"autotermination_minutes": {"type": "range", "minValue": 10, "maxValue": 60},
}

fields(def) := f if {
	f := {r.field | some r in deny} with input as pol(def) with data.meshgov.params as fixture_params
}

test_tight_policy_passes if count(fields(tight)) == 0

test_empty_policy_is_loose_everywhere if {
	fields({}) == {
		"definition.spark_version", "definition.num_workers",
		"definition.custom_tags.owner", "definition.enable_local_disk_encryption",
	}
}

test_old_runtime_allowlisted if fields(object.union(tight, {"spark_version": {"type": "allowlist", "values": ["12.2.x-scala2.12", "13.3.x-scala2.12"]}})) == {"definition.spark_version"}

test_unanchored_regex_is_anchored if count(fields(object.union(tight, {"spark_version": {"type": "regex", "pattern": "1[3-9]\\..*"}}))) == 0

test_workers_above_limit if fields(object.union(tight, {"num_workers": {"type": "range", "maxValue": 50}})) == {"definition.num_workers"}

test_optional_tag_is_loose if fields(object.union(tight, {"custom_tags.owner": {"type": "regex", "pattern": ".+", "isOptional": true}})) == {"definition.custom_tags.owner"}

test_tag_admitting_empty_is_loose if fields(object.union(tight, {"custom_tags.owner": {"type": "regex", "pattern": ".*"}})) == {"definition.custom_tags.owner"}

test_fixed_tag_passes if count(fields(object.union(tight, {"custom_tags.owner": {"type": "fixed", "value": "team-a"}}))) == 0

test_autotermination_zero_admitted if fields(object.union(tight, {"autotermination_minutes": {"type": "range", "minValue": 0, "maxValue": 60}})) == {"definition.autotermination_minutes"}

test_job_only_policy_may_leave_autotermination_out if count(fields(object.union(tight, {"autotermination_minutes": {"type": "range", "minValue": 0, "maxValue": 60}, "cluster_type": {"type": "fixed", "value": "job"}}))) == 0

test_optional_access_mode_is_loose if fields(object.union(tight, {"data_security_mode": {"type": "allowlist", "values": ["SINGLE_USER"], "isOptional": true}})) == {"definition.data_security_mode"}

test_disk_encryption_not_fixed if fields(object.union(tight, {"enable_local_disk_encryption": {"type": "unlimited"}})) == {"definition.enable_local_disk_encryption"}
