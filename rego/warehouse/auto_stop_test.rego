package meshgov.infra.warehouse.auto_stop

import rego.v1

wh(spec) := {"type": "warehouse", "address": "w", "spec": spec, "context": {}, "unknown": []}

test_bounded_passes if count(deny) == 0 with input as wh({"auto_stop_mins": 30})

test_never_stops_fails if {
	count(deny) == 1 with input as wh({"auto_stop_mins": 0})
	count(deny) == 1 with input as wh({})
}

test_too_long_fails if count(deny) == 1 with input as wh({"auto_stop_mins": 240})
