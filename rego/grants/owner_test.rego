package meshgov.infra.grants.owner

import rego.v1

cat(owner) := {"type": "catalog", "address": "k", "spec": {"name": "sales_prod", "owner": owner}, "context": {}, "unknown": []}

test_group_owner_passes if count(deny) == 0 with input as cat("sales-owners")

test_user_owner_fails if count(deny) == 1 with input as cat("jane@corp.example")
