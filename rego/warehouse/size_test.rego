package meshgov.infra.warehouse.size

import rego.v1

wh(size) := {"type": "warehouse", "address": "w", "spec": {"cluster_size": size}, "context": {}, "unknown": []}

test_allowed_size_passes if {
	count(deny) == 0 with input as wh("X-Large")
	count(deny) == 0 with input as wh("Small")
}

test_too_large_fails if {
	some r in deny with input as wh("2X-Large")
	r.field == "cluster_size"
	r.resource == "w"
}

test_unknown_size_fails if count(deny) == 1 with input as wh("Huge")

test_other_types_ignored if count(deny) == 0 with input as {"type": "cluster", "address": "c", "spec": {}, "context": {}, "unknown": []}

test_rank_matches_lib_sizes if {
	rank == {s: i | some i, s in data.meshgov.lib.sizes}
}
