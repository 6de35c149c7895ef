#!/usr/bin/env bash
# Run every benchmark once (each takes under ~3 minutes), then rewrite the tables in bench/README.md.
# Usage, from anywhere:  bash bench/run_all.sh
# A failing benchmark does not stop the others; the script exits non-zero if any failed.
set -uo pipefail

cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || { echo "no .venv: run 'make serve' or scripts/bootstrap.sh first" >&2; exit 2; }

failed=()
run() {
    echo "== $*" >&2
    "$PY" "$@" || failed+=("$1")
}

run bench/build_default.py
run bench/lookup_latency.py --rebuild   # a fresh bench codebook from the current code
run bench/page_throughput.py
run bench/claim_check.py
run bench/ncci_import.py
run bench/fhir_throughput.py
run bench/consult_burst.py
run bench/search_quality.py        # search top-1/top-5 by kind and in-process speed, two codebook configurations
run bench/case2code_quality.py     # CodiEsp dev: MAP, recall, micro-F1, with BM25 and icd10-coder peers
run bench/autocomplete_http.py     # autocomplete over HTTP, 20 connections, 2 gunicorn workers
run bench/assistant_eval.py --rebuild
"$PY" bench/report.py

if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}" >&2
    exit 1
fi
