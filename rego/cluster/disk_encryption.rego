# METADATA
# title: Clusters encrypt local disks
# description: enable_local_disk_encryption is true (data spilled to local disks is encrypted).
# custom:
#   id: MG-I-015
#   severity: warning
#   resource_types: [cluster]
#   remediation: Set enable_local_disk_encryption = true.
package meshgov.infra.cluster.disk_encryption

import rego.v1

deny contains r if {
	input.type == "cluster"
	input.spec.enable_local_disk_encryption != true
	r := {"msg": "cluster does not encrypt local disks (enable_local_disk_encryption is false)", "resource": input.address, "field": "enable_local_disk_encryption"}
}

deny contains r if {
	input.type == "cluster"
	object.get(input.spec, "enable_local_disk_encryption", null) == null
	not "enable_local_disk_encryption" in input.unknown
	r := {"msg": "cluster does not encrypt local disks (enable_local_disk_encryption is not set)", "resource": input.address, "field": "enable_local_disk_encryption"}
}
