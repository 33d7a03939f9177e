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
	r := data.meshgov.lib.result("cluster does not encrypt local disks (enable_local_disk_encryption is false)", "enable_local_disk_encryption")
}

deny contains r if {
	input.type == "cluster"
	not "enable_local_disk_encryption" in object.keys(input.spec)
	not data.meshgov.lib.unknown("enable_local_disk_encryption")
	r := data.meshgov.lib.result("cluster does not encrypt local disks (enable_local_disk_encryption is not set)", "enable_local_disk_encryption")
}
