# The two set-up commands of README.md.
.PHONY: serve test lint screenshots
HOST ?= 127.0.0.1
PORT ?= 8000

serve:  ## install medcode and start it on the embedded default data
	scripts/bootstrap.sh
	.venv/bin/medcode serve --host $(HOST) --port $(PORT)

test:  ## install what tests need and run lint, types and the whole suite (SQLite, then PostgreSQL)
	scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy . && .venv/bin/lint-imports --no-logo

screenshots:  ## refresh docs/screenshots/ (every page of issue 22 at 1280 and 375 px, real Chromium)
	MEDCODE_SCREENSHOTS=1 .venv/bin/pytest medcode/web/tests/test_pages_browser.py
