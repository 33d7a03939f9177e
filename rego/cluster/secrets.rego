# METADATA
# title: No plain-text secrets in cluster configuration
# description: >-
#   spark_conf and spark_env_vars values are secret references ({{secrets/scope/key}}), never
#   plain-text passwords, tokens or keys (anyone who can view the cluster can read them).
# custom:
#   id: MG-I-016
#   severity: error
#   resource_types: [cluster]
#   remediation: Store the value in a secret scope and reference it as {{secrets/<scope>/<key>}}.
package meshgov.infra.cluster.secrets

import rego.v1


secret_key := `(password|passwd|secret|token|credential|private[_.-]?key|access[_.-]?key|api[_.-]?key)`

secret_value := `^(dapi[0-9a-f]{32}|AKIA[0-9A-Z]{16}|xox[baprs]-[0-9A-Za-z-]{10,}|gh[pousr]_[0-9A-Za-z]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY-----)`

secret_ref := `^\{\{secrets/[^/}]+/[^}]+\}\}$`

plain contains [block, key] if {
	some block in ["spark_conf", "spark_env_vars"]
	some key, value in object.get(input.spec, block, {})
	is_string(value)
	value != ""
	not regex.match(secret_ref, value)
	regex.match(secret_key, lower(key))
}

plain contains [block, key] if {
	some block in ["spark_conf", "spark_env_vars"]
	some key, value in object.get(input.spec, block, {})
	is_string(value)
	regex.match(secret_value, value)
}

deny contains r if {
	input.type == "cluster"
	some pair in plain
	r := data.meshgov.lib.result(data.meshgov.lib.fmt([pair[0], ".", pair[1], " holds a plain-text secret; use a {{secrets/scope/key}} reference"]), data.meshgov.lib.fmt([pair[0], ".", pair[1]]))
}
