#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A creator= program for pam_mkmaildir (run with creator_root) that builds
# the same tree as the module's built-in code: one mkdir for every
# directory, shell built-ins for the files, one chown -R.  HOME, MAILDIR,
# UID and GID come from the module.
set -eu
umask 077
m=$MAILDIR
mkdir "$HOME" "$m" "$m/cur" "$m/new" "$m/tmp" \
	"$m/.Drafts" "$m/.Drafts/cur" "$m/.Drafts/new" "$m/.Drafts/tmp" \
	"$m/.Sent" "$m/.Sent/cur" "$m/.Sent/new" "$m/.Sent/tmp" \
	"$m/.Trash" "$m/.Trash/cur" "$m/.Trash/new" "$m/.Trash/tmp" \
	"$m/.Junk" "$m/.Junk/cur" "$m/.Junk/new" "$m/.Junk/tmp"
for f in Drafts Sent Trash Junk; do : >"$m/.$f/maildirfolder"; done
printf 'INBOX.Drafts\nINBOX.Sent\nINBOX.Trash\nINBOX.Junk\n' >"$m/courierimapsubscribed"
printf 'V\t2\n\nINBOX\nDrafts\nSent\nTrash\nJunk\n' >"$m/subscriptions"
printf '1073741824S,10000C\n' >"$m/maildirsize"
chown -R "$UID:$GID" "$HOME"
