package meshgov.lib

import rego.v1

test_size_rank if {
	size_rank("2X-Small") == 0
	size_rank("X-Large") == 5
	not size_rank("Huge")
}

test_runtime_major if {
	runtime_major("13.3.x-scala2.12") == 13
	runtime_major("9.1.x-scala2.12") == 9
	not runtime_major("custom:latest")
}

test_positive if {
	positive(1)
	not positive(0)
	not positive("5")
}

test_number_text if {
	number_text(21) == "21"
	number_text(21.0) == "21"
	number_text(-3) == "-3"
	number_text(21.5) == "21.5"
	number_text(0.1) == "0.1"
	number_text(-0.25) == "-0.25"
	number_text(1.0000004) == "1"
	number_text(199.99999999999997) == "200"
	number_text(123456789012) == "123456789012"
	fmt(["n=", 7.5, " s=", "x", " l=", [1]]) == "n=7.5 s=x l=[1]"
}

test_job_only_policy_fixed if job_only_policy({"cluster_type": {"type": "fixed", "value": "job"}})

test_job_only_policy_allowlist if job_only_policy({"cluster_type": {"type": "allowlist", "values": ["job", "dlt"]}})

test_all_purpose_policy_is_not_job_only if not job_only_policy({"cluster_type": {"type": "allowlist", "values": ["job", "all-purpose"]}})

test_policy_without_cluster_type_is_not_job_only if not job_only_policy({})
