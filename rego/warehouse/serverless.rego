# METADATA
# title: SQL warehouses are serverless or PRO
# description: >-
#   With infra.warehouse.require_serverless a warehouse enables serverless compute; otherwise it
#   is at least a PRO warehouse (CLASSIC warehouses lack Unity Catalog features).
# custom:
#   id: MG-I-003
#   severity: warning
#   resource_types: [warehouse]
#   remediation: Set enable_serverless_compute = true (or warehouse_type = "PRO").
package meshgov.infra.warehouse.serverless

import rego.v1

serverless if input.spec.enable_serverless_compute == true

deny contains r if {
	input.type == "warehouse"
	not input.spec.enable_serverless_compute == true
	data.meshgov.params.infra.warehouse.require_serverless == true
	r := {"msg": "SQL warehouse is not serverless (enable_serverless_compute is not true)", "resource": input.address, "field": "enable_serverless_compute"}
}

deny contains r if {
	input.type == "warehouse"
	not input.spec.enable_serverless_compute == true
	data.meshgov.params.infra.warehouse.require_serverless != true
	upper(object.get(input.spec, "warehouse_type", "CLASSIC")) != "PRO"
	r := {"msg": "SQL warehouse is neither serverless nor PRO (warehouse_type CLASSIC)", "resource": input.address, "field": "warehouse_type"}
}
