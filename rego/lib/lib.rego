# Helpers shared by the meshgov infra policies (not a policy: no custom.id).
package meshgov.lib

import rego.v1

# The infra parameters of the catalog (meshgov.yaml policies.params, tightened).
params := data.meshgov.params.infra

# A structured result: the message, the resource address and the attribute at fault.
result(msg, field) := {"msg": msg, "resource": input.address, "field": field}

# SQL warehouse sizes, smallest first.
sizes := ["2X-Small", "X-Small", "Small", "Medium", "Large", "X-Large", "2X-Large", "3X-Large", "4X-Large", "5X-Large"]

size_rank(s) := i if {
	some i, x in sizes
	x == s
}

# A cluster a job creates for its runs (job_clusters, tasks[].new_cluster, a job-run cluster).
is_job_cluster if input.context.job_cluster == true

# The major version of a Databricks Runtime: "13.3.x-scala2.12" -> 13.
runtime_major(v) := n if {
	is_string(v)
	n := number(substring(v, 0, indexof(v, ".")))
}

# A number, or a string of decimal digits as a number (undefined otherwise; never an error).
number(x) := x if is_number(x)

number(x) := to_number(x) if {
	is_string(x)
	x != ""
	trim_left(x, "0123456789") == ""
}

# A positive number.
positive(x) if {
	is_number(x)
	x > 0
}

# A value Terraform only knows after apply: it is set, its value is not known yet.
unknown(field) if field in input.unknown

# A message from parts: strings as they are, other values as JSON. (Used instead of sprintf,
# whose output differs between the embedded engines.)
fmt(parts) := concat("", [_str(p) | some p in parts])

# (one definition with else: regorus evaluates the second branch only for non-strings)
_str(x) := x if is_string(x)
else := json.marshal(x)
