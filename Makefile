# Persistent chat server for SIP networks - top-level Makefile.
#
#   make run    set up this machine if needed, build, and run the whole stack on loopback
#   make run-pool  the same as a pool: 3 Galera nodes, 3 chat nodes on 127.0.0.2-4 and
#               a dispatcher front on 127.0.0.1:5060 (scripts/pool.sh, docs/OPERATIONS.md)
#   make pool   the pool's suite: it forms, routes through the front, survives kill -9
#               of a chat node and of a Galera node (tests/pool)
#   make test   set up, build, and run every test (unit tests, then end-to-end tests,
#               the fault suite and a short fuzzing run)
#   make rpc    the module's RPC commands (kamcmd pchat.*) over real chat sessions, with
#               pchatd paused and stopped (tests/rpc)
#   make supervise  make run's supervision: kill -9 each part of a running
#               `scripts/stack.sh run`, each must come back (tests/supervise)
#   make deb    Debian packages into build/deb/ (debian/, scripts/make-deb.sh), lintian
#   make deb-test  install them into a clean Debian 12 root and run them (tests/deb)
#   make files  the file service (tests/files, docs/FILES.md)
#   make retention  retention that purges: hidden at once, purged behind compliance,
#               no row or file left (tests/retention, docs/ADMIN.md "Retention")
#   make fault  the fault suite: kill -9 / stop / pause pchatd and MariaDB under a stream
#               of posts, with counts (tests/fault, docs/RELIABILITY.md "Faults")
#   make compliance-test  the compliance service end to end: real SIP chats archived,
#               kill -9 of pchat-compliance, pchatd and MariaDB, two daemons at once
#               (tests/compliance, docs/COMPLIANCE.md)
#   make module-doc  kamailio-module/README from the module's DocBook documentation
#               (kamailio-module/doc), the way Kamailio builds its modules' READMEs
#   make doc-test  that documentation against the module's code and the committed README
#               (tests/doc; part of make test)
#   make fuzz   fuzz the parsers of untrusted input, FUZZ_SECONDS (600) per harness
#               (tests/fuzz, docs/RELIABILITY.md)
#   make bench  the benchmarks' quick profile (FULL=1: the full one), tables and pictures
#               in build/bench/ (docs/BENCHMARKS.md); make bench-plots redraws the pictures
#               from its results; make bench-test checks the picture tooling and runs
#               the file scenarios i and j and the pool's p in a tiny form (in make test)
#   make build  set up and build everything
#   make format clang-format (.clang-format) every tracked .c/.h file in place
#   make lint   format check, cppcheck and clang-tidy over our C code, and pchatd's
#               layering check (scripts/check-layers.sh, backend/layers.txt)
#
# "Set up" (scripts/setup.sh) installs Debian packages and prepares the Kamailio
# source tree of the installed version, which our module is compiled against.

TOP := $(CURDIR)
KSRC := $(TOP)/build/kamailio-src
MODDIR := $(KSRC)/src/modules/pchat

.PHONY: all build setup module module-doc doc-test libs backend client admin compliance run test unit e2e sipe web files retention cli rpc \
	fault chaos compliance-test \
	supervise pool run-pool lint format \
	format-check clean fuzz fuzz-short

all: build

# SETUP_DONE=1 (make test's runner sets it, after the first build): skip the check.
setup:
	@[ "$(SETUP_DONE)" = 1 ] || bash scripts/setup.sh

# The module is built by Kamailio's own module makefiles inside the source tree; our
# files are linked into src/modules/pchat there.  A link that does not lead to a file
# of this checkout's kamailio-module/ goes (a file deleted or renamed here, a tree
# copied from another checkout), and only a missing or wrong link is made: the
# suites that make test runs side by side each make this target, and one removing
# every link while another builds left the other without a Makefile.
MODULE_SRC = $(wildcard $(TOP)/kamailio-module/*.c $(TOP)/kamailio-module/*.h) \
	$(TOP)/kamailio-module/Makefile
module: setup
	@mkdir -p $(MODDIR)
	@for l in $(MODDIR)/*; do \
	  [ -L "$$l" ] || continue; t=$$(readlink "$$l"); \
	  case "$$t" in $(TOP)/kamailio-module/*) [ -e "$$t" ] && continue ;; esac; \
	  rm -f "$$l"; \
	done
	@for f in $(MODULE_SRC); do \
	  l=$(MODDIR)/$$(basename "$$f"); \
	  [ "$$(readlink "$$l")" = "$$f" ] || ln -sfn "$$f" "$$l"; \
	done
	@$(MAKE) -s -C $(MODDIR) PCHAT_COMMON=$(TOP)/common

# The libraries built once and linked by several programs (mk/libs.mk):
# common/libpchatcommon.a and admin/libpchatadmin.a.  Their users' Makefiles also
# bring them up to date (with their own SANITIZE), so building them first here keeps
# two users from building them at once.
libs: setup
	@$(MAKE) -s -C common SANITIZE=$(SANITIZE)
	@$(MAKE) -s -C admin libpchatadmin.a SANITIZE=$(SANITIZE)

# SANITIZE=1 builds the backend, the client and the test programs with ASan + UBSan
# (make test does); make run builds them plain.
backend: libs
	@$(MAKE) -s -C backend SANITIZE=$(SANITIZE)

client: libs
	@$(MAKE) -s -C client SANITIZE=$(SANITIZE)

# the administration library and the pchat-admin CLI (admin/, docs/ADMIN.md)
admin: libs
	@$(MAKE) -s -C admin SANITIZE=$(SANITIZE)

# the compliance service pchat-compliance (compliance/, docs/COMPLIANCE.md)
compliance: libs
	@$(MAKE) -s -C compliance SANITIZE=$(SANITIZE)

build: module backend client admin compliance
	@$(MAKE) -s -C tests/e2e SANITIZE=$(SANITIZE)
	@$(MAKE) -s -C tests/sipe

run: build
	@bash scripts/stack.sh run

# a pool of chat servers on this machine (scripts/pool.sh; Ctrl-C stops it all)
run-pool: build
	@bash scripts/pool.sh run

test: SANITIZE = 1
unit: SANITIZE = 1

unit: libs
	@$(MAKE) -s -C tests/unit run SANITIZE=1

e2e: build
	@bash tests/e2e/run.sh

# the module's RPC commands through kamcmd (tests/rpc, docs/OPERATIONS.md "RPC commands")
rpc: build
	@bash tests/rpc/run.sh

# the real pidgin-sipe client, headless (tests/sipe, docs/SIPE-TEST.md)
sipe: build
	@bash tests/sipe/run.sh

# the room management web page in headless Chromium, and its JSON API (docs/WEB.md)
web: build
	@bash tests/web/run.sh

# the file service over real HTTP: both APIs, bad input, the sweeper (tests/files,
# docs/FILES.md)
files: build
	@bash tests/files/run.sh

# retention (issue 15): settings and bad input, expired messages hidden at once from
# history and search, the purge job waiting for pchat-compliance, then nothing left
# (rows, files); disk before and after (tests/retention).  About 25 s.
retention: build
	@bash tests/retention/run.sh

# pchat-admin against a private MariaDB (tests/cli)
cli: admin
	@$(MAKE) -s -C tests/cli run SANITIZE=$(SANITIZE)
	@bash tests/cli/run.sh

# The fault suite (tests/fault, docs/RELIABILITY.md "Faults"): kill -9 of pchatd, MariaDB
# and Kamailio, the database down with pchatd killed or stopped, pchatd paused past
# backend_timeout, a client that vanishes, a flood, Kamailio short of shared memory, each
# under a stream of posts from bench/pchat-bench; one line of counts per scenario.
# About 3 minutes.  make chaos: every scenario three times, 60 s streams (about 30 min).
# (the generator is built plain: it is the servers that run sanitized under make test)
fault: build
	@$(MAKE) -s -C bench SANITIZE=
	@bash tests/fault/run.sh

# pchat-compliance over real SIP chats (tests/compliance, docs/COMPLIANCE.md): every
# case's output checked against docs/compliance.xsd, every acknowledged post counted
# exactly once across the output files after kill -9 of the daemon (at its two crash
# points), of pchatd and of MariaDB, and with two daemons at once.  About 1 minute.
compliance-test: build
	@$(MAKE) -s -C bench SANITIZE=
	@bash tests/compliance/run.sh

chaos: build
	@$(MAKE) -s -C bench SANITIZE=
	@FAULT_DURATION=60 FAULT_ROUNDS=3 bash tests/fault/run.sh

# `scripts/stack.sh run` (make run) under kill -9 of pchatd, Kamailio and MariaDB: each
# is restarted and a chat post is stored again; SIGTERM leaves nothing behind.  About 20 s.
supervise: build
	@bash tests/supervise/run.sh

# `scripts/pool.sh` (make run-pool) on free ports: the Galera cluster forms, a client
# through the front reaches a chat node and posts (stored on every Galera node), kill -9
# of a chat node (the front's probe marks it down, the next client goes to a live one)
# and of a Galera node (the quorum goes on; restarted, it rejoins).  About 90 s.
pool: build
	@bash tests/pool/run.sh

# libFuzzer harnesses of the XCCOS parser, the frame decoder and the web request parser
# (tests/fuzz, docs/RELIABILITY.md).  make fuzz runs each FUZZ_SECONDS (default 600);
# new inputs go to build/fuzz/corpus, crashes to build/fuzz/artifacts.  make test runs
# each FUZZ_SHORT_SECONDS (default 20) and fails on any crash, leak or UB report.
fuzz: setup
	@$(MAKE) -s -C tests/fuzz run

fuzz-short: setup
	@$(MAKE) -s -C tests/fuzz short

# Every suite, started in this order, TEST_JOBS (2) at a time, each timed
# (scripts/test-suites.sh prints the table).
TEST_SUITES := doc-test unit e2e rpc sipe web files retention cli fault compliance-test \
	supervise pool deb-test fuzz-short bench-test
test: build
	@bash scripts/test-suites.sh $(TEST_SUITES)

# The module's documentation: kamailio-module/doc/*.xml (DocBook, as Kamailio's modules
# have it) to kamailio-module/README with Kamailio's own doc/docbook/Makefile.module
# (xmllint validation, xsltproc, lynx; scripts/module-doc.sh).  Commit the README with
# the XML: make doc-test fails while they differ.
module-doc: setup
	@bash scripts/module-doc.sh

# The documentation against the code (tests/doc, about 3 s): the README built and equal
# to the committed one; every modparam, script and KEMI function, RPC and statistic of
# kamailio-module/*.c documented (type and default too), nothing documented that the code
# lacks; and altered copies of the XML must fail those checks.
doc-test: setup
	@bash tests/doc/run.sh

# One style for all our C (.clang-format; the installed clang-format 14 is the reference).
# make format rewrites the files; format-check (part of make lint) lists those that differ.
CLANG_FORMAT ?= clang-format
format:
	@git ls-files -z '*.c' '*.h' | xargs -0 $(CLANG_FORMAT) -i

format-check:
	@$(CLANG_FORMAT) --version >/dev/null
	@bad=$$(git ls-files '*.c' '*.h' | while IFS= read -r f; do \
	  $(CLANG_FORMAT) --dry-run --Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done); \
	  if [ -n "$$bad" ]; then \
	    echo "clang-format: these files differ from .clang-format (make format fixes them;"; \
	    echo "$(CLANG_FORMAT) --dry-run FILE shows where):"; echo "$$bad" | sed 's/^/  /'; exit 1; \
	  fi

# clang-tidy needs each file's real compile flags (Kamailio's module flags above all),
# so the builds are recorded with bear into build/tidy/compile_commands.json.
TIDY_DB := $(TOP)/build/tidy
#
# The layering check (backend/README.md, "Layers") proves itself first (--self-test), then
# runs last, on the objects of the build above, against backend/layers.txt.
lint: build format-check
	@bash scripts/check-layers.sh --self-test
	cppcheck --quiet --enable=warning,style,performance --error-exitcode=1 \
	  --suppress=missingIncludeSystem --suppress=missingInclude --inline-suppr \
	  -I common -I admin kamailio-module backend client common admin compliance bench tests/unit \
	  tests/e2e tests/sipe tests/fuzz tests/check.c
	@rm -rf $(TIDY_DB) && mkdir -p $(TIDY_DB)
	@cd $(TIDY_DB) && bear -- $(MAKE) -B -s -C $(MODDIR) PCHAT_COMMON=$(TOP)/common >/dev/null
	@cd $(TIDY_DB) && for d in common admin backend client compliance bench tests/unit tests/e2e tests/sipe; do \
	  bear --append -- $(MAKE) -B -s -C $(TOP)/$$d >/dev/null || exit 1; done
	@# one file per run: clang-tidy 14 resolves relative -I paths against the wrong
	@# directory when one run spans folders
	@rc=0; for f in $(MODDIR)/*.c common/*.c admin/*.c backend/*.c client/*.c compliance/*.c \
	  bench/*.c tests/unit/*.c tests/check.c tests/e2e/*.c tests/sipe/*.c; do \
	  clang-tidy --quiet -p $(TIDY_DB) --extra-arg=-Wno-unknown-warning-option \
	    --extra-arg=-Wno-ignored-optimization-argument $$f 2>/dev/null || rc=1; done; \
	  exit $$rc
	@bash scripts/check-layers.sh backend/layers.txt backend/*.o

# Debian packages (debian/, packaging/): pchatd, pchat-admin and kamailio-pchat-module
# into build/deb/, checked with lintian (scripts/make-deb.sh; docs/OPERATIONS.md,
# "Deploying with the Debian packages").
.PHONY: deb deb-test
deb: setup
	@bash scripts/make-deb.sh

# The packages installed into a clean Debian 12 root (debootstrap, cached under
# build/deb-test/), checked there down to a chat post through them, then that root
# booted with systemd-nspawn to check the units under systemd (tests/deb).  About 100 s
# the first time (debootstrap and downloads), 40 s after.
deb-test: deb build
	@bash tests/deb/run.sh

# Benchmarks (bench/, docs/BENCHMARKS.md): the quick profile, or the full one with FULL=1;
# results in build/bench/results.md and results.jsonl, pictures (gnuplot SVG) beside
# them.  Not part of make test.
.PHONY: bench bench-plots bench-test
bench: build
	@$(MAKE) -s -C bench
	@bash bench/run.sh $(if $(filter 1,$(FULL)),--full)

# The pictures again from build/bench/results.jsonl (and the scrapes of scenario h)
# without running anything: bench/plot.py.
bench-plots:
	@python3 bench/plot.py build/bench/results.jsonl build/bench

# The pictures' tooling on made-up results: the dashboard's PromQL subset against
# values computed by hand, every query of docs/grafana/pchat.json, every figure drawn;
# then scenarios i and j (the file service) and p (the pool: scripts/pool.sh, one run
# on its three nodes and one on the single node) in a tiny form on stacks of their own
# (build/bench-test/), failing if a figure is missing (about 30 s, and p about 2
# minutes at load average 5, most of it the pool's start).
bench-test: build
	@python3 bench/test_plots.py
	@$(MAKE) -s -C bench SANITIZE=
	@bash bench/run.sh --smoke i j p

clean:
	-$(MAKE) -s -C bench clean
	-$(MAKE) -s -C admin clean
	-$(MAKE) -s -C common clean
	-$(MAKE) -s -C backend clean
	-$(MAKE) -s -C client clean
	-$(MAKE) -s -C compliance clean
	-$(MAKE) -s -C tests/unit clean
	-$(MAKE) -s -C tests/cli clean
	-$(MAKE) -s -C tests/e2e clean
	-$(MAKE) -s -C tests/sipe clean
	-$(MAKE) -s -C tests/fuzz clean
	-$(MAKE) -s -C $(MODDIR) clean PCHAT_COMMON=$(TOP)/common
