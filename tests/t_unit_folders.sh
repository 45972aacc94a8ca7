# SPDX-License-Identifier: GPL-2.0-or-later
# The folder-name encoder (folders.c) on its own: every case of the table in
# tests/unit_folders.c, in both on-disk forms (modified UTF-7 and UTF-8).
. "$(dirname "$0")/lib.sh"

run_unit unit_folders 121 "$T_TOP/folders.c"
