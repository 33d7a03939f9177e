package meshgov.infra.cluster.disk_encryption

import rego.v1

cl(spec) := {"type": "cluster", "address": "c", "spec": spec, "context": {}, "unknown": []}

test_encrypted_passes if count(deny) == 0 with input as cl({"enable_local_disk_encryption": true})

test_unencrypted_fails if {
	count(deny) == 1 with input as cl({"enable_local_disk_encryption": false})
	count(deny) == 1 with input as cl({})
}
