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
