package meshgov.infra.cluster.tags

import rego.v1

cl(tags) := {"type": "cluster", "address": "c", "spec": {"custom_tags": tags}, "context": {}, "unknown": []}

test_all_tags_pass if count(deny) == 0 with input as cl({"owner": "a", "domain": "sales", "cost-center": "42"})

test_missing_tags_fail if {
	some r in deny with input as cl({"owner": "a"})
	r.msg == "cluster is missing required custom_tags: cost-center, domain"
}

test_empty_value_fails if count(deny) == 1 with input as cl({"owner": "", "domain": "sales", "cost-center": "42"})
