# radkit: every target bootstraps .venv on first use.
#   make lab         start JupyterLab on the tour notebook
#   make test        ruff, unit tests + every notebook in notebooks/ and solutions/ (quick profile), each
#                    notebook's outputs checked as it runs (radkit.devtools.outputs)
#   make run         execute every notebook headless, HTML to build/ (RADKIT_PROFILE, default standard)
#   make lint        ruff check and ruff format --check over radkit/, tests/, bench/ (notebooks: tests/test_notebook_lint.py)
#   make format      ruff format over radkit/, tests/, bench/
#   make claims      every notebook and solution under fresh seeds (ten; two with RADKIT_PROFILE=standard), quick
#                    profile unless RADKIT_PROFILE is given; SEEDS="0 1" to repeat, CLAIMS_FLAGS=--budget-warn-only
#   make smoke       every notebook and solution once, RADKIT_SMOKE=1: the profile's image size, architecture and code
#                    path (RADKIT_PROFILE, default standard; `make smoke RADKIT_PROFILE=full` is 224² on the CPU) on a
#                    few hundred films, one epoch, Claims cells skipped, no budget; NOTEBOOKS="notebooks/11_*.ipynb"
#                    for a subset
#   make real-check  every notebook marked for real images, on fake folders of each source it accepts (real
#                    prevalence, quick profile), the folder check, and make flower-check
#   make flower-check Flower as a consortium runs it: a SuperLink and three SuperNodes on localhost, two rounds,
#                    global weights compared with the in-process run (about two minutes)
#   make exercises   regenerate exercises/ from solutions/
#   make book        the web book in build/book/_build/html: the lessons executed once in the quick profile (kept in
#                    build/executed/quick/), glossary, guide, exercises, data cards; offline; checked in Chromium
#   make release     nbgrader course folder in build/course: one assignment per solution notebook (docs/instructors.md)
#   make bench       speed measurements (see docs/benchmarks.md)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.radkit-installed
PORT   ?= 8888
RADKIT_PROFILE ?= standard
SEEDS  ?=
CLAIMS_FLAGS ?=
# make claims passes --profile only when RADKIT_PROFILE came from the command line or the environment: the
# default above (standard) is the one of make lab and make run; claims default to quick
CLAIMS_PROFILE := $(if $(filter command environment,$(firstword $(origin RADKIT_PROFILE))),--profile $(RADKIT_PROFILE),)
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb solutions/*.ipynb))
# JupyterLab refuses to run as root unless told; these machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint format claims smoke real-check flower-check run exercises book release bench clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment: install Python >= 3.10 with its venv module (Debian/Ubuntu: apt-get install python3-venv)."; exit 1; }; }
	$(BIN)/python -m pip install --quiet -e ".[test,course]"
	@touch $(STAMP)

lab: $(STAMP)
	@echo "Starting JupyterLab on port $(PORT). Open the http://127.0.0.1:$(PORT)/lab?token=... URL printed below in your browser."
	$(BIN)/jupyter lab notebooks/00_tour.ipynb --no-browser --ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

test: $(STAMP)
	$(BIN)/ruff check radkit tests bench
	$(BIN)/ruff format --check radkit tests bench
	$(BIN)/python -m radkit.devtools.exercises check
	RADKIT_PROFILE=quick RADKIT_CHECKS_STRICT=1 RADKIT_OUTPUT_CHECK=1 MPLBACKEND=Agg $(BIN)/python -m pytest tests radkit $(NOTEBOOKS) \
		--doctest-modules --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check radkit tests bench
	$(BIN)/ruff format --check radkit tests bench

format: $(STAMP)
	$(BIN)/ruff format radkit tests bench

claims: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m radkit.devtools.claims $(NOTEBOOKS) $(CLAIMS_PROFILE) \
		$(if $(strip $(SEEDS)),--seeds $(SEEDS),) $(CLAIMS_FLAGS)

smoke: $(STAMP)
	RADKIT_SMOKE=1 MPLBACKEND=Agg $(BIN)/python -m radkit.devtools.claims $(NOTEBOOKS) --smoke \
		--profile $(RADKIT_PROFILE) $(if $(strip $(SEEDS)),--seeds $(SEEDS),) $(CLAIMS_FLAGS)

real-check: $(STAMP) flower-check
	RADKIT_REAL_NOTEBOOKS=all RADKIT_PROFILE=quick MPLBACKEND=Agg $(BIN)/python -m pytest -p no:cacheprovider -rs \
		tests/test_real_images.py tests/test_real_image_notebooks.py tests/test_data_check.py

flower-check: $(STAMP)
	$(BIN)/python -m radkit.federated.deploy --rounds 2 --nodes 3

# With RADKIT_IMAGES=<real source>, notebooks marked for it (radkit.real_images metadata) run on
# those images; the others need synthetic truth and run on synthetic images.
run: $(STAMP)
	@mkdir -p build
	@set -e; src="$${RADKIT_IMAGES:-synthetic}"; \
	real="$$($(BIN)/python -m radkit.devtools.real_notebooks select "$$src" $(NOTEBOOKS))"; \
	rest="$$($(BIN)/python -m radkit.devtools.real_notebooks select --others "$$src" $(NOTEBOOKS))"; \
	for group in real rest; do \
		if [ $$group = real ]; then nbs="$$real"; images="$$src"; else nbs="$$rest"; images=synthetic; fi; \
		[ -z "$$nbs" ] || { echo "images: $$images -> $$nbs"; RADKIT_IMAGES=$$images RADKIT_PROFILE=$(RADKIT_PROFILE) \
			$(BIN)/jupyter nbconvert --to html --execute --output-dir build --ExecutePreprocessor.timeout=-1 $$nbs; }; \
	done
	@echo "HTML written to build/ (profile $(RADKIT_PROFILE))"

exercises: $(STAMP)
	$(BIN)/python -m radkit.devtools.exercises build

book: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m radkit.devtools.book --out build/book
	$(BIN)/python -m radkit.devtools.browse build/book/_build/html --screenshots build/book/screenshots

release: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m radkit.devtools.release --out build/course

bench: $(STAMP)
	$(BIN)/python bench/train_throughput.py

clean-venv:
	rm -rf $(VENV)
