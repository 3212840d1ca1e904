# gureum: the two commands a newcomer needs are `make synth` and `make test`.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# Node 20 is past the jsii runtime's support date: silence its end-of-life banner too.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_RUNTIME_PACKAGE_CACHE := enabled
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: synth synth-fast test setup setup-synth bench bench-compare lint diagrams update

# Everything the tests need (the npm packages, versitygw, Java, Redis, Graphviz).
setup:
	@./scripts/setup test

# What synthesis needs: the npm packages (the CDK CLI).
setup-synth:
	@./scripts/setup synth

synth: setup-synth
	go run .

# The edit-synth loop: `make synth` without aws-cdk-lib's built-in
# CloudFormation template validation (CDK_VALIDATION=false, which is what
# `cdk synth --no-validation` sets); cdk-nag still runs, and CI and the
# golden tests keep validation on. STACKS="GureumVoting GureumImages" builds
# only those stacks' handlers (the aws:cdk:bundling-stacks context that
# `cdk synth --exclusively` sets): every stack is still synthesized, the
# others with placeholder asset hashes.
synth-fast: setup-synth
	CDK_VALIDATION=false $(if $(STACKS),CDK_CONTEXT_JSON='{"aws:cdk:bundling-stacks":$(stacks_json)}') go run .

comma := ,
stacks_json = [$(subst " ","$(comma)",$(patsubst %,"%",$(strip $(STACKS))))]


# tests/consumer is a module of its own (an app that requires gureum), which
# ./... leaves out: it is vetted and tested from its own directory, at the
# same time as ./... (its one test binary synthesizes app after app in one
# jsii kernel, on one core; run after ./..., it left the other core idle).
# Each half's output is printed whole when it ends (--output-sync, GNU Make
# 4.0 and later; macOS's make 3.81 interleaves the two instead).
output_sync := $(if $(filter output-sync,$(.FEATURES)),--output-sync=target)
test: setup
	go vet ./...
	@$(MAKE) --no-print-directory -j2 $(output_sync) test-module test-consumer

.PHONY: test-module test-consumer
test-module:
	go test ./...

test-consumer:
	cd tests/consumer && go vet ./... && go test ./...

bench: setup
	go test -run '^$$' -bench . -benchmem ./...

# Time the Go synthesis against the same stacks in plain JavaScript CDK
# (bench/app.js), interleaved; see the README's "Speed" section.
bench-compare: setup
	go run ./bench/compare

lint:
	gofmt -l $$(git ls-files '*.go') | (! grep .)
	go vet ./...
	cd tests/consumer && go vet ./...

# Rewrite the golden templates, the stateful-resource registry and the
# architecture diagrams after a reviewed change to the stacks.
update: setup
	go test ./tests -update

# Redraw docs/diagrams/*.mmd and *.svg (SVG needs Graphviz's dot).
diagrams: setup
	go test ./tests -run TestDiagramsAreCurrent -update
