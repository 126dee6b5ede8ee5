# Aesthetics Lab: the two commands of the README, plus helpers for authors.
#   make lab    install everything and open the course in JupyterLab
#   make test   install everything and run the whole test suite (unit tests + notebooks under strict nbval)
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# The environment the notebooks are executed and checked in (outputs are compared byte for byte).
# One thread, and the same AVX2 code paths on every x86-64 CPU, Intel or AMD, with or without
# AVX-512: PyTorch's own kernels (ATEN_CPU_CAPABILITY), oneDNN (ONEDNN_MAX_CPU_ISA), MKL's
# vendor-independent branch (MKL_CBWR=COMPATIBLE), OpenBLAS under NumPy and SciPy
# (OPENBLAS_CORETYPE) and NumPy's own loops (NPY_ENABLE_CPU_FEATURES). Without them, sums, sorts of
# ties and training runs differ in the last digits between CPUs, and so do the stored outputs.
# Even with them, a few live trainings (05's small CNN over 14 epochs, its frozen heads, 09's
# ablation heads) end a third digit apart on Intel and on AMD: nbval does not compare those cells'
# printouts (tag nbval-ignore-output), and their hidden checks allow the measured spread.
# aesthetics_lib/numeric_env.py holds the same values (a test keeps them equal): the studio is always
# built under them, in a child process when Python was started without them.
CPU_ENV := ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_CBWR=COMPATIBLE OPENBLAS_CORETYPE=Haswell NPY_ENABLE_CPU_FEATURES=X86_V3
# glibc's malloc gives the memory of freed activations back to the kernel and page-faults it in again
# on the next step; these keep it in the process (same results, faster CPU training:
# benchmarks/malloc_env.py). Other C libraries (macOS) ignore them.
MALLOC_ENV := MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=536870912
NB_ENV := PYTHONPATH=$(CURDIR) OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONHASHSEED=0 $(CPU_ENV) $(MALLOC_ENV) CI=true HF_HUB_OFFLINE=1 TQDM_DISABLE=1 MPLBACKEND=Agg
JOBS ?= 2
# JupyterLab refuses to start as root (containers, cloud machines) unless given --allow-root. On a
# Linux machine with no display there is no browser to open (or only a text one that would take
# over the terminal): --no-browser, and the server prints its URL with the token to paste instead.
ROOT_FLAGS := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
HEADLESS := $(and $(filter Linux,$(shell uname -s 2>/dev/null)),$(if $(DISPLAY)$(WAYLAND_DISPLAY),,yes))
SERVER_FLAGS := $(ROOT_FLAGS) $(if $(HEADLESS),--no-browser)

.PHONY: install lab test test-unit test-notebooks notebooks notebook-sources instructor demo test-demo site test-site grade grade-check student-run bench weights record-predictions clean-data

install:
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -e .

lab: install
	HF_HUB_OFFLINE=1 $(PYTHON) -m jupyter lab $(SERVER_FLAGS) notebooks/

# The notebooks are checked through their instructor build: the stored student notebooks with the
# reference solutions put back, each of which must print "correct" (tools/build_notebooks.py).
NB_TESTS := notebooks/instructor notebooks/demo.ipynb

test: install
	$(PYTHON) tools/build_notebooks.py --instructor
	env -u AESTHETICS_DATA $(NB_ENV) $(PYTHON) -m pytest -n $(JOBS) --dist loadscope --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 --durations=15 -m "not browser" tests $(NB_TESTS)

test-unit:
	env -u AESTHETICS_DATA $(NB_ENV) $(PYTHON) -m pytest -n $(JOBS) -m "not browser" tests

test-notebooks: instructor
	env -u AESTHETICS_DATA $(NB_ENV) $(PYTHON) -m pytest -n $(JOBS) --dist loadscope --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 $(NB_TESTS)

# Re-execute the student notebooks from their py:percent sources (solution cells left out) with the
# environment CI uses. NB=05 re-runs only the notebooks whose name starts with 05.
notebooks:
	env -u AESTHETICS_DATA $(NB_ENV) $(PYTHON) tools/build_notebooks.py -j $(JOBS) $(NB)

# After a prose-only edit of a source: update the stored notebooks' text, keep their outputs.
notebook-sources:
	$(PYTHON) tools/build_notebooks.py --sources-only $(NB)

# The instructor notebooks, with the reference solutions, in notebooks/instructor/ (git-ignored).
# EXECUTE=1 runs them too (as long as the course itself).
instructor:
	env -u AESTHETICS_DATA $(NB_ENV) $(PYTHON) tools/build_notebooks.py -j $(JOBS) --instructor $(if $(EXECUTE),--execute) $(NB)

demo: install
	HF_HUB_OFFLINE=1 $(PYTHON) -m voila notebooks/demo.ipynb --no-browser

test-demo: install
	bash tools/install_chromium.sh
	env -u AESTHETICS_DATA HF_HUB_OFFLINE=1 $(PYTHON) -m pytest -m browser tests/test_demo_browser.py -v

# The course website: Jupyter Book 1 builds it offline from the stored notebooks (never executed), with
# the API from the docstrings and MathJax served by the site itself, into site/_build/html.
site: install
	$(PIP) install -q -r requirements-site.txt
	env -u AESTHETICS_DATA HF_HUB_OFFLINE=1 $(PYTHON) tools/build_site.py

test-site: site
	bash tools/install_chromium.sh
	$(PYTHON) -m pytest -m browser tests/test_site_browser.py -v

# Grade a folder of assignment submissions (one folder per student): SUBMISSIONS=dir, tables in grades/.
grade:
	env -u AESTHETICS_DATA HF_HUB_OFFLINE=1 $(PYTHON) -m assignments.grade $(SUBMISSIONS) --out $(or $(OUT),grades)

# The reference solutions get full marks and the starters zero, at the full budget (~1.5 min cold).
grade-check:
	env -u AESTHETICS_DATA HF_HUB_OFFLINE=1 $(PYTHON) -m assignments.grade --self-check --out $(or $(OUT),grades-self-check)

# Before a release: run the stored student notebooks (NB=05 for some) as a student's own JupyterLab
# does (no CI, no CPU settings, default threads, a fresh cache) and report the cells that raise, the
# hidden checks whose claims did not hold, and the cells that printed other text (tools/student_run.py).
# Writes only under OUT (default runs/student_run, which must not hold an earlier report).
student-run:
	$(PYTHON) tools/student_run.py --out $(or $(OUT),runs/student_run) $(NB)

bench:
	$(PYTHON) benchmarks/bench_train.py

# Train the course weights (MODEL=nima for one; EPOCHS=2 for at most 2 more epochs per model in this
# call) in resumable run folders under runs/weights/, and export them into weights/ with their records;
# then copy the predictions that notebooks 09 and 06 read into the new records that need them.
weights: install
	env -u AESTHETICS_DATA HF_HUB_OFFLINE=1 $(MALLOC_ENV) $(PYTHON) -m aesthetics_lib zoo --train $(or $(MODEL),all) $(if $(EPOCHS),--epochs $(EPOCHS))
	env -u AESTHETICS_DATA $(NB_ENV) $(PYTHON) tools/record_test_predictions.py --missing $(or $(MODEL),all)

# Copy shipped models' predictions into their records (tools/record_test_predictions.py), with the
# environment the notebooks run in: their test predictions (MODELS= names some; default: those notebook
# 09 compares), and with DATASETS=1 their predicted means on notebook 06's evaluation draw (default:
# the runs notebook 06 scores there).
record-predictions:
	env -u AESTHETICS_DATA $(NB_ENV) $(PYTHON) tools/record_test_predictions.py $(if $(DATASETS),--datasets) $(MODELS)

# data/cache holds the studio (data/cache/studio) and the course models; data/studio is where older
# versions cached the studio.
clean-data:
	rm -rf data/cache data/studio
