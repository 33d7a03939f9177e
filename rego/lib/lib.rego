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

# A message from parts: strings as they are, numbers in one decimal notation, other values as
# JSON. (Not sprintf, nor json.marshal for numbers: the engines print numbers differently —
# OPA keeps the input's literal "21.0", regorus prints 21, rego-cpp 21.000000.)
fmt(parts) := concat("", [_str(p) | some p in parts])

# (one definition with else: regorus evaluates the later branches only when the earlier fail)
_str(x) := x if is_string(x)

else := number_text(x) if is_number(x)

else := json.marshal(x)

# A number as text, the same on every engine: integers as digits, other numbers with at most
# six decimals (rounded); beyond 1e15 (no real setting is) as JSON.
number_text(x) := format_int(x, 10) if {
	x == floor(x)
	abs(x) < 1e15
}

else := _decimal(x) if abs(x) < 1e9

else := json.marshal(x)

_decimal(x) := concat("", [sign, whole, point, frac]) if {
	digits := format_int(round(abs(x) * 1000000), 10)
	padded := concat("", [substring("0000000", 0, max([0, 7 - count(digits)])), digits])
	whole := substring(padded, 0, count(padded) - 6)
	frac := trim_right(substring(padded, count(padded) - 6, 6), "0")
	point := {true: ".", false: ""}[frac != ""]
	sign := {true: "-", false: ""}[x < 0]
}

# A cluster policy definition that only admits job (or pipeline) clusters: its virtual
# cluster_type attribute is fixed to, or allow-lists only, "job" / "dlt". Such clusters end
# with their run, so auto-termination does not concern them (as in MG-I-010).
job_only_policy(definition) if {
	definition.cluster_type.type == "fixed"
	definition.cluster_type.value in {"job", "dlt"}
}

job_only_policy(definition) if {
	definition.cluster_type.type == "allowlist"
	count(definition.cluster_type.values) > 0
	count([v | some v in definition.cluster_type.values; not v in {"job", "dlt"}]) == 0
}
