# pam_mkmaildir - create a user's Maildir at login.
# make, make check, make demo, make install [DESTDIR= PREFIX= SECUREDIR=], make clean.

CC       ?= cc
PREFIX   ?= /usr
DESTDIR  ?=
MULTIARCH ?= $(shell $(CC) -print-multiarch 2>/dev/null)
# The directory where this system's PAM keeps pam_unix.so, where libpam
# looks for modules named without a path: on Debian the one libpam-modules
# installs it in (Debian 12: /lib/<multiarch>/security; Debian 13, after
# the /usr merge: /usr/lib/<multiarch>/security), elsewhere the first of
# the usual directories that holds pam_unix.so, else /lib/<multiarch>/security.
# make print-securedir shows the choice; SECUREDIR= overrides it.
ifeq ($(origin SECUREDIR),undefined)
SECUREDIR := $(patsubst %/pam_unix.so,%,$(firstword \
	$(shell dpkg-query -L libpam-modules 2>/dev/null | grep '$(if $(MULTIARCH),/$(MULTIARCH))/security/pam_unix\.so$$') \
	$(wildcard $(if $(MULTIARCH),/usr/lib/$(MULTIARCH)/security/pam_unix.so /lib/$(MULTIARCH)/security/pam_unix.so) \
		/usr/lib64/security/pam_unix.so /lib64/security/pam_unix.so \
		/usr/lib/security/pam_unix.so /lib/security/pam_unix.so) \
	$(if $(MULTIARCH),/lib/$(MULTIARCH)/security,/lib/security)/pam_unix.so))
endif
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
STD_CREATOR ?= /usr/sbin/authmkhome-creator
CONFIG_FILE ?= /etc/security/mkmaildir.conf

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla
HARDEN   := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) $(HARDEN) -fvisibility=hidden
# DEFS='-DSTD_CREATOR=\"/path\"' (the original authmkhome's way) replaces ours.
CPPFLAGS += $(if $(findstring STD_CREATOR,$(DEFS)),,-DSTD_CREATOR='"$(STD_CREATOR)"') \
            -DCONFIG_FILE='"$(CONFIG_FILE)"' $(DEFS)
LDFLAGS  += -Wl,-z,relro,-z,now -Wl,--as-needed

PROGRAMS := pam_mkmaildir.so authmkhome mkmaildir
MANPAGES := pam_mkmaildir.8 authmkhome.8 mkmaildir.8

all: $(PROGRAMS)

maildir.o: maildir.c maildir.h folders.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ maildir.c

folders.o: folders.c folders.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ folders.c

pam_mkmaildir.so: pam_mkmaildir.c maildir.o folders.o maildir.h
# -z nodelete: libpam dlopen()s and dlclose()s the module on every login;
# kept loaded, a login does not pay for loading and binding it again.
	$(CC) $(CPPFLAGS) $(CFLAGS) -shared -Wl,--no-undefined -Wl,-z,nodelete $(LDFLAGS) \
		-o $@ pam_mkmaildir.c maildir.o folders.o -lpam

authmkhome: authmkhome.c maildir.o folders.o maildir.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDFLAGS) -o $@ authmkhome.c maildir.o folders.o

mkmaildir: mkmaildir.c maildir.o folders.o maildir.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -pie $(LDFLAGS) -o $@ mkmaildir.c maildir.o folders.o -lpthread

tests/pamrun: tests/pamrun.c
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/pamrun.c -lpam -lpthread

# Installs the Debian packages the tests need when they are missing (root only).
deps:
	@sh tests/deps.sh

check: deps
	$(MAKE) all tests/pamrun
	tests/run

demo: deps
	$(MAKE) all tests/pamrun
	tests/demo.sh

# Sanitizer builds of everything, for tests/t_sanitize.sh and local use.
# Builds into build-san/ (the normal build is left alone) and runs the suite on it.
sanitize:
	tests/sanbuild.sh build-san
	T_MODULE=$(CURDIR)/build-san/pam_mkmaildir.so T_PAMRUN=$(CURDIR)/build-san/pamrun \
		T_HOST_SESSIONS=10000 \
		ASAN_OPTIONS=detect_leaks=1:exitcode=97 tests/run tests/t_module_*.sh tests/t_hostile_*.sh

# libFuzzer targets (tests/fuzz/); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 30
fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

# Benchmarks against the alternatives; prints a table (see BENCHMARKS.md).
bench: all
	bench/run.sh

# Several frontends, GlusterFS and LDAP, in throwaway roots (root only).
cluster-check: all
	tests/cluster/run.sh

install: all
	install -d $(DESTDIR)$(SECUREDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0644 pam_mkmaildir.so $(DESTDIR)$(SECUREDIR)/pam_mkmaildir.so
	install -m 0755 authmkhome mkmaildir $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/

print-securedir:
	@echo $(SECUREDIR)

uninstall:
	rm -f $(DESTDIR)$(SECUREDIR)/pam_mkmaildir.so $(DESTDIR)$(SBINDIR)/authmkhome \
		$(DESTDIR)$(SBINDIR)/mkmaildir
	cd $(DESTDIR)$(MANDIR)/man8 && rm -f $(MANPAGES)

clean:
	rm -f *.o $(PROGRAMS) tests/pamrun

.PHONY: print-securedir all deps check demo sanitize fuzz bench cluster-check install uninstall clean
