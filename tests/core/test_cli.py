from __future__ import annotations

import json
import subprocess
import sys


def test_check_fixture_exit_1_and_text(run_cli, fixtures_dir):
    code, out, _ = run_cli("check", str(fixtures_dir / "domains" / "sales"))
    assert code == 1
    assert "MG-C-002" in out
    assert out.strip().splitlines()[-1].startswith("FAILED")


def test_json_to_file_and_text_to_stdout(run_cli, fixtures_dir, tmp_path, report_schema):
    import jsonschema

    out_file = tmp_path / "r.json"
    code, out, _ = run_cli("check", str(fixtures_dir / "domains" / "sales"), "-f", "text", "-f", f"json:{out_file}")
    assert code == 1 and "MG-C-002" in out
    jsonschema.validate(json.loads(out_file.read_text()), report_schema)


def test_fail_on_never_passes(run_cli, fixtures_dir):
    code, _, _ = run_cli("check", str(fixtures_dir / "domains" / "sales"), "--fail-on", "never")
    assert code == 0


def test_usage_and_config_errors_exit_2(run_cli, tmp_path):
    assert run_cli("check", "--format", "yaml")[0] == 2
    assert run_cli("check", str(tmp_path / "missing"))[0] == 2
    bad = tmp_path / "meshgov.yaml"
    bad.write_text("domian: x\n")
    code, _, err = run_cli("check", str(tmp_path))
    assert code == 2 and "domian" in err and "unknown key" in err


def test_policy_list_and_show(run_cli):
    code, out, _ = run_cli("policy", "list")
    assert code == 0 and "MG-C-002" in out
    code, out, _ = run_cli("policy", "show", "MG-C-002")
    assert code == 0 and "Remediation" in out and "Example" in out
    assert run_cli("policy", "show", "NOPE")[0] == 2


def test_help_has_examples():
    out = subprocess.run([sys.executable, "-m", "meshgov", "check", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "Examples:" in out.stdout


def test_jobs_option(run_cli, fixtures_dir):
    plan = str(fixtures_dir / "infra" / "plans" / "plan_violations.json")
    reports = []
    for jobs in ("1", "2"):
        code, out, _ = run_cli("check", plan, "--jobs", jobs, "-f", "json")
        assert code == 1
        reports.append(json.loads(out)["findings"])
    assert reports[0] == reports[1] and reports[0]
    assert run_cli("check", plan, "--jobs", "0")[0] == 2
