#!/bin/sh
# Builds the module and the PAM driver (tests/pamrun) with clang's AddressSanitizer and
# UndefinedBehaviorSanitizer into DIR (default build-san), without touching
# the normal build in the top directory.  The module is a shared object
# loaded by libpam: it is linked without the sanitizer runtime, whose
# symbols the sanitized driver (pamrun: static runtime, exported)
# provide, so no LD_PRELOAD of the runtime is needed and the tests' own
# LD_PRELOAD (nss_wrapper, shims) keeps working.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-san}
mkdir -p "$out"
CC=${SAN_CC:-clang}
F="-std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
D="-DSTD_CREATOR=\"/usr/sbin/authmkhome-creator\" -DCONFIG_FILE=\"/etc/security/mkmaildir.conf\""
eval $CC $F $D -fPIC -fvisibility=hidden -shared -o "$out/pam_mkmaildir.so" \
	"$top/pam_mkmaildir.c" "$top/maildir.c" "$top/folders.c" -lpam
$CC $F -o "$out/pamrun" "$top/tests/pamrun.c" -lpam -lpthread
