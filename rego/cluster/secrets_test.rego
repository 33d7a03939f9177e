package meshgov.infra.cluster.secrets

import rego.v1

cl(spec) := {"type": "cluster", "address": "c", "spec": spec, "context": {}, "unknown": []}

test_secret_reference_passes if count(deny) == 0 with input as cl({"spark_env_vars": {"DB_PASSWORD": "{{secrets/etl/db}}"}, "spark_conf": {"spark.sql.shuffle.partitions": "8"}})

test_plain_password_fails if {
	some r in deny with input as cl({"spark_env_vars": {"DB_PASSWORD": "hunter2"}})
	r.field == "spark_env_vars.DB_PASSWORD"
	not contains(r.msg, "hunter2")
}

test_token_value_fails if count(deny) == 1 with input as cl({"spark_conf": {"spark.custom.x": "dapi0123456789abcdef0123456789abcdef"}})
