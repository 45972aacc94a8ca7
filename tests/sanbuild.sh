#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the module and the PAM driver (tests/pamrun) with clang's
# AddressSanitizer and UndefinedBehaviorSanitizer into DIR (default build-san), without touching
# the normal build in the top directory: the Makefile's own rules and flags,
# with its SAN_FLAGS appended (CFLAGS_EXTRA) and the objects under DIR
# (BUILD).  The module is a shared object loaded by libpam: it is linked
# without the sanitizer runtime (SO_UNDEFINED=), whose symbols the sanitized
# driver (pamrun: static runtime, exported) provides, so no
# LD_PRELOAD of the runtime is needed and the tests' own LD_PRELOAD
# (nss_wrapper, shims) keeps working.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-san}
mkdir -p "$out"
CC=${SAN_CC:-clang}
F=$(make -s --no-print-directory -C "$top" print-san-flags)
make -s --no-print-directory -C "$top" CC="$CC" BUILD="$out" CFLAGS_EXTRA="$F" WERROR= \
	SO_UNDEFINED= "$out/pam_mkmaildir.so" >&2
# shellcheck disable=SC2086
$CC -std=c11 $F -o "$out/pamrun" "$top/tests/pamrun.c" -lpam -lpthread
