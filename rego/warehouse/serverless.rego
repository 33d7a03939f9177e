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
	data.meshgov.lib.params.warehouse.require_serverless == true
	not serverless
	r := data.meshgov.lib.result("SQL warehouse is not serverless (enable_serverless_compute is not true)", "enable_serverless_compute")
}

deny contains r if {
	input.type == "warehouse"
	data.meshgov.lib.params.warehouse.require_serverless != true
	not serverless
	upper(object.get(input.spec, "warehouse_type", "CLASSIC")) != "PRO"
	r := data.meshgov.lib.result("SQL warehouse is neither serverless nor PRO (warehouse_type CLASSIC)", "warehouse_type")
}
