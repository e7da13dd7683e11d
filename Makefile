# coopmatch — the two quickstart commands are `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint typecheck contracts unit bench bench-smoke clean messages

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: export COOPMATCH_DATABASE_URL := sqlite:///.demo/coopmatch.sqlite3
demo: $(STAMP)
	@echo "== 1. Liquidity: Lamphun financial + longan networks vs first-come-first-served =="
	$(BIN)/coopmatch match liquidity scenarios/examples/lamphun-liquidity.json --out .demo/liquidity-result.json
	@echo "== 2. Produce: a longan surplus day in Lamphun and Chiang Mai =="
	$(BIN)/coopmatch match produce scenarios/examples/lamphun-longan-surplus.json --out .demo/produce-result.json
	@echo "== 3. Debt set-off between Lamphun coops =="
	$(BIN)/coopmatch match setoff scenarios/examples/lamphun-setoff.json --out .demo/setoff-result.json
	@echo "== 4. Combined round: set-off shrinks the longan coops' needs, then loans and longan sales =="
	$(BIN)/coopmatch round scenarios/examples/lamphun-round.json --out .demo/round-result.json
	@echo "== 5. The daily round through the SQLite database: imported debts set off, loans, longan sales =="
	rm -f .demo/coopmatch.sqlite3 .demo/coopmatch.sqlite3-wal .demo/coopmatch.sqlite3-shm
	$(BIN)/coopmatch db upgrade
	$(BIN)/coopmatch import members scenarios/examples/lamphun-members.csv
	$(BIN)/coopmatch import orders scenarios/examples/lamphun-orders.csv
	$(BIN)/coopmatch import orders scenarios/examples/lamphun-orders-short.csv
	$(BIN)/coopmatch policy set --network LPN-FIN scenarios/examples/lamphun-policy.json --as lamphun-coop-office
	$(BIN)/coopmatch round run --network LPN-FIN --date 2026-11-21 --as lamphun-coop-office --force
	$(BIN)/coopmatch export round 1 --xlsx --out .demo/round-1.xlsx
	$(BIN)/coopmatch export round 1 --csv --out .demo/round-1.csv
	@echo "== 5b. The next business day: a decline, a cash repayment, an expired offer, a declined pair not proposed again =="
	$(BIN)/coopmatch proposal decline 5 --side demand --reason "rate too high / ดอกเบี้ยสูงไป" --as lamphun-coop-office
	$(BIN)/coopmatch debt pay --network LPN-FIN --debt OB-LI-BANTHI --amount 50000.00 --date 2026-11-23 --as lamphun-coop-office
	$(BIN)/coopmatch round run --network LPN-FIN --date 2026-11-23 --as lamphun-coop-office --force
	$(BIN)/coopmatch debt overdue --network LPN-FIN --date 2026-12-07 --as lamphun-coop-office
	$(BIN)/coopmatch audit verify
	@echo "== 6. The round's letters to sign, as PDF in Thai =="
	$(BIN)/coopmatch letters round 1 --out .demo/letters
	@echo "== 7. Next steps: the web pages on the demo database =="
	@$(BIN)/coopmatch keys issue --coordinator lamphun-coop-office --label demo | tail -n 1 > .demo/coordinator.key
	@$(BIN)/coopmatch keys issue --coop LP-SAV-TEACH --label demo | tail -n 1 > .demo/member.key
	@$(BIN)/coopmatch keys user demo.office --coordinator lamphun-coop-office | tail -n 1 > .demo/coordinator.password
	@$(BIN)/coopmatch keys user demo.member --coop LP-SAV-TEACH | tail -n 1 > .demo/member.password
	@echo "  export COOPMATCH_DATABASE_URL=sqlite:///.demo/coopmatch.sqlite3"
	@echo "  $(BIN)/coopmatch serve"
	@echo "  then open http://127.0.0.1:8000/web/login and log in as a person (pick your own password at the first login):"
	@echo "    coordinator: demo.office / $$(cat .demo/coordinator.password)"
	@echo "    member coop LP-SAV-TEACH: demo.member / $$(cat .demo/member.password)"
	@echo "  or, under 'log in with an API key', paste a key:"
	@echo "    coordinator of the Lamphun networks (lamphun-coop-office): $$(cat .demo/coordinator.key)"
	@echo "    member coop LP-SAV-TEACH (Lamphun Teachers Savings Cooperative): $$(cat .demo/member.key)"
	@echo "  (the keys are also in .demo/coordinator.key and .demo/member.key; API docs at http://127.0.0.1:8000/docs)"

# The web pages' message catalogue: new ids from the templates and code into both .po files.
messages: $(STAMP)
	$(BIN)/python -m api.web.extract_messages

lint: $(STAMP)
	$(BIN)/ruff check matcher api scenarios benchmarks tests
	$(BIN)/ruff format --check matcher api scenarios benchmarks tests

typecheck: $(STAMP)
	$(BIN)/mypy matcher api scenarios

contracts: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q -n auto --durations=25 --doctest-modules matcher scenarios/sim tests

bench-smoke: $(STAMP)
	$(BIN)/pytest -q benchmarks --benchmark-disable

test: lint typecheck contracts unit bench-smoke

bench: $(STAMP)
	$(BIN)/pytest benchmarks --benchmark-only --benchmark-json=.benchmarks/latest.json

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
