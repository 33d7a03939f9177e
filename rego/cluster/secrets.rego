# METADATA
# title: No plain-text secrets in cluster configuration
# description: >-
#   spark_conf and spark_env_vars values are secret references ({{secrets/scope/key}}), never
#   plain-text passwords, tokens or keys (anyone who can view the cluster can read them):
#   keys that name a secret (password, token, access key...), the well-known credential keys
#   of spark_conf (Azure storage account keys fs.azure.account.key.*, SAS tokens fs.azure.sas.*,
#   AWS fs.s3a.access.key / secret.key / session.token, the metastore's ConnectionPassword),
#   values that look like a credential (Databricks PAT, AWS key id, GitHub/Slack tokens, PEM)
#   and values that carry one (a JDBC URL or connection string with password=, AccountKey=,
#   a SAS query with sig=).
# custom:
#   id: MG-I-016
#   severity: error
#   resource_types: [cluster]
#   remediation: Store the value in a secret scope and reference it as {{secrets/<scope>/<key>}}.
package meshgov.infra.cluster.secrets

import rego.v1

# key names that announce a secret (compared in lower case, without "_", "." and "-")
secret_words := ["password", "passwd", "secret", "token", "credential", "privatekey", "accesskey", "apikey"]

# value prefixes of well-known credentials (Databricks PAT, AWS key id, Slack, GitHub, PEM)
secret_prefixes := ["dapi", "AKIA", "xoxb-", "xoxp-", "xoxa-", "ghp_", "gho_", "ghs_", "github_pat_", "-----BEGIN"]

# spark_conf keys (lower case, with or without spark.hadoop.) whose value is a credential
credential_keys := ["fs.azure.account.key.", "fs.azure.sas.", "fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.session.token", "fs.s3n.awsaccesskeyid", "fs.s3n.awssecretaccesskey", "javax.jdo.option.connectionpassword"]

# a credential inside a value (matched in lower case): password=... in a JDBC URL, AccountKey=...
# in a connection string, sig=... of a SAS. No (?i): rego-cpp (regopy) leaves such a match undefined.
embedded_credential := `(^|[;?&:\s])(password|pwd|accountkey|sharedaccesskey|sig)=[^;&{\s]`

# {{secrets/scope/key}}: a reference, not a value
reference(value) if {
	startswith(value, "{{secrets/")
	endswith(value, "}}")
}

plain contains [block, key] if {
	some block in ["spark_conf", "spark_env_vars"]
	some key, value in object.get(input.spec, block, {})
	is_string(value)
	value != ""
	flat := replace(replace(replace(lower(key), "_", ""), ".", ""), "-", "")
	some word in secret_words
	contains(flat, word)
	not reference(value)
}

plain contains [block, key] if {
	some block in ["spark_conf", "spark_env_vars"]
	some key, value in object.get(input.spec, block, {})
	is_string(value)
	count(value) >= 16
	some prefix in secret_prefixes
	startswith(value, prefix)
}

plain contains [block, key] if {
	some block in ["spark_conf", "spark_env_vars"]
	some key, value in object.get(input.spec, block, {})
	is_string(value)
	value != ""
	some credential in credential_keys
	contains(lower(key), credential)
	not reference(value)
}

plain contains [block, key] if {
	some block in ["spark_conf", "spark_env_vars"]
	some key, value in object.get(input.spec, block, {})
	is_string(value)
	regex.match(embedded_credential, lower(value))
}

deny contains r if {
	input.type == "cluster"
	some pair in plain
	r := {"msg": data.meshgov.lib.fmt([pair[0], ".", pair[1], " holds a plain-text secret; use a {{secrets/scope/key}} reference"]), "resource": input.address, "field": data.meshgov.lib.fmt([pair[0], ".", pair[1]])}
}
