#!/usr/bin/env bash
# Builds the pinned Go tools the test-suite and the benchmarks use for real, from their Go modules
# (the Go module proxy), once: a tool already built at its pinned version is reused.
#
#   opa       - the reference Rego implementation: `opa run --server` for --engine opa, `opa test`
#               and `opa check --strict` against the shipped pack
#   conftest  - the peer of the infra benchmark (bench/infra_bench.py --engines conftest)
#
# (Regal, the Rego linter, is not built: the module proxy here answers 403 for both its module
#  paths, github.com/styrainc/regal and github.com/open-policy-agent/regal, at every version tried
#  (v0.29.2, v0.35.1, v0.36.1; 2026-12-06). `opa check --strict` and `opa fmt` lint the pack.)
#
# Usage: scripts/go-tools.sh [TOOL ...]   (default: all). Prints nothing on success but, per tool,
# "<tool> <path>" lines with --print. Cache: $MESHGOV_TOOLS_DIR (default ~/.cache/meshgov/tools),
# one folder per tool and version; .tools/bin/ in the checkout links the pinned builds.
set -euo pipefail

declare -A MODULE=(
  [opa]=github.com/open-policy-agent/opa
  [conftest]=github.com/open-policy-agent/conftest
)
declare -A VERSION=(
  [opa]=v1.22.4
  [conftest]=v0.71.1
)

print=0
tools=()
for arg in "$@"; do
  case "$arg" in
    --print) print=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) [ -n "${MODULE[$arg]:-}" ] || { echo "go-tools: unknown tool $arg (known: ${!MODULE[*]})" >&2; exit 2; }
       tools+=("$arg") ;;
  esac
done
[ ${#tools[@]} -gt 0 ] || tools=(opa conftest)

here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${MESHGOV_TOOLS_DIR:-$HOME/.cache/meshgov/tools}"
links="$here/.tools/bin"
mkdir -p "$links"

for tool in "${tools[@]}"; do
  version="${VERSION[$tool]}"
  dir="$cache/$tool-$version"
  bin="$dir/$tool"
  stamp="$dir/.module"   # written after a complete build: "<module>@<version>"
  if [ ! -x "$bin" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${MODULE[$tool]}@$version" ] \
      || ! "$bin" --help >/dev/null 2>&1; then
    command -v go >/dev/null 2>&1 || { echo "go-tools: $tool $version needs a Go toolchain (go) on PATH" >&2; exit 1; }
    echo "go-tools: building $tool $version from ${MODULE[$tool]} (once; cached in $dir)" >&2
    start=$(date +%s)
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    # CGO off: static binaries, no C toolchain needed; -trimpath: the build does not depend on $HOME
    CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath" GOBIN="$dir.tmp" \
      go install "${MODULE[$tool]}@$version" >&2
    echo "${MODULE[$tool]}@$version" > "$dir.tmp/.module"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    echo "go-tools: built $tool $version in $(( $(date +%s) - start )) s" >&2
  fi
  # opa reports its module version; conftest built by `go install` says "dev" (its release
  # version is set at link time by its own release build), so the stamp is its pin
  # (read whole first: `grep -q` on a pipe would end it early and pipefail would see SIGPIPE)
  if [ "$tool" = opa ] && ! grep -qx "Version: ${version#v}" <<<"$("$bin" version)"; then
    echo "go-tools: $bin does not report version ${version#v}" >&2
    exit 1
  fi
  ln -sfn "$bin" "$links/$tool"
  [ "$print" = 0 ] || echo "$tool $bin"
done
