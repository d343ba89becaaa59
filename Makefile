# sockcat -- see README.md.  `make deps check` on a fresh Debian 12.
VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR     = $(PREFIX)/bin
MANDIR     = $(PREFIX)/share/man/man1
CC        ?= cc
PKG_CONFIG ?= pkg-config

# Recursive on purpose: evaluated when a recipe runs, after `make deps`
# has installed pkg-config and libbsd in the same invocation.
BSD_CFLAGS = $(shell $(PKG_CONFIG) --cflags libbsd-overlay)
BSD_LIBS   = $(shell $(PKG_CONFIG) --libs libbsd-overlay)

CFLAGS    ?= -O2 -g
# -Wconversion without its sign half: socket APIs mix int, size_t,
# ssize_t and socklen_t everywhere, and each cast would hide more than
# it shows.
WARNINGS   = -Wall -Wextra -Wshadow -Wformat=2 -Wconversion \
             -Wno-sign-conversion -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(CFLAGS) $(BSD_CFLAGS) -Isrc -Icmd \
             -DSOCKCAT_VERSION='"$(VERSION)"' -MMD -MP
ALL_LIBS   = $(BSD_LIBS) $(LIBS)

SRC_SRCS   = src/addr.c src/dgram.c src/spawn.c src/pump.c src/sig.c src/sock.c
CMD_SRCS   = cmd/main.c cmd/opts.c cmd/relay.c cmd/listen.c cmd/dial.c cmd/serve.c cmd/connect.c \
             cmd/udp-send.c cmd/udp-listen.c cmd/resolve.c cmd/hostname.c
OBJS       = $(SRC_SRCS:.c=.o) $(CMD_SRCS:.c=.o)

# What `make deps` installs when missing (Debian package names).
DEPS_PKGS  = gcc make pkg-config libbsd-dev bats mandoc python3 socat \
             netcat-openbsd ncat curl netbase iproute2 procps strace

all: sockcat

sockcat: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(ALL_LIBS)

%.o: %.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

-include $(OBJS:.o=.d)

deps:
	@missing=$$(for p in $(DEPS_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; \
	else echo "deps: all installed"; fi

check: sockcat
	@sh tests/run.sh

lint-man:
	mandoc -Tlint -W warning man/sockcat.1

install: sockcat
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)
	install -m 755 sockcat $(DESTDIR)$(BINDIR)/sockcat
	install -m 644 man/sockcat.1 $(DESTDIR)$(MANDIR)/sockcat.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockcat $(DESTDIR)$(MANDIR)/sockcat.1

clean:
	rm -f sockcat $(OBJS) $(OBJS:.o=.d)

.PHONY: all deps check lint-man install uninstall clean
