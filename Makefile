# shmrun: make test is what CI runs; make bench measures against baselines.
GO        ?= go
PKGS      ?= ./...
# The tools make test needs beyond Go; each target that uses one says how
# to install it when it is missing (set the variable to use another copy).
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $$($(GO) env GOPATH)/bin/staticcheck)
FLATC     ?= flatc
NEED_STATICCHECK = @command -v $(STATICCHECK) >/dev/null 2>&1 || { echo "staticcheck missing ($(STATICCHECK)): go install honnef.co/go/tools/cmd/staticcheck@latest, or set STATICCHECK=path"; exit 1; }
NEED_FLATC = @command -v $(FLATC) >/dev/null 2>&1 || { echo "flatc missing ($(FLATC)): apt-get install flatbuffers-compiler, or set FLATC=path"; exit 1; }
FBS       := $(shell find . -name '*.fbs' -not -path './.git/*')
# Tests are built with the fault-injection hooks (shmrun_faults: a worker
# that scribbles garbage on request, see runtime.EnvChaosGarbage); a plain
# go build, which users run, has none of them.
TEST_TAGS ?= shmrun_faults

.PHONY: all test lint vet fmt-check staticcheck race generate generate-check bench bench-quick realtime pgo fuzz chaos clean

all: test

test: fmt-check vet staticcheck generate-check race

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	$(GO) vet -tags $(TEST_TAGS) $(PKGS)

staticcheck:
	$(NEED_STATICCHECK)
	$(STATICCHECK) $(PKGS)
	$(STATICCHECK) -tags $(TEST_TAGS) $(PKGS)

# race is the CI form of the tests: -short makes the chaos tests inject 20
# faults instead of 100, the leak test restart 100 workers instead of 1000
# and the ring's cross-process tests send fewer messages; make chaos runs
# the full fault, garbage and resource tests.
race:
	$(GO) test -race -short -count=1 -timeout 12m -tags $(TEST_TAGS) $(PKGS)

# chaos runs the fault-injection, garbage, resource and security tests in
# full, with their counts in the output: 100 SIGKILLs and SIGSTOPs during a
# 10,000-item map and during a 200-frame render, 1000 worker restarts, 25
# SIGKILLs and SIGSTOPs of hosts during a map over hosts.
# SHMRUN_CHAOS_FAULTS=n injects n faults instead.
CHAOS_RUN := Chaos|Garbage|Scribbled|Leak|Nothing|Orphan|Outlive|Heartbeat|Stuck|SIGKILL|Minimal|Forged|Sealed|Named
chaos:
	$(GO) test -race -count=1 -timeout 20m -tags $(TEST_TAGS) -v -run '$(CHAOS_RUN)' ./arena/ ./runtime/ ./cluster/ ./cmd/trace/

# generate reruns flatc on every schema; the Go code it writes is committed.
# A schema's namespace is the name of its directory, so flatc writes the
# package next to the schema.
generate:
	$(NEED_FLATC)
	@for f in $(FBS); do \
		echo "$(FLATC) --go -o $$(dirname $$(dirname $$f)) $$f"; \
		$(FLATC) --go -o $$(dirname $$(dirname $$f)) $$f || exit 1; \
	done
	@gofmt -w $$(dirname $(FBS))

# generate-check regenerates into a temporary directory and fails when any
# generated file differs from the one in the tree.
generate-check:
	$(NEED_FLATC)
	@if [ -z "$(FBS)" ]; then exit 0; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	for f in $(FBS); do \
		$(FLATC) --go -o $$tmp $$f || exit 1; \
		pkg=$$(basename $$(dirname $$f)); gofmt -w $$tmp/$$pkg; \
		for g in $$tmp/$$pkg/*.go; do \
			cmp -s $$g $$(dirname $$f)/$$(basename $$g) || { echo "$$(dirname $$f)/$$(basename $$g) is stale: run make generate"; exit 1; }; \
		done; \
	done

# bench runs every benchmark suite next to its baseline, round after round
# (under 10 minutes on 2 cores; bench-quick under 2), and writes bench.out
# (raw, for benchstat), BENCHMARKS.md, docs/bench.png and the README's
# Benchmarks section. See internal/cmd/benchreport.
bench:
	$(GO) run ./internal/cmd/benchreport

bench-quick:
	BENCH_QUICK=1 $(GO) run ./internal/cmd/benchreport

# realtime runs trace at 60 fps for 600 frames twice, filling from the
# previous frame (the default) and with coarse blocks (-fill blocks), each
# followed by its -psnr replay against full quality, and writes
# realtime.json and realtime-blocks.json; the summary lines say fps,
# misses, traced share and PSNR. Run it on a quiet machine.
REALTIME_ARGS ?= -fps 60 -frames 600 -o none -psnr
realtime:
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	$(GO) build -o $$tmp/trace ./cmd/trace && \
	echo "load average: $$(cut -d' ' -f1-3 /proc/loadavg)" && \
	$$tmp/trace $(REALTIME_ARGS) -stats realtime.json && \
	$$tmp/trace $(REALTIME_ARGS) -fill blocks -stats realtime-blocks.json && \
	echo "load average: $$(cut -d' ' -f1-3 /proc/loadavg)"

# kernel-ab measures the kernel against an earlier commit, as #15 asks:
# it builds cmd/trace's benchmarks at KERNEL_BASE (in a temporary git
# worktree) and at the working tree, runs BenchmarkScenes (processes) of
# the two in turn KERNEL_ROUNDS times, and prints per scene the median
# Mrays/busy-s of each and their ratio (with benchstat's table too, when
# benchstat is installed). A few minutes on 2 cores; run it quietly.
KERNEL_BASE   ?= 9f6d869
KERNEL_ROUNDS ?= 6
KERNEL_BENCH  ?= -test.run '^$$' -test.bench 'Scenes/.*/processes' -test.benchtime 20x
kernel-ab:
	@git cat-file -e $(KERNEL_BASE)^{commit} 2>/dev/null || { echo "kernel-ab: commit $(KERNEL_BASE) is not in this clone (a shallow clone? git fetch --unshallow)"; exit 1; }
	@tmp=$$(mktemp -d); trap 'git worktree remove --force $$tmp/base >/dev/null 2>&1; rm -rf $$tmp' EXIT; \
	git worktree add -q --detach $$tmp/base $(KERNEL_BASE) && \
	(cd $$tmp/base/cmd/trace && $(GO) test -c -o $$tmp/base.test .) && \
	(cd cmd/trace && $(GO) test -c -o $$tmp/head.test .) && \
	echo "load average: $$(cut -d' ' -f1-3 /proc/loadavg)" && \
	for i in $$(seq $(KERNEL_ROUNDS)); do \
		(cd $$tmp/base/cmd/trace && $$tmp/base.test $(KERNEL_BENCH)) | grep '^Benchmark' >> $$tmp/base.txt || exit 1; \
		(cd cmd/trace && $$tmp/head.test $(KERNEL_BENCH)) | grep '^Benchmark' >> $$tmp/head.txt || exit 1; \
	done; \
	if command -v benchstat >/dev/null 2>&1; then benchstat -filter '.unit:Mrays/busy-s' base=$$tmp/base.txt head=$$tmp/head.txt; fi; \
	echo "Mrays/busy-s, median of $(KERNEL_ROUNDS) rounds each (a ray: every camera, secondary and shadow query):"; \
	for f in base head; do awk -v f=$$f '{ for (i = 2; i < NF; i++) if ($$(i+1) == "Mrays/busy-s") print f, $$1, $$i }' $$tmp/$$f.txt; done | \
	sort -k2,2 -k1,1 -k3,3g | awk '{ k = $$1 " " $$2; v[k, ++n[k]] = $$3 } \
		END { for (k in n) { m = n[k]; med[k] = (m % 2) ? v[k, (m+1)/2] : (v[k, m/2] + v[k, m/2+1]) / 2 } \
			for (k in med) { split(k, p, " "); if (p[1] == "head") { b = med["base " p[2]]; \
				printf "  %-40s %8.3f -> %8.3f  %.2fx\n", p[2], b, med[k], med[k] / b } } }' | sort

# pgo rewrites cmd/trace/default.pgo, the CPU profile that every build of
# cmd/trace (go run, go build, its tests and make kernel-ab) optimizes with
# (Go's profile-guided optimization: hot calls inlined, hot paths laid out):
# the render kernels' benchmarks on one core, every scene and the sparse
# fill. Run it after a change to the kernel moves its hot paths; a stale
# profile costs speed, never correctness.
PGO_BENCH ?= RenderTile|FillFrame
pgo:
	cd cmd/trace/internal/render && \
	timeout 600 $(GO) test -run '^$$' -bench '$(PGO_BENCH)' -cpu 1 -benchtime 2s -o /tmp/shmrun-pgo.$$$$.test -cpuprofile /tmp/shmrun-pgo.$$$$ . >/dev/null && \
	rm -f /tmp/shmrun-pgo.$$$$.test && mv /tmp/shmrun-pgo.$$$$ $(CURDIR)/cmd/trace/default.pgo
	@echo "wrote cmd/trace/default.pgo"

fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test $$pkg -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-30s} || exit 1; \
		done; done

clean:
	$(GO) clean -testcache
