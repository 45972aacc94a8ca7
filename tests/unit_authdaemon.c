// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * unit_authdaemon.c - table-driven test of authmkhome's question to
 * Courier's authdaemond (authdaemon.c): ad_parse on well-formed and hostile
 * answers, ad_bad_user, and ad_query against a peer on a socketpair that
 * answers well, in pieces, too much, not at all, or hangs.  Linked against
 * authdaemon.o and libcore.a, the objects authmkhome is linked from.
 * Prints one "PASS name" or "FAIL name: why" line per case
 * (tests/t_unit_core.sh records them); exits 1 on a failure.
 */
#define _GNU_SOURCE
#include "authdaemon.h"
#include "tests/unit.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ME 1000
#define HASH "$1$secret$HashOfThePassword"

static const char *ad_name(enum ad_result r)
{
	static const char *const names[] = {
		[AD_QUOTA] = "AD_QUOTA", [AD_NOQUOTA] = "AD_NOQUOTA", [AD_UNKNOWN] = "AD_UNKNOWN",
		[AD_REFUSED] = "AD_REFUSED", [AD_FOREIGN] = "AD_FOREIGN",
		[AD_BADUSER] = "AD_BADUSER", [AD_ERROR] = "AD_ERROR",
	};

	return names[r];
}

/* What authdaemond 0.71/0.72 sends for a userdb account (printauth). */
#define HEAD "UID=1000\nGID=1000\nHOME=/var/vmail/example.org/alice\nADDRESS=alice@example.org\n"
#define TAIL "PASSWD=" HASH "\nOPTIONS=disableshared=1\n.\n"

struct pcase {
	const char *name;
	const char *reply;
	size_t len;            /* 0: strlen(reply) */
	enum ad_result want;
	const char *quota;     /* on AD_QUOTA */
};

static char huge[AD_MAX_REPLY + 64], longline[AD_MAX_REPLY], longquota[256], longhome[4200];

static const struct pcase pcases[] = {
	{ "userdb account with a quota", HEAD "QUOTA=5000000S,500C\n" TAIL, 0, AD_QUOTA,
	  "5000000S,500C" },
	{ "bytes only", HEAD "QUOTA=1073741824S\n" TAIL, 0, AD_QUOTA, "1073741824S" },
	{ "count first", HEAD "QUOTA=100C,1000S\n" TAIL, 0, AD_QUOTA, "100C,1000S" },
	{ "the largest limits", HEAD "QUOTA=9223372036854775807S,2147483647C\n" TAIL, 0,
	  AD_QUOTA, "9223372036854775807S,2147483647C" },
	{ "UID and QUOTA only", "UID=1000\nQUOTA=1S\n.\n", 0, AD_QUOTA, "1S" },
	{ "QUOTA before UID", "QUOTA=1S\nUID=1000\n.\n", 0, AD_QUOTA, "1S" },
	{ "USERNAME and MAILDIR lines", "USERNAME=vmail\nUID=1000\nMAILDIR=./Maildir\n"
	  "QUOTA=2S\n.\n", 0, AD_QUOTA, "2S" },
	{ "an empty value elsewhere", "UID=1000\nNAME=\nQUOTA=3S\n.\n", 0, AD_QUOTA, "3S" },
	{ "no quota field", HEAD TAIL, 0, AD_NOQUOTA, NULL },
	{ "an empty quota field", HEAD "QUOTA=\n" TAIL, 0, AD_NOQUOTA, NULL },
	{ "FAIL", "FAIL\n", 0, AD_UNKNOWN, NULL },
	{ "nothing at all", "", 0, AD_ERROR, NULL },
	/* hostile or broken answers */
	{ "no final \".\"", HEAD "QUOTA=1S\n" "PASSWD=" HASH "\n", 0, AD_REFUSED, NULL },
	{ "cut in the middle of a line", HEAD "QUOTA=1S", 0, AD_REFUSED, NULL },
	{ "\".\" without its newline", HEAD "QUOTA=1S\n.", 0, AD_REFUSED, NULL },
	{ "bytes after the final \".\"", HEAD "QUOTA=1S\n.\nQUOTA=2S\n", 0, AD_REFUSED, NULL },
	{ "\". \" is not the end", HEAD "QUOTA=1S\n. \n", 0, AD_REFUSED, NULL },
	{ "only \".\"", ".\n", 0, AD_REFUSED, NULL },
	{ "PASSWD only", "PASSWD=" HASH "\n.\n", 0, AD_REFUSED, NULL },
	{ "no UID", "GID=1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "another uid", "UID=1001\nQUOTA=1S\n.\n", 0, AD_FOREIGN, NULL },
	{ "uid 0", "UID=0\nQUOTA=1S\n.\n", 0, AD_FOREIGN, NULL },
	{ "our uid plus 2^32", "UID=4294968296\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "uid with a sign", "UID=+1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "uid with a space", "UID= 1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "uid with leading zeros past 10 digits", "UID=00000001000\nQUOTA=1S\n.\n", 0,
	  AD_REFUSED, NULL },
	{ "empty uid", "UID=\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "UID twice, ours second", "UID=1001\nUID=1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "UID twice, ours first", "UID=1000\nUID=1001\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "QUOTA twice", HEAD "QUOTA=1S\nQUOTA=2000000000S\n" TAIL, 0, AD_REFUSED, NULL },
	{ "QUOTA twice, the same", "UID=1000\nQUOTA=1S\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "HOME twice", "UID=1000\nHOME=/a\nHOME=/b\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "MAILDIR twice", "UID=1000\nMAILDIR=a\nMAILDIR=b\nQUOTA=1S\n.\n", 0, AD_REFUSED,
	  NULL },
	{ "HOME of 4096 bytes", longhome, 0, AD_REFUSED, NULL },
	{ "a NUL in the quota", "UID=1000\nQUOTA=1S\0,9C\n.\n", 21, AD_REFUSED, NULL },
	{ "a NUL before the end", "UID=1000\nQUOTA=1S\n\0.\n", 20, AD_REFUSED, NULL },
	{ "a line without '='", HEAD "QUOTA=1S\ngarbage\n" TAIL, 0, AD_REFUSED, NULL },
	{ "FAIL inside an answer", "UID=1000\nFAIL\n.\n", 0, AD_REFUSED, NULL },
	{ "an empty line", "UID=1000\n\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "a lower-case name", "uid=1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "'=' first", "=x\nUID=1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "a CR in a name", "UID\r=1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "FAIL with more", "FAIL\nUID=1000\nQUOTA=1S\n.\n", 0, AD_REFUSED, NULL },
	{ "FAIL without newline", "FAIL", 0, AD_REFUSED, NULL },
	{ "longer than 8192 bytes", huge, 0, AD_REFUSED, NULL },
	{ "a line of 8000 bytes", longline, 0, AD_QUOTA, "4S" },
	{ "an over-long quota", longquota, 0, AD_REFUSED, NULL },
	/* quota text quota= refuses (options.c's check_quota) */
	{ "quota without a unit", "UID=1000\nQUOTA=1000\n.\n", 0, AD_REFUSED, NULL },
	{ "quota with a trailing comma", "UID=1000\nQUOTA=1000S,\n.\n", 0, AD_REFUSED, NULL },
	{ "quota S twice", "UID=1000\nQUOTA=1S,2S\n.\n", 0, AD_REFUSED, NULL },
	{ "quota above 2^63-1 bytes", "UID=1000\nQUOTA=9223372036854775808S\n.\n", 0,
	  AD_REFUSED, NULL },
	{ "quota above 2^31-1 messages", "UID=1000\nQUOTA=2147483648C\n.\n", 0, AD_REFUSED,
	  NULL },
	{ "negative quota", "UID=1000\nQUOTA=-1S\n.\n", 0, AD_REFUSED, NULL },
	{ "quota with a space", "UID=1000\nQUOTA=1S, 2C\n.\n", 0, AD_REFUSED, NULL },
	{ "quota with a control character", "UID=1000\nQUOTA=1S\x1b[0m\n.\n", 0, AD_REFUSED,
	  NULL },
	{ "quota with an escape sequence and a line", "UID=1000\nQUOTA=1S\rQUOTA=2S\n.\n", 0,
	  AD_REFUSED, NULL },
	{ "quota with a command", "UID=1000\nQUOTA=1S;rm -rf /\n.\n", 0, AD_REFUSED, NULL },
};

/* Whether a parse or query gave the wanted result, quota and a reason;
 * otherwise why not, in why. */
static bool same_result(enum ad_result r, enum ad_result want, const char *quota,
			const char *want_quota, const char *reason, char *why, size_t len)
{
	if (r != want)
		snprintf(why, len, "gave %s (%s), want %s", ad_name(r),
			 reason != NULL ? reason : "no reason", ad_name(want));
	else if (r == AD_QUOTA && strcmp(quota, want_quota) != 0)
		snprintf(why, len, "quota \"%s\", want \"%s\"", quota, want_quota);
	else if (r != AD_QUOTA && reason == NULL)
		snprintf(why, len, "%s without a reason", ad_name(r));
	else
		return true;
	return false;
}

static void one_parse(const struct pcase *c)
{
	static struct ad_answer ans;
	char *quota = ans.quota, name[300], why[600] = "";
	size_t len = c->len != 0 ? c->len : strlen(c->reply);
	const char *reason = NULL;
	enum ad_result r = ad_parse(c->reply, len, ME, &ans, &reason);

	snprintf(name, sizeof name, "ad_parse: %s", c->name);
	if (!same_result(r, c->want, quota, c->quota, reason, why, sizeof why))
		; /* why says it */
	else if (r != AD_QUOTA && quota[0] != '\0')
		snprintf(why, sizeof why, "a quota (\"%s\") was copied out", quota);
	else if (reason != NULL && (strstr(reason, "secret") != NULL || strchr(reason, '$')))
		snprintf(why, sizeof why, "the reason quotes the answer: %s", reason);
	report(why[0] == '\0', name, why);
}

/* --- ad_bad_user: what may go on the wire --- */

struct ucase {
	const char *user;
	bool ok;
};

static char u255[256], u256[257];

static const struct ucase ucases[] = {
	{ "alice@example.org", true }, { "alice", true }, { "\xc3\xa9mile", true },
	{ u255, true }, { u256, false }, { "", false }, { "a b", false },
	{ "alice\nPRE . login bob", false }, { "a\tb", false }, { "a\rb", false },
	{ "a\x7f", false }, { "\x01", false }, { " alice", false }, { "alice ", false },
};

static void one_user(const struct ucase *c)
{
	const char *why = ad_bad_user(c->user);
	char name[300], e[64];

	snprintf(name, sizeof name, "ad_bad_user \"%s\" (%zu bytes) %s",
		 md_escape(c->user, e, sizeof e), strlen(c->user), c->ok ? "accepted" : "refused");
	report((why == NULL) == c->ok, name, why != NULL ? why : "accepted");
}

/* --- ad_query against a peer --- */

enum peer {
	PEER_ANSWER,     /* reads the request, sends the answer, closes */
	PEER_PIECES,     /* the same, one byte at a time */
	PEER_LINGER,     /* sends the answer and keeps the connection open */
	PEER_CLOSE,      /* reads the request, closes without a word (TEMPFAIL) */
	PEER_HANG,       /* reads the request, never answers */
	PEER_FLOOD,      /* sends more than AD_MAX_REPLY and keeps sending */
	PEER_GONE,       /* closed before the request */
};

struct qcase {
	const char *name;
	enum peer peer;
	const char *user;
	const char *answer;
	enum ad_result want;
	const char *quota;
};

static const struct qcase qcases[] = {
	{ "an answer", PEER_ANSWER, "alice@example.org", HEAD "QUOTA=5000000S,500C\n" TAIL,
	  AD_QUOTA, "5000000S,500C" },
	{ "an answer in pieces", PEER_PIECES, "alice@example.org",
	  HEAD "QUOTA=5000000S,500C\n" TAIL, AD_QUOTA, "5000000S,500C" },
	{ "an answer on a connection left open", PEER_LINGER, "alice@example.org",
	  HEAD "QUOTA=7S\n" TAIL, AD_QUOTA, "7S" },
	{ "FAIL on a connection left open", PEER_LINGER, "nobody@example.org", "FAIL\n",
	  AD_UNKNOWN, NULL },
	{ "the answer for another uid", PEER_ANSWER, "bob@example.org",
	  "UID=1001\nQUOTA=1S\n" TAIL, AD_FOREIGN, NULL },
	{ "a connection closed without an answer", PEER_CLOSE, "alice@example.org", NULL,
	  AD_ERROR, NULL },
	{ "a daemon that never answers", PEER_HANG, "alice@example.org", NULL, AD_ERROR, NULL },
	{ "a daemon that floods", PEER_FLOOD, "alice@example.org", NULL, AD_REFUSED, NULL },
	{ "a daemon gone before the request", PEER_GONE, "alice@example.org", NULL, AD_ERROR,
	  NULL },
	{ "a user with a newline", PEER_ANSWER, "alice\nPRE . login bob", HEAD TAIL,
	  AD_BADUSER, NULL },
};

/* The peer's side: checks the request line, then behaves as told. */
static void __attribute__((noreturn)) run_peer(int fd, const struct qcase *c)
{
	char req[512], want[512];
	size_t len = 0;
	ssize_t n;

	snprintf(want, sizeof want, "PRE . login %s\n", c->user);
	if (c->peer == PEER_GONE)
		_exit(0);
	while (len < sizeof req - 1 && (len == 0 || req[len - 1] != '\n') &&
	       (n = read(fd, req + len, sizeof req - 1 - len)) > 0)
		len += (size_t)n;
	req[len] = '\0';
	if (ad_bad_user(c->user) == NULL && strcmp(req, want) != 0)
		_exit(2);  /* a wrong request */
	if (ad_bad_user(c->user) != NULL)
		_exit(len != 0 ? 3 : 0);  /* 3: a refused user went on the wire */
	switch (c->peer) {
	case PEER_ANSWER:
		if (write(fd, c->answer, strlen(c->answer)) < 0)
			_exit(4);
		break;
	case PEER_PIECES:
		for (const char *p = c->answer; *p != '\0'; p++) {
			if (write(fd, p, 1) < 0)
				_exit(4);
			usleep(200);
		}
		break;
	case PEER_LINGER:
		if (write(fd, c->answer, strlen(c->answer)) < 0)
			_exit(4);
		pause();
		break;
	case PEER_HANG:
		pause();
		break;
	case PEER_FLOOD:
		memset(want, 'A', sizeof want);
		while (write(fd, want, sizeof want) > 0)
			;
		break;
	case PEER_CLOSE:
	case PEER_GONE:
		break;
	}
	_exit(0);
}

static void one_query(const struct qcase *c)
{
	static struct ad_answer ans;
	char *quota = ans.quota, name[300], why[600] = "";
	const char *reason = NULL;
	enum ad_result r;
	int sv[2], status = 0;
	pid_t pid;

	snprintf(name, sizeof name, "ad_query: %s", c->name);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    (pid = fork()) < 0) {
		report(false, name, strerror(errno));
		return;
	}
	if (pid == 0) {
		close(sv[0]);
		run_peer(sv[1], c);
	}
	close(sv[1]);
	if (c->peer == PEER_GONE)
		waitpid(pid, &status, 0);
	r = ad_query(sv[0], c->user, ME, &ans, &reason);
	close(sv[0]);
	if (c->peer == PEER_LINGER || c->peer == PEER_HANG)
		kill(pid, SIGKILL);
	if (c->peer != PEER_GONE)
		waitpid(pid, &status, 0);
	if (!same_result(r, c->want, quota, c->quota, reason, why, sizeof why))
		; /* why says it */
	else if (WIFEXITED(status) && WEXITSTATUS(status) >= 2)
		snprintf(why, sizeof why, "the peer saw %s",
			 WEXITSTATUS(status) == 2 ? "a wrong request" :
			 WEXITSTATUS(status) == 3 ? "a refused user on the wire" :
			 "its answer fail");
	report(why[0] == '\0', name, why);
}

/* --- ad_decide: the failure policy, every input --- */

struct dcase {
	const char *name;
	int connect_err;
	enum ad_result r;
	enum ad_action want;
};

static const struct dcase dcases[] = {
	{ "a quota is used", 0, AD_QUOTA, AD_USE },
	{ "no quota field: the next source", 0, AD_NOQUOTA, AD_NEXT },
	{ "FAIL (unknown account): login refused, as another's", 0, AD_UNKNOWN, AD_DENY },
	{ "a name the request cannot carry: login refused, as another's", 0, AD_BADUSER,
	  AD_DENY },
	{ "timeout or closed without an answer: temporary failure", 0, AD_ERROR, AD_TEMPFAIL },
	{ "a malformed answer: temporary failure", 0, AD_REFUSED, AD_TEMPFAIL },
	{ "an answer for another uid or home: login refused", 0, AD_FOREIGN, AD_DENY },
	{ "EACCES (not setgid courier): the next source", EACCES, AD_ERROR, AD_NEXT },
	{ "EACCES ignores the result", EACCES, AD_QUOTA, AD_NEXT },
	{ "EPERM: the next source", EPERM, AD_ERROR, AD_NEXT },
	{ "ENOENT (no socket there): the next source", ENOENT, AD_ERROR, AD_NEXT },
	{ "ENOTDIR: the next source", ENOTDIR, AD_ERROR, AD_NEXT },
	{ "ENAMETOOLONG (make AUTHDAEMON_SOCKET=): the next source", ENAMETOOLONG, AD_ERROR,
	  AD_NEXT },
	{ "ELOOP: the next source", ELOOP, AD_ERROR, AD_NEXT },
	{ "ECONNREFUSED (daemon stopped, socket left): temporary failure", ECONNREFUSED,
	  AD_ERROR, AD_TEMPFAIL },
	{ "EAGAIN (backlog full): temporary failure", EAGAIN, AD_QUOTA, AD_TEMPFAIL },
	{ "EMFILE: temporary failure", EMFILE, AD_NOQUOTA, AD_TEMPFAIL },
	{ "ENOTCONN (not tried): temporary failure", ENOTCONN, AD_ERROR, AD_TEMPFAIL },
};

static void one_decide(const struct dcase *c)
{
	static const char *const names[] = {
		[AD_USE] = "AD_USE", [AD_NEXT] = "AD_NEXT", [AD_TEMPFAIL] = "AD_TEMPFAIL",
		[AD_DENY] = "AD_DENY",
	};
	enum ad_action a = ad_decide(c->connect_err, c->r);
	char name[160], why[160] = "";

	snprintf(name, sizeof name, "ad_decide: %s", c->name);
	if (a != c->want)
		snprintf(why, sizeof why, "gave %s, want %s", names[a], names[c->want]);
	report(why[0] == '\0', name, why);
}

/* --- ad_for_home: the answer is for the home being built --- */

struct hcase {
	const char *name;
	const char *home;      /* the answer's HOME, "@" for the test's directory T */
	const char *maildir;   /* the answer's MAILDIR */
	const char *path;      /* the maildir being built, under T */
	bool ours;
};

/* The current directory is T/alice; T/link is a symlink to it. */
static const struct hcase hcases[] = {
	{ "same directory", "@/alice", "", "@/alice/Maildir", true },
	{ "same directory, a trailing slash", "@/alice/", "", "@/alice/Maildir", true },
	{ "the maildir is the home itself", "@/alice", "", "@/alice", true },
	{ "another account's directory", "@/bob", "", "@/alice/Maildir", false },
	{ "another account's directory and maildir", "@/bob", "", "@/bob/Maildir", false },
	{ "a symlink to the same directory (Courier's chdir follows it)", "@/link", "",
	  "@/alice/Maildir", true },
	{ "no HOME field", "", "", "@/alice/Maildir", false },
	{ "a relative HOME", "alice", "", "@/alice/Maildir", false },
	{ "a HOME that does not exist", "@/gone", "", "@/alice/Maildir", false },
	{ "a HOME that is a file", "@/file", "", "@/alice/Maildir", false },
	{ "a maildir outside the home, no MAILDIR field", "@/alice", "", "@/bob/Maildir", false },
	{ "a maildir out of the home by \"..\"", "@/alice", "", "@/alice/../bob/Maildir", false },
	{ "a maildir whose name only starts like the home", "@/alice", "", "@/alicex/Maildir",
	  false },
	{ "a MAILDIR field outside the home naming it", "@/alice", "@/mail/alice",
	  "@/mail/alice", true },
	{ "a MAILDIR field outside the home, another maildir", "@/alice", "@/mail/alice",
	  "@/mail/bob", false },
	{ "a relative MAILDIR field", "@/alice", "./Maildir", "@/alice/Maildir", true },
	{ "a MAILDIR field in the home, the maildir elsewhere", "@/alice", "Maildir",
	  "@/bob/Maildir", false },
};

/* s with "@" at its start replaced by top, into out. */
static void at_top(const char *s, const char *top, char *out, size_t len)
{
	snprintf(out, len, "%s%s", s[0] == '@' ? top : "", s[0] == '@' ? s + 1 : s);
}

static void one_home(const struct hcase *c, const char *top, const struct stat *cwd)
{
	struct ad_answer ans;
	char home[AD_MAX_PATH], path[AD_MAX_PATH], name[300], why[400] = "";
	const char *r;

	at_top(c->home, top, ans.home, sizeof ans.home);
	at_top(c->maildir, top, ans.maildir, sizeof ans.maildir);
	at_top(c->path, top, path, sizeof path);
	ans.quota[0] = '\0';
	snprintf(home, sizeof home, "%s/alice", top);
	r = ad_for_home(&ans, cwd, home, path);
	snprintf(name, sizeof name, "ad_for_home: %s: %s", c->name, c->ours ? "ours" : "foreign");
	if ((r == NULL) != c->ours)
		snprintf(why, sizeof why, "%s", r != NULL ? r : "taken as ours");
	report(why[0] == '\0', name, why);
}

/* The fields ad_for_home reads come out of a real answer. */
static void parse_fields(void)
{
	static const char reply[] = HEAD "MAILDIR=./Maildir\nQUOTA=1S\n" TAIL;
	struct ad_answer ans;
	const char *why;
	enum ad_result r = ad_parse(reply, sizeof reply - 1, ME, &ans, &why);

	report(r == AD_QUOTA && strcmp(ans.home, "/var/vmail/example.org/alice") == 0 &&
	       strcmp(ans.maildir, "./Maildir") == 0, "ad_parse: HOME and MAILDIR kept",
	       ans.home);
	r = ad_parse("UID=1000\nQUOTA=1S\n.\n", 20, ME, &ans, &why);
	report(r == AD_QUOTA && ans.home[0] == '\0' && ans.maildir[0] == '\0',
	       "ad_parse: no HOME, no MAILDIR: empty", ans.home);
}

static void homes(void)
{
	char top[] = "/tmp/unit_authdaemon.XXXXXX", p[AD_MAX_PATH], cmd[AD_MAX_PATH + 16];
	struct stat cwd;
	size_t i;
	int fd;

	parse_fields();
	if (mkdtemp(top) == NULL) {
		report(false, "ad_for_home: a test directory", strerror(errno));
		return;
	}
	snprintf(p, sizeof p, "%s/alice", top);
	mkdir(p, 0700);
	if (stat(p, &cwd) != 0)
		report(false, "ad_for_home: a test directory", strerror(errno));
	snprintf(p, sizeof p, "%s/bob", top);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/link", top);
	if (symlink("alice", p) != 0)
		report(false, "ad_for_home: a symlink", strerror(errno));
	snprintf(p, sizeof p, "%s/file", top);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	for (i = 0; i < sizeof hcases / sizeof hcases[0]; i++)
		one_home(&hcases[i], top, &cwd);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
	if (system(cmd) != 0)
		report(false, "ad_for_home: the test directory removed", top);
}

int main(void)
{
	size_t i, n;

	signal(SIGPIPE, SIG_IGN);
	memset(u255, 'u', 255);
	memset(u256, 'u', 256);
	n = (size_t)snprintf(huge, sizeof huge, "UID=1000\nQUOTA=1S\nOPTIONS=");
	memset(huge + n, 'x', sizeof huge - n - 4);
	memcpy(huge + sizeof huge - 4, "\n.\n", 4);
	n = (size_t)snprintf(longline, sizeof longline, "UID=1000\nQUOTA=4S\nOPTIONS=");
	memset(longline + n, 'o', 8000 - n);
	memcpy(longline + 8000, "\n.\n", 4);
	n = (size_t)snprintf(longquota, sizeof longquota, "UID=1000\nQUOTA=");
	memset(longquota + n, '1', 100);
	memcpy(longquota + n + 100, "S\n.\n", 5);
	n = (size_t)snprintf(longhome, sizeof longhome, "UID=1000\nQUOTA=1S\nHOME=/");
	memset(longhome + n, 'h', 4095);
	memcpy(longhome + n + 4095, "\n.\n", 4);

	for (i = 0; i < sizeof pcases / sizeof pcases[0]; i++)
		one_parse(&pcases[i]);
	for (i = 0; i < sizeof ucases / sizeof ucases[0]; i++)
		one_user(&ucases[i]);
	for (i = 0; i < sizeof qcases / sizeof qcases[0]; i++)
		one_query(&qcases[i]);
	for (i = 0; i < sizeof dcases / sizeof dcases[0]; i++)
		one_decide(&dcases[i]);
	homes();
	(void)count_log, (void)result_name, (void)logged;
	return failed == 0 ? 0 : 1;
}
