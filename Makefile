# sockcat -- see README.md.  `make deps check` on a fresh Debian 12.
VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR     = $(PREFIX)/bin
MANDIR     = $(PREFIX)/share/man/man1
# Where each shell looks for completions (made by 'sockcat completion').
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d
CC        ?= cc
PKG_CONFIG ?= pkg-config

# Recursive on purpose: evaluated when a recipe runs, after `make deps`
# has installed pkg-config and libbsd in the same invocation.
BSD_CFLAGS = $(shell $(PKG_CONFIG) --cflags libbsd-overlay)
# libbsd (and its libmd) are linked in statically by default: two fewer
# shared objects to map at every start (about 0.2 ms of a 1.3 ms
# connect).  STATIC_BSD=0 links them dynamically.
STATIC_BSD ?= 1
ifeq ($(STATIC_BSD),1)
BSD_LIBS   = -Wl,-Bstatic $(shell $(PKG_CONFIG) --static --libs libbsd-overlay) \
             -Wl,-Bdynamic
else
BSD_LIBS   = $(shell $(PKG_CONFIG) --libs libbsd-overlay)
endif

CFLAGS    ?= -O2 -g
# -Wconversion without its sign half: socket APIs mix int, size_t,
# ssize_t and socklen_t everywhere, and each cast would hide more than
# it shows.
WARNINGS   = -Wall -Wextra -Wshadow -Wformat=2 -Wconversion \
             -Wno-sign-conversion -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(CPPFLAGS) $(CFLAGS) $(BSD_CFLAGS) -Isrc -Icmd \
             -DSOCKCAT_VERSION='"$(VERSION)"' -MMD -MP
ALL_LIBS   = $(BSD_LIBS) $(LIBS)

SRC_SRCS   = src/acl.c src/proxy.c src/proxy-url.c src/proxyproto.c src/addr.c src/dgram.c src/json.c src/spawn.c src/sig.c src/sock.c \
             src/stream.c src/flow.c src/sinkq.c src/timer.c src/engine.c src/peer.c src/accept.c \
             src/session.c src/event.c src/tls.c src/tls-ctx.c src/tls-sock.c \
             src/unix-live.c src/sockopt.c src/shape.c src/label.c src/route.c src/pair.c src/index.c \
             src/flow-direct.c
CMD_SRCS   = cmd/main.c cmd/opts.c cmd/relay.c cmd/listen.c cmd/dial.c cmd/serve.c cmd/connect.c cmd/forward.c \
             cmd/tls-opts.c cmd/sock-opts.c cmd/proxy-opts.c cmd/diag.c cmd/exec.c cmd/completion.c cmd/udp-send.c cmd/udp-listen.c cmd/resolve.c cmd/hostname.c
# Objects go beside their sources, or under OBJDIR (the sanitizer build).
OBJDIR    ?= .
OBJS       = $(patsubst %.c,$(OBJDIR)/%.o,$(SRC_SRCS) $(CMD_SRCS))

# What `make deps` installs when missing (Debian package names): the
# build, the tests' peers and tools, clang for `make fuzz`.
BUILD_PKGS = gcc make pkg-config libbsd-dev libssl-dev
DEPS_PKGS  = $(BUILD_PKGS) bats mandoc python3 socat \
             netcat-openbsd ncat curl netbase iproute2 procps strace \
             clang libclang-rt-dev valgrind \
             openssl gnutls-bin faketime bsdextrautils debootstrap \
             zsh fish debhelper dpkg-dev lintian \
             microsocks dante-server tinyproxy openssh-client haproxy
# Packages that come with a system service: the tests start their own,
# so make deps installs them stopped (policy-rc.d says no start) and
# leaves their services disabled.
DEPS_SERVICES = tinyproxy:tinyproxy dante-server:danted haproxy:haproxy

all: sockcat

$(OBJDIR)/sockcat: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(ALL_LIBS)

$(OBJDIR)/%.o: %.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

-include $(OBJS:.o=.d)

deps:
	@missing=$$(for p in $(DEPS_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		nostart=; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && \
			chmod 755 /usr/sbin/policy-rc.d && nostart=1; \
		fi; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; st=$$?; \
		[ -z "$$nostart" ] || rm -f /usr/sbin/policy-rc.d; \
		for ps in $(DEPS_SERVICES); do \
			case " "$$(echo $$missing)" " in *" $${ps%%:*} "*) \
				systemctl disable --quiet $${ps#*:} \
					>/dev/null 2>&1 || true;; esac; \
		done; \
		exit $$st; \
	else echo "deps: all installed"; fi

check: sockcat
	@sh tests/run.sh

# The whole suite against an ASan+UBSan build that halts on the first
# report; a report fails the run even where the test itself passed.
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
check-sanitize: sockcat
	@rm -rf build-san && mkdir -p build-san/src build-san/cmd
	@$(MAKE) -s --no-print-directory OBJDIR=build-san \
		CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
		build-san/sockcat
	@rm -f build-san/reports.*
	@ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:log_path=$(CURDIR)/build-san/reports \
	 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(CURDIR)/build-san/reports \
	 SOCKCAT=$(CURDIR)/build-san/sockcat SOCKCAT_PLAIN=$(CURDIR)/sockcat \
	 SOCKCAT_TEST_TIMEOUT=$${SOCKCAT_TEST_TIMEOUT:-30} \
	 sh tests/run.sh; st=$$?; \
	 if ls build-san/reports.* >/dev/null 2>&1; then \
		echo "sanitizer reports:"; cat build-san/reports.*; exit 1; fi; \
	 exit $$st

# Fuzzing: libFuzzer targets in fuzz/ (clang), each run for FUZZ_SECONDS
# from its committed seed corpus fuzz/corpus/TARGET; what they find new
# goes to build-fuzz/corpus/TARGET, a crash to build-fuzz/crash-*.
FUZZ_TARGETS = addr args spellings json shape proxy proxyproto acl label
FUZZ_SECONDS ?= 60
FUZZ_CC    = clang
FUZZ_SAN   = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=all
# (main.o holds the command table and main(); completion.o reads the
# table: the targets call the commands' check entries themselves.)
FUZZ_OBJS  = $(filter-out build-fuzz/cmd/main.o build-fuzz/cmd/completion.o,\
             $(patsubst %.c,build-fuzz/%.o,$(SRC_SRCS) $(CMD_SRCS)))
FUZZ_BINS  = $(patsubst %,build-fuzz/fuzz-%,$(FUZZ_TARGETS))

fuzz-build:
	@mkdir -p build-fuzz/src build-fuzz/cmd
	@$(MAKE) -s --no-print-directory OBJDIR=build-fuzz CC=$(FUZZ_CC) \
		CFLAGS="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_BINS)

build-fuzz/fuzz-%: fuzz/%.c fuzz/jsoncheck.c fuzz/jsoncheck.h $(FUZZ_OBJS)
	$(CC) $(ALL_CFLAGS) -Ifuzz -fsanitize=fuzzer -o $@ $< \
		fuzz/jsoncheck.c $(FUZZ_OBJS) $(ALL_LIBS)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p build-fuzz/corpus/$$t; \
		echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
		build-fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
			-close_fd_mask=3 -print_final_stats=0 \
			-artifact_prefix=build-fuzz/crash-$$t- \
			build-fuzz/corpus/$$t fuzz/corpus/$$t 2>build-fuzz/$$t.log || \
			{ tail -n 60 build-fuzz/$$t.log; exit 1; }; \
		grep -E '^(#[0-9]+ *DONE|Done)' build-fuzz/$$t.log | tail -n 1; \
	done

# Benchmarks: sockcat side by side with the installed peers (not part
# of check).  BENCH_ARGS=--quick for a short run.
BENCH_PKGS = $(BUILD_PKGS) hyperfine busybox netcat-traditional \
             netcat-openbsd ncat socat python3 openssl
bench-deps:
	@$(MAKE) --no-print-directory deps DEPS_PKGS="$(BENCH_PKGS)"

bench: sockcat
	python3 bench/bench.py $(BENCH_ARGS)

# forward's rows beside haproxy, socat and ncat (bench/fwdbench.py).
bench-forward: sockcat
	python3 bench/fwdbench.py $(BENCH_ARGS)

# TLS rows: bulk both ways, handshakes, start-up (bench/tlsbench.py).
bench-tls: sockcat
	python3 bench/tlsbench.py $(BENCH_ARGS)

# The README's quick start on a minimal Debian 12 (tests/check-fresh.sh).
check-fresh:
	@sh tests/check-fresh.sh

# Plain -Tlint, all of it but "referenced manual not found" (which says
# which pages this machine has installed, not what is wrong with ours).
lint-man:
	@out=$$(mandoc -Tlint man/sockcat.1 2>&1 | \
		grep -v -e 'referenced manual not found' -e 'outdated mandoc.db'); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi

install: sockcat
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 sockcat $(DESTDIR)$(BINDIR)/sockcat
	install -m 644 man/sockcat.1 $(DESTDIR)$(MANDIR)/sockcat.1
	./sockcat completion bash >$(DESTDIR)$(BASHCOMPDIR)/sockcat
	./sockcat completion zsh >$(DESTDIR)$(ZSHCOMPDIR)/_sockcat
	./sockcat completion fish >$(DESTDIR)$(FISHCOMPDIR)/sockcat.fish
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/sockcat $(DESTDIR)$(ZSHCOMPDIR)/_sockcat \
		$(DESTDIR)$(FISHCOMPDIR)/sockcat.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockcat $(DESTDIR)$(MANDIR)/sockcat.1 \
		$(DESTDIR)$(BASHCOMPDIR)/sockcat $(DESTDIR)$(ZSHCOMPDIR)/_sockcat \
		$(DESTDIR)$(FISHCOMPDIR)/sockcat.fish

# The Debian package, built from a copy of the tracked files into
# build-deb/ (build-deb/sockcat_VERSION_ARCH.deb); check-package also
# lints it and runs the binary it holds.
deb:
	@sh tests/check-package.sh

check-package:
	@sh tests/check-package.sh --check

clean:
	rm -f sockcat $(OBJS) $(OBJS:.o=.d)
	rm -rf build-san build-fuzz build-deb

.PHONY: all deps bench-deps bench bench-forward bench-tls check check-fresh check-sanitize fuzz fuzz-build lint-man \
        deb check-package \
        install uninstall clean
