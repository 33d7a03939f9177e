package meshgov.infra.warehouse.serverless

import rego.v1

wh(spec) := {"type": "warehouse", "address": "w", "spec": spec, "context": {}, "unknown": []}

test_serverless_passes if count(deny) == 0 with input as wh({"enable_serverless_compute": true})

test_pro_passes if count(deny) == 0 with input as wh({"warehouse_type": "PRO"})

test_classic_fails if {
	count(deny) == 1 with input as wh({"warehouse_type": "CLASSIC"})
	count(deny) == 1 with input as wh({})
}
