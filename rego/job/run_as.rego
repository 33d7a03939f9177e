# METADATA
# title: Jobs run as a service principal
# description: >-
#   A job's run_as names a service principal, not a user (jobs that run as a person break when
#   the person leaves and run with that person's privileges).
# custom:
#   id: MG-I-020
#   severity: error
#   resource_types: [job]
#   remediation: Set run_as.service_principal_name to the domain's deployment service principal.
package meshgov.infra.job.run_as

import rego.v1

# an application id: 8-4-4-4-12 hexadecimal digits (36 characters, checked first: cheap)
uuid(x) if {
	is_string(x)
	count(x) == 36
	[count(p) | some p in split(x, "-")] == [8, 4, 4, 4, 12]
	trim(lower(x), "0123456789abcdef-") == ""
}

service_principal if object.get(object.get(input.spec, "run_as", {}), "service_principal_name", "") != ""

# the Jobs API reports the identity as run_as_user_name: a service principal's application id
service_principal if uuid(object.get(input.spec, "run_as_user_name", ""))

service_principal if data.meshgov.lib.unknown("run_as.service_principal_name")

deny contains r if {
	input.type == "job"
	not object.get(object.get(input.spec, "run_as", {}), "service_principal_name", "") != ""
	not service_principal
	r := {"msg": "job does not run as a service principal (run_as.service_principal_name is not set)", "resource": input.address, "field": "run_as"}
}
