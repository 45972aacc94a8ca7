# pam_mkmaildir - create a user's Maildir at login.
# make, make test, make check, make demo, make install [DESTDIR= PREFIX= SECUREDIR=], make clean.

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
# Where authmkhome finds Courier's authdaemond (quota_source=authdaemon).
AUTHDAEMON_SOCKET ?= /run/courier/authdaemon/socket

# The flags this code is built with, always: the language, the warnings,
# position-independent code, hidden symbols and the hardening.  A CFLAGS,
# CPPFLAGS or LDFLAGS given on the command line, in the environment or by
# dpkg-buildflags (debian/rules) comes after them: it adds to these flags
# and never removes one (make CFLAGS=-O0 still builds with all of them).
# WERROR= for a compiler whose warnings we have not seen (clang in the
# sanitizer and fuzz builds).
WERROR   ?= -Werror
WARN     := -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla
HARDEN   := -fstack-protector-strong -fPIC
# _FORTIFY_SOURCE=2, unless the caller's flags choose a level (dpkg-buildflags
# gives 2 or 3): a second, different -D would be a warning, so an error.
FORTIFY   = $(if $(filter -D_FORTIFY_SOURCE%,$(CPPFLAGS) $(CFLAGS) $(CFLAGS_EXTRA)),,-D_FORTIFY_SOURCE=2)
REQ_CFLAGS := -std=c11 $(WARN) $(HARDEN) -fvisibility=hidden
# DEFS='-DSTD_CREATOR=\"/path\"' (the original authmkhome's way) replaces ours.
REQ_CPPFLAGS = $(FORTIFY) \
            $(if $(findstring STD_CREATOR,$(DEFS)),,-DSTD_CREATOR='"$(STD_CREATOR)"') \
            -DCONFIG_FILE='"$(CONFIG_FILE)"' -DAUTHDAEMON_SOCKET='"$(AUTHDAEMON_SOCKET)"' $(DEFS)
REQ_LDFLAGS := -Wl,-z,relro,-z,now -Wl,--as-needed
# The caller's own (optimisation and debugging by default).
CFLAGS   ?= -O2 -g
CPPFLAGS ?=
LDFLAGS  ?=
# Appended last, so that it wins: the sanitizer and fuzz builds pass their
# -fsanitize= and -O here (tests/sanbuild.sh, tests/fuzz/run.sh).
CFLAGS_EXTRA ?=
# What every rule uses: compiling (ALL_CFLAGS), linking (LINK_CFLAGS, then
# ALL_LDFLAGS).
ALL_CPPFLAGS = $(REQ_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = $(ALL_CPPFLAGS) $(REQ_CFLAGS) $(CFLAGS) $(CFLAGS_EXTRA)
LINK_CFLAGS  = $(REQ_CFLAGS) $(CFLAGS) $(CFLAGS_EXTRA)
ALL_LDFLAGS  = $(REQ_LDFLAGS) $(LDFLAGS)
# A sanitized module gets the sanitizer runtime from the program that loads
# it, so that build links it with SO_UNDEFINED= .
SO_UNDEFINED ?= -Wl,--no-undefined
# The flags of the sanitizer build (tests/sanbuild.sh, make sanitize).
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=all

# Where objects go: BUILD=build-san keeps a second build beside this one.
BUILD    ?= .
B        := $(patsubst %/,%,$(BUILD))

PROGRAMS := pam_mkmaildir.so authmkhome mkmaildir
MANPAGES := pam_mkmaildir.8 authmkhome.8 mkmaildir.8
# The core, one concern a file (core.h is its private header; the front
# ends see only maildir.h).
CORE     := trust fsids options account expand folders creator walk fsops tree populate record skel check maildir
CORE_OBJS := $(CORE:%=$(B)/%.o)
FRONT_OBJS := $(B)/pam_mkmaildir.o $(B)/authmkhome.o $(B)/mkmaildir.o
# authmkhome's own: the question to Courier's authdaemond (not in the module).
AMH_OBJS := $(B)/authmkhome.o $(B)/authdaemon.o

all: $(PROGRAMS:%=$(B)/%) $(B)/libcore.a

# The PAM development headers, looked for once before the first compile
# (the stamp $(B)/.pam-headers remembers them): without them the build stops
# with one line that names the package.
PAM_HEADER := security/pam_modules.h
PAM_MISSING := pam_mkmaildir needs the PAM development headers ($(PAM_HEADER)): \
	install libpam0g-dev (Debian/Ubuntu) or pam-devel (Fedora/RHEL/SUSE)
$(B)/.pam-headers:
	$(if $(shell printf '\043include <%s>\n' '$(PAM_HEADER)' | \
		$(CC) $(ALL_CPPFLAGS) -E -x c -o /dev/null - >/dev/null 2>&1 && echo found),,$(error $(PAM_MISSING)))
	@mkdir -p $(@D) && touch $@

$(B)/%.o: %.c | $(B)/.pam-headers
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(CORE_OBJS:.o=.d) $(FRONT_OBJS:.o=.d) $(B)/authdaemon.d

# The same objects the programs are linked from, for the unit tests and
# the fuzzers.
$(B)/libcore.a: $(CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $(CORE_OBJS)

# -z nodelete: libpam dlopen()s and dlclose()s the module on every login;
# kept loaded, a login does not pay for loading and binding it again.
# The version script exports the pam_sm_* functions and nothing else.
$(B)/pam_mkmaildir.so: $(B)/pam_mkmaildir.o $(CORE_OBJS) pam_mkmaildir.map
	$(CC) $(LINK_CFLAGS) -shared $(SO_UNDEFINED) -Wl,-z,nodelete \
		-Wl,--version-script=pam_mkmaildir.map $(ALL_LDFLAGS) \
		-o $@ $(B)/pam_mkmaildir.o $(CORE_OBJS) -lpam

$(B)/authmkhome: $(AMH_OBJS) $(CORE_OBJS)
	$(CC) $(LINK_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ $(AMH_OBJS) $(CORE_OBJS)

$(B)/mkmaildir: $(B)/mkmaildir.o $(CORE_OBJS)
	$(CC) $(LINK_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ $(B)/mkmaildir.o $(CORE_OBJS) \
		-lpthread

# The tests' libpam driver, with the module's own flags.
tests/pamrun: tests/pamrun.c | $(B)/.pam-headers
	$(CC) $(ALL_CFLAGS) -o $@ tests/pamrun.c $(ALL_LDFLAGS) -lpam -lpthread

print-cflags:
	@echo $(ALL_CFLAGS)

print-san-flags:
	@echo $(SAN_FLAGS)

# Installs the Debian packages the tests need when they are missing (root only).
deps:
	@sh tests/deps.sh

# The part of the suite that needs neither root nor packages, for any user,
# in seconds: the C unit tests (tests/t_unit_core.sh and t_unit_folders.sh
# build and run tests/unit_*.c), the module through libpam with nss_wrapper
# (a SKIP line when libnss-wrapper is not installed) and mkmaildir.  It
# tests the build in the top directory; run as a user, every syslog message
# goes to tests/run's capture, none to the host's.  The authmkhome scripts
# run it with a clean environment (env -i), out of the capture's reach: they
# are left to make check.
TEST_SCRIPTS := unit_core unit_folders module_basic mkmaildir
test: all tests/pamrun
	tests/run $(TEST_SCRIPTS:%=tests/t_%.sh)

# The whole suite (as root: namespaces, throwaway Debian roots, servers).
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
# make bench writes BENCHMARKS.md (bench/BENCHMARKS.md.in filled with the
# figures); BENCH_ARGS= passes run.sh's knobs (bench/run.sh -h).
BENCH_ARGS ?=
bench: all tests/pamrun bench/pam_nop.so
	bench/run.sh $(BENCH_ARGS) -o BENCHMARKS.md

# The benchmark's control module, compiled and linked as the module is.
bench/pam_nop.so: bench/pam_nop.c pam_mkmaildir.map | $(B)/.pam-headers
	$(CC) $(ALL_CFLAGS) -shared $(SO_UNDEFINED) -Wl,-z,nodelete \
		-Wl,--version-script=pam_mkmaildir.map $(ALL_LDFLAGS) -o $@ bench/pam_nop.c -lpam

# Several frontends, GlusterFS and LDAP, in throwaway roots (root only).
cluster-check: all
	tests/cluster/run.sh

# The build in $(B), under $(DESTDIR): the module in $(SECUREDIR), the
# programs in $(SBINDIR), the man pages in $(MANDIR)/man8.  The shared
# options file (conf/mkmaildir.conf) goes to CONFIG_FILE unless a file is
# there already: an administrator's is never overwritten.
# INSTALL_CONFIG=no leaves it out (the Debian package ships its own).
INSTALL  ?= install
INSTALL_CONFIG ?= yes
install: all
	$(INSTALL) -d $(DESTDIR)$(SECUREDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	$(INSTALL) -m 0644 $(B)/pam_mkmaildir.so $(DESTDIR)$(SECUREDIR)/pam_mkmaildir.so
	$(INSTALL) -m 0755 $(B)/authmkhome $(B)/mkmaildir $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
ifneq ($(INSTALL_CONFIG),no)
	@if [ -e $(DESTDIR)$(CONFIG_FILE) ] || [ -L $(DESTDIR)$(CONFIG_FILE) ]; then \
		echo "$(DESTDIR)$(CONFIG_FILE) exists: left as it is"; \
	else \
		echo "$(INSTALL) -D -m 0644 conf/mkmaildir.conf $(DESTDIR)$(CONFIG_FILE)"; \
		$(INSTALL) -D -m 0644 conf/mkmaildir.conf $(DESTDIR)$(CONFIG_FILE); \
	fi
endif

print-securedir:
	@echo $(SECUREDIR)

# uninstall leaves CONFIG_FILE: it may hold the administrator's options.
uninstall:
	rm -f $(DESTDIR)$(SECUREDIR)/pam_mkmaildir.so $(DESTDIR)$(SBINDIR)/authmkhome \
		$(DESTDIR)$(SBINDIR)/mkmaildir $(MANPAGES:%=$(DESTDIR)$(MANDIR)/man8/%)

# What the build made in $(B), and the test and benchmark helpers.
clean:
	rm -f $(B)/*.o $(B)/*.d $(B)/libcore.a $(PROGRAMS:%=$(B)/%) $(B)/.pam-headers \
		tests/pamrun bench/pam_nop.so

.PHONY: print-securedir print-cflags print-san-flags all deps test check demo sanitize fuzz bench cluster-check install uninstall clean
