#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pam_exec's way (the usual how-to): on every login look the user up and
# test for the maildir; on the first, make it with maildirmake and hand
# the home over.  bench/run.sh installs a copy with MDM and MDM_LIBS set
# (pam_exec gives its program a clean environment).
set -eu
MDM=@MDM@
MDM_LIBS=@MDM_LIBS@
IFS=: read -r _ _ uid gid _ home _ <<END
$(getent passwd "$PAM_USER")
END
md=$home/Maildir
[ -d "$md/cur" ] && exit 0
umask 077
mkdir -p "$home"
mdm() { LD_LIBRARY_PATH=$MDM_LIBS "$MDM" "$@"; }
mdm "$md"
for f in Drafts Sent Trash Junk; do mdm -f "$f" "$md"; done
mdm -q 1073741824S,10000C "$md"
printf 'INBOX.Drafts\nINBOX.Sent\nINBOX.Trash\nINBOX.Junk\n' >"$md/courierimapsubscribed"
printf 'V\t2\n\nINBOX\nDrafts\nSent\nTrash\nJunk\n' >"$md/subscriptions"
chown -R "$uid:$gid" "$home"
