# METADATA
# title: Cluster policies admit only clusters the cluster rules pass
# description: >-
#   A cluster policy definition is at least as tight as the council's cluster parameters: it
#   admits no runtime older than infra.cluster.min_runtime_major, no more workers than
#   infra.cluster.max_workers, no cluster without each of infra.cluster.required_tags or
#   without local disk encryption, no optional access mode, and (unless it only admits job
#   clusters) no cluster that never terminates. The policies `meshgov infra
#   compile-cluster-policies` writes pass; in the nightly audit a finding is drift: a workspace
#   policy looser than the compiled one. (Access modes and the auto-termination upper bound
#   are MG-I-022.)
# custom:
#   id: MG-I-023
#   severity: warning
#   resource_types: [cluster_policy]
#   remediation: >-
#     Replace the definition with the one `meshgov infra compile-cluster-policies` writes for
#     the domain, or tighten the attribute named in the finding.
package meshgov.infra.cluster_policy.tightness

import rego.v1

params := data.meshgov.params.infra.cluster

definition := object.get(input.spec, "definition", {})

# An attribute's limitation; one missing from the definition is not limited ("unlimited").
limit(name) := object.get(definition, name, {"type": "unlimited"})

kind(a) := object.get(a, "type", "unlimited")

optional(a) if object.get(a, "isOptional", false) == true

# Whether a limitation admits a string value. Databricks anchors a policy regex to the whole
# value, so the pattern is wrapped in ^(?:...)$ here.
admits(a, _) if kind(a) == "unlimited"

admits(a, value) if {
	kind(a) == "fixed"
	a.value == value
}

admits(a, value) if {
	kind(a) == "allowlist"
	value in a.values
}

admits(a, value) if {
	kind(a) == "blocklist"
	not value in a.values
}

admits(a, value) if {
	kind(a) == "regex"
	is_string(a.pattern)
	regex.match(concat("", ["^(?:", a.pattern, ")$"]), value)
}

# A numeric limitation that never admits more than `most`.
at_most(a, _) if kind(a) == "forbidden"

at_most(a, most) if {
	kind(a) == "fixed"
	is_number(a.value)
	a.value <= most
}

at_most(a, most) if {
	kind(a) == "range"
	is_number(a.maxValue)
	a.maxValue <= most
}

at_most(a, most) if {
	kind(a) == "allowlist"
	count([v | some v in a.values; not small(v, most)]) == 0
}

small(v, most) if {
	is_number(v)
	v <= most
}

# -- runtime: probe every deprecated major version ----------------------------------------

# Deprecated versions a limitation could admit: probes of every major below the minimum, and
# the versions the limitation itself names.
probes contains v if {
	params.min_runtime_major > 1
	some major in numbers.range(1, params.min_runtime_major - 1)
	some suffix in [".3.x-scala2.12", ".x-scala2.12", ".3.x-cpu-ml-scala2.12"]
	v := concat("", [format_int(major, 10), suffix])
}

named(a) := {v | some v in array.concat([object.get(a, "value", null)], object.get(a, "values", [])); is_string(v)}

old_runtimes(a) := {v |
	some v in (probes | named(a))
	data.meshgov.lib.runtime_major(v) < params.min_runtime_major
	admits(a, v)
}

deny contains r if {
	input.type == "cluster_policy"
	admitted := old_runtimes(limit("spark_version"))
	count(admitted) > 0

	# the newest deprecated version admitted (not max() or sort() of numbers: regopy orders
	# numbers as text, 9 after 12)
	example := sort([v | some v in admitted; not newer_admitted(v, admitted)])[0]
	r := {"msg": data.meshgov.lib.fmt(["cluster policy admits deprecated runtime ", example, " (oldest allowed major version: ", params.min_runtime_major, ")"]), "resource": input.address, "field": "definition.spark_version"}
}

newer_admitted(v, admitted) if {
	some w in admitted
	data.meshgov.lib.runtime_major(w) > data.meshgov.lib.runtime_major(v)
}

# -- workers ------------------------------------------------------------------------------

loose_workers := [name | some name in ["num_workers", "autoscale.max_workers"]; not at_most(limit(name), params.max_workers)]

deny contains r if {
	input.type == "cluster_policy"
	count(loose_workers) > 0
	r := {"msg": data.meshgov.lib.fmt(["cluster policy does not limit ", concat(" and ", loose_workers), " to at most ", params.max_workers]), "resource": input.address, "field": concat("", ["definition.", loose_workers[0]])}
}

# -- required tags: present and not empty --------------------------------------------------

tag_required(a) if {
	kind(a) == "fixed"
	is_string(a.value)
	a.value != ""
}

tag_required(a) if {
	kind(a) in {"allowlist", "regex"}
	not optional(a)
	not admits(a, "")
}

loose_tags := [tag | some tag in params.required_tags; not tag_required(limit(concat("", ["custom_tags.", tag])))]

deny contains r if {
	input.type == "cluster_policy"
	count(loose_tags) > 0
	r := {"msg": data.meshgov.lib.fmt(["cluster policy does not require non-empty custom tags: ", concat(", ", sort(loose_tags)), " (a fixed value, or an allowlist / regex that is not optional and rejects an empty value)"]), "resource": input.address, "field": concat("", ["definition.custom_tags.", sort(loose_tags)[0]])}
}

# -- local disk encryption -----------------------------------------------------------------

deny contains r if {
	input.type == "cluster_policy"
	a := limit("enable_local_disk_encryption")
	not fixed_true(a)
	r := {"msg": "cluster policy does not fix enable_local_disk_encryption to true", "resource": input.address, "field": "definition.enable_local_disk_encryption"}
}

fixed_true(a) if {
	kind(a) == "fixed"
	a.value == true
}

# -- access mode and auto-termination may not be left out ---------------------------------

deny contains r if {
	input.type == "cluster_policy"
	a := limit("data_security_mode")
	kind(a) in {"allowlist", "regex", "range", "unlimited", "blocklist"}
	optional(a)
	r := {"msg": "cluster policy makes data_security_mode optional: a cluster without it has no Unity Catalog access mode", "resource": input.address, "field": "definition.data_security_mode"}
}

deny contains r if {
	input.type == "cluster_policy"
	not data.meshgov.lib.job_only_policy(definition)
	a := limit("autotermination_minutes")
	never_terminates(a)
	r := {"msg": "cluster policy admits clusters that never terminate (autotermination_minutes may be 0 or left out)", "resource": input.address, "field": "definition.autotermination_minutes"}
}

never_terminates(a) if {
	kind(a) == "range"
	not data.meshgov.lib.positive(object.get(a, "minValue", 0))
}

never_terminates(a) if {
	kind(a) == "allowlist"
	some v in a.values
	not data.meshgov.lib.positive(v)
}

never_terminates(a) if {
	kind(a) in {"range", "allowlist"}
	optional(a)
}
