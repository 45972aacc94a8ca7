// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * authmkhome - make sure the user's maildir exists, then start the server.
 *
 * A link of Courier's login chain, run after the user is authenticated, as
 * the user, in the home directory:
 *
 *   imaplogin authdaemon authmkhome imapd Maildir     (authlib < 0.50)
 *   imaplogin /usr/bin/imapd Maildir                  (today: /usr/bin/imapd
 *       is a two-line wrapper that runs "authmkhome /usr/bin/imapd.distrib")
 *
 * With a non-empty AUTHENTICATED it ensures the maildir ($MAILDIR, else the
 * server's argument, relative to the home) and execs the rest of its
 * arguments.  With an empty one it authenticates nobody: it passes the
 * authentication record of fd 3 on, byte for byte, to the next module, or
 * fails the login the way the chain's own modules do.
 *
 * Or Dovecot's post-login program, run by "script-login -d authmkhome" with
 * the uid and gid of the userdb lookup: there the user is $USER, the home
 * $HOME, the maildir the userdb's mail location when that is a maildir, else
 * the configured template; the next program is the rest of the arguments
 * (script-login itself, which hands the client to imap or pop3).  The mode
 * is told by the environment: Courier's login programs always set
 * AUTHENTICATED (empty until a module authenticates), script-login clears
 * the environment and always sets USERDB_KEYS.
 *
 * Nothing is ever written to stdout: it is the client's connection, as is
 * stderr in Courier's chain.  Everything goes to syslog (LOG_MAIL), whose
 * socket glibc opens close-on-exec, so no descriptor leaks into the next
 * program; under script-login each line also goes to stderr, Dovecot's
 * error log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "authdaemon.h"
#include "maildir.h"

#ifndef STD_CREATOR
#define STD_CREATOR "/usr/sbin/authmkhome-creator"
#endif

#define MAX_RECORD PIPE_BUF  /* fd-3 record; always fits an empty pipe */
#define MAX_NAME 255         /* AUTHENTICATED */
#define MAX_TEXT 4095        /* any other argument or variable */
#define MAX_ARGS 64          /* AUTHARGC */
#define RECORD_MS 60000      /* for the whole fd-3 record */

/*
 * arg: NULL, or stderr under script-login: Dovecot's log, where every line
 * counts as an error, so only warnings and errors go there.
 */
static void to_syslog(void *arg, int priority, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof line, fmt, ap);
	if (arg != NULL && priority <= LOG_WARNING) {
		fprintf(arg, "authmkhome: %s\n", line);
		fflush(arg);
	}
	syslog(priority, "%s", line);
}

static struct md_log mlog = { to_syslog, NULL, false };

/*
 * Every line of our own goes through md_logf, which escapes control
 * characters and invalid UTF-8 whatever the chain passed us.  errno is
 * kept for %m.
 */
#define say(...) md_logf(&mlog, __VA_ARGS__)

/*
 * Why text from the login chain is refused, or NULL.  Paths may not have a
 * ".." component; names may not contain ".." or '/' at all, nor start with
 * '-' (creators paste them into paths and command lines).
 */
static const char *bad_text(const char *s, size_t max, bool name)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return "is missing or empty";
	if (strnlen(s, max + 1) > max)
		return "is too long";
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";
	/* The same rule as the module's and mkmaildir's for names and paths. */
	if (!md_valid_text(s))
		return "contains a C1 control, another unsafe character or invalid UTF-8";
	if (name)
		return strstr(s, "..") != NULL ? "contains \"..\"" :
		       strchr(s, '/') != NULL ? "contains '/'" :
		       s[0] == '-' ? "starts with '-'" : NULL;
	for (p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return "has a \"..\" component";
	return NULL;
}

/* Checks text and logs why it is refused. */
static bool ok_text(const char *what, const char *s, size_t max, bool name)
{
	const char *why = bad_text(s, max, name);

	if (why != NULL)
		say(LOG_ERR, "%s %s: refused", what, why);
	return why == NULL;
}

/* A program to exec: an absolute path, never one found from the home. */
static bool ok_program(const char *what, const char *s)
{
	if (!ok_text(what, s, MAX_TEXT, false) || s == NULL)
		return false;
	if (s[0] != '/')
		say(LOG_ERR, "%s \"%s\" is not an absolute path: refused", what, s);
	return s[0] == '/';
}

/*
 * Fails the login as the chain's modules do: reruns the login program,
 * $AUTHUSER, with the arguments it saved in AUTHARGV0..AUTHARGC-1; it then
 * tells the client that the login failed.
 */
static void __attribute__((noreturn)) fail_completely(void)
{
	const char *user = getenv("AUTHUSER"), *argc_s = getenv("AUTHARGC");
	char *vec[MAX_ARGS + 1], name[32], *end;
	long n, i;

	if (!ok_program("AUTHUSER", user) || !ok_text("AUTHARGC", argc_s, 4, false) ||
	    argc_s == NULL)
		exit(1);
	n = strtol(argc_s, &end, 10);
	if (*end != '\0' || n < 1 || n > MAX_ARGS) {
		say(LOG_ERR, "AUTHARGC \"%s\" is not a number from 1 to %d: refused",
		       argc_s, MAX_ARGS);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "AUTHARGV%ld", i);
		vec[i] = getenv(name);
		if (!ok_text(name, vec[i], MAX_TEXT, false))
			exit(1);
	}
	vec[n] = NULL;
	execv(user, vec);
	say(LOG_ERR, "cannot rerun the login program %s: %m", user);
	exit(1);
}

/*
 * Not authenticated: reads the authentication record from fd 3 and hands
 * the same bytes to the next program on a new fd 3.  The record is at most
 * PIPE_BUF bytes, so it fits the new pipe at once and no writer process is
 * needed.
 */
static void __attribute__((noreturn)) pass_on(int argc, char **argv)
{
	char rec[MAX_RECORD + 1];
	size_t len = 0;
	ssize_t n;
	int p[2];

	/* A login program that never closes its end: poll and a monotonic
	 * deadline, so that no inherited signal disposition or mask (SIGALRM
	 * ignored or blocked) can make the wait endless. */
	long long deadline = ad_mono_ms() + RECORD_MS;
	for (;;) {
		struct pollfd pfd = { 3, POLLIN, 0 };
		long long left = deadline - ad_mono_ms();
		int ready = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			say(LOG_ERR, "not authenticated and the record on fd 3 did not end "
			    "within %d s: login failed", RECORD_MS / 1000);
			fail_completely();
		}
		n = ready < 0 ? -1 : read(3, rec + len, sizeof rec - len);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say(LOG_ERR, "not authenticated and no record on fd 3: %m");
			fail_completely();
		}
		len += (size_t)n;
		if (len > MAX_RECORD) {
			say(LOG_ERR, "authentication record on fd 3 is longer than "
			       "%d bytes: refused", MAX_RECORD);
			fail_completely();
		}
	}
	if (argc < 2) {
		say(LOG_NOTICE, "not authenticated and no module follows: login failed");
		fail_completely();
	}
	if (!ok_program("next module", argv[1]))
		fail_completely();
	for (int i = 2; i < argc; i++)
		if (!ok_text("module argument", argv[i], MAX_TEXT, false))
			fail_completely();
	if (pipe2(p, O_CLOEXEC) < 0 || write(p[1], rec, len) != (ssize_t)len ||
	    close(p[1]) < 0 || dup2(p[0], 3) < 0) {
		say(LOG_ERR, "cannot pass the authentication record on: %m");
		fail_completely();
	}
	if (p[0] != 3)
		close(p[0]);
	execv(argv[1], argv + 1);
	say(LOG_ERR, "cannot exec %s: %m", argv[1]);
	fail_completely();
}

/*
 * What the setgid start left (early_privilege): authdaemond's socket,
 * connected with the group that may reach it, or -1 and why not.
 */
struct early {
	bool setgid;     /* started setgid: the group is dropped by now */
	int fd;
	int err;         /* errno of the connect, when fd is -1 */
	/* The ids, read once at the start (getresuid, getresgid): nothing
	 * but our own setresgid changes them, and it updates gid. */
	uid_t uid, euid;
	gid_t gid, egid;
};

/* Applies quota text from where (a log word) over quota=. */
static bool set_quota(struct md_options *o, const char *q, const char *where)
{
	static char arg[MAX_TEXT + 8];

	snprintf(arg, sizeof arg, "quota=%s", q);
	if (md_option_set(o, arg, &mlog) != MD_OK)
		return false;
	md_logf(&mlog, LOG_DEBUG, "quota %s from %s", q, where);
	return true;
}

/*
 * The account's quota from Courier's login environment, $MAILDIRQUOTA
 * (Maildir++ "<n>S,<n>C"): 1 taken, 0 none, -1 malformed (the login fails).
 */
static int env_quota(struct md_options *o)
{
	const char *mq = getenv("MAILDIRQUOTA");

	if (mq == NULL || *mq == '\0')
		return 0;
	if (!ok_text("MAILDIRQUOTA", mq, MAX_TEXT, false))
		return -1;
	if (!set_quota(o, mq, "MAILDIRQUOTA")) {
		say(LOG_ERR, "MAILDIRQUOTA \"%s\" is not a Maildir++ quota: refused", mq);
		return -1;
	}
	return 1;
}

/*
 * The account's quota field from authdaemond, over the socket the setgid
 * start connected, else over one connected now as the user (which works
 * when the administrator made the socket reachable otherwise).  ad_decide
 * says what follows; every outcome but a quota taken is logged here, once.
 */
static enum ad_action daemon_quota(struct md_options *o, const char *user, const char *home,
				   const char *path, struct early *e)
{
	struct ad_answer ans = { "", "", "" };  /* cppcheck cannot see ad_query fill it */
	const char *why = NULL;
	enum ad_result r = AD_ERROR;
	enum ad_action act;
	struct stat cwd;

	if (e->fd < 0 && !e->setgid) {
		e->fd = ad_connect(AUTHDAEMON_SOCKET);
		e->err = errno;
	}
	if (e->fd >= 0) {
		r = ad_query(e->fd, user, e->uid, &ans, &why);
		close(e->fd);
		e->fd = -1;
		e->err = 0;
	} else if (e->err == 0) {
		e->err = ENOTCONN;  /* not tried: no AUTHENTICATED at the start */
	}
	/* Virtual users share one uid: the UID alone does not tie the answer
	 * to the account being built; its HOME must be the one Courier put
	 * us in (see SECURITY.md on what the shared uid still learns). */
	if ((r == AD_QUOTA || r == AD_NOQUOTA) &&
	    (stat(".", &cwd) != 0 || ad_for_home(&ans, &cwd, home, path) != NULL))
		r = AD_FOREIGN;
	act = ad_decide(e->err, r);
	if (act == AD_USE && !set_quota(o, ans.quota, "authdaemond")) {
		act = AD_TEMPFAIL;
		why = "not a Maildir++ quota";
	}
	errno = e->err;
	if (e->err != 0 && act == AD_NEXT)
		say(LOG_WARNING, "cannot reach authdaemond at %s (%m%s): the userdb quota of %s "
		    "is not used", AUTHDAEMON_SOCKET, e->setgid ? "" :
		    "; authmkhome is not setgid courier, see dpkg-statoverride in authmkhome(8)",
		    user);
	else if (e->err != 0)
		say(LOG_ERR, "cannot reach authdaemond at %s (%m): temporary failure, login of %s "
		    "refused before its maildir is built; the next login asks again",
		    AUTHDAEMON_SOCKET, user);
	else if (act == AD_NEXT)
		say(LOG_DEBUG, "quota of %s from authdaemond: %s: not used", user, why);
	else if (act == AD_TEMPFAIL)
		say(LOG_ERR, "quota of %s from authdaemond: %s: temporary failure, login refused "
		    "before its maildir is built; the next login asks again", user, why);
	else if (act == AD_DENY)
		/* One line for all three, why never told, not even at debug:
		 * the caller may be anyone with any AUTHENTICATED (ad_decide). */
		say(LOG_ERR, "no quota from authdaemond for %s (uid %lu): unknown account or not "
		    "this account's: login refused, nothing built", user, (unsigned long)e->uid);
	explicit_bzero(&ans, sizeof ans);
	return act;
}

/*
 * quota_source='s places from *at on, up to authdaemon (left to
 * daemon_turn, *at then pointing at it): 1 a quota taken, 0 none, -1 the
 * login fails.  The first that has one replaces quota=; quota= itself stays
 * when none has (or when option comes first).
 */
static int quota_until_daemon(struct md_options *o, const unsigned char **at)
{
	int got = 0;

	for (; **at != MD_QS_END && **at != MD_QS_AUTHDAEMON && got == 0; (*at)++)
		got = **at == MD_QS_OPTION ? o->quota != NULL : env_quota(o);
	return got;
}

enum turn { TURN_FAILED, TURN_BUILD, TURN_COMPLETE };

/*
 * authdaemon's turn in quota_source=.  A quota matters only to a maildir
 * about to be built, so the check the build itself would make comes first
 * (md_ensure's check-only walk, quiet: the build logs): complete, nothing
 * is asked, authdaemond is spared a userdb, SQL or LDAP lookup at every
 * login, and the maildir is not walked a second time.  (A maildir a
 * Courier delivery made already has the account's maildirsize: deliverquota
 * writes it from the same userdb quota.)  TURN_FAILED: logged.
 */
static enum turn daemon_turn(struct md_options *o, const struct md_account *a,
			     const char *home, const char *path, const struct md_context *ctx,
			     const char *user, struct early *e, const unsigned char *at)
{
	enum md_done done;

	switch (md_ensure(o, a, path, ctx, true, &done, &ad_quiet_log)) {
	case MD_OK:
		return TURN_COMPLETE;
	case MD_MISSING:
		break;
	default:
		return TURN_BUILD;  /* an error the build will log */
	}
	md_logf(&mlog, LOG_DEBUG, "maildir %s is to be built: asking authdaemond", path);
	switch (daemon_quota(o, user, home, path, e)) {
	case AD_USE:
		return TURN_BUILD;
	case AD_NEXT:
		at++;
		return quota_until_daemon(o, &at) >= 0 ? TURN_BUILD : TURN_FAILED;
	default:
		return TURN_FAILED;
	}
}

/*
 * The options: $MKMAILDIR_CONFIG, else CONFIG_FILE when it exists; the
 * creator: $MAILDIR_CREATOR, else STD_CREATOR when it exists; in Courier's
 * chain (courier) the account's quota as well.  script-login clears the
 * environment: under Dovecot only the file counts.
 */
static bool load_options(struct md_options *o, bool courier, const unsigned char **qs)
{
	const char *cf = getenv("MKMAILDIR_CONFIG"), *cr = getenv("MAILDIR_CREATOR");
	static char config[MAX_TEXT + 16], creator[PATH_MAX + 16];
	const char *args[2];
	struct stat st;
	int n = 0;

	if (cf != NULL && *cf != '\0') {
		if (!ok_text("MKMAILDIR_CONFIG", cf, MAX_TEXT, false))
			return false;
		snprintf(config, sizeof config, "config=%s", cf);
		args[n++] = config;
	}
	if (cr != NULL && *cr != '\0') {
		if (!ok_text("MAILDIR_CREATOR", cr, PATH_MAX - 1, false))
			return false;
		snprintf(creator, sizeof creator, "creator=%s", cr);
		args[n++] = creator;
	} else if (lstat(STD_CREATOR, &st) == 0) {
		snprintf(creator, sizeof creator, "creator=%s", STD_CREATOR);
		args[n++] = creator;
	}
	if (md_options_parse(o, n, args, CONFIG_FILE, MD_AUTHDAEMON, &mlog) != MD_OK)
		return false;
	mlog.debug = o->debug;
	*qs = o->quota_sources;
	return !courier || quota_until_daemon(o, qs) >= 0;
}

/*
 * The maildir Dovecot will open, from the userdb fields script-login put in
 * the environment: 2.3's mail field (MAIL=maildir:PATH[:PARAMS]) or 2.4's
 * mail_path (MAIL_PATH, unless MAIL_DRIVER names another format); without
 * either, Dovecot uses its global mail location, which authmkhome cannot
 * see: the configured template (maildir=, %h/Maildir by default) stands for
 * it.  *other: the userdb names another mailbox format, nothing to make.
 */
static enum md_result dovecot_maildir(const struct md_options *o, const struct md_account *a,
				      char *out, size_t len, bool *other)
{
	const char *mail = getenv("MAIL"), *drv = getenv("MAIL_DRIVER");
	const char *mp = getenv("MAIL_PATH");
	char loc[PATH_MAX];

	*other = false;
	if (mail != NULL && *mail != '\0') {
		size_t n = strcspn(mail + (strncmp(mail, "maildir:", 8) == 0 ? 8 : 0), ":");
		*other = strncmp(mail, "maildir:", 8) != 0;
		if (*other || n >= sizeof loc) {
			say(LOG_NOTICE, "mail location \"%s\" of %s is %s: nothing made", mail,
			    a->user, *other ? "not a maildir" : "too long");
			return *other ? MD_OK : MD_ERR_REFUSED;
		}
		memcpy(loc, mail + 8, n);
		loc[n] = '\0';
		mp = loc;
	} else if (drv != NULL && *drv != '\0' && strcmp(drv, "maildir") != 0) {
		say(LOG_NOTICE, "mail_driver %s of %s is not maildir: nothing made", drv, a->user);
		*other = true;
		return MD_OK;
	}
	if (mp == NULL || *mp == '\0')
		return md_expand(o, a, out, len, &mlog);
	if (!ok_text("mail location", mp, MAX_TEXT, false))
		return MD_ERR_REFUSED;
	if (mp[0] == '~' && (mp[1] == '/' || mp[1] == '\0'))
		mp += mp[1] == '/' ? 2 : 1;  /* under the home */
	else if (mp[0] != '/') {
		say(LOG_ERR, "mail location %s of %s is neither absolute nor under ~: refused",
		    mp, a->user);
		return MD_ERR_REFUSED;
	}
	if (!ad_join_path(a->home, mp, out, len)) {
		say(LOG_ERR, "maildir path of %s is too long", a->user);
		return MD_ERR_REFUSED;
	}
	return MD_OK;
}

/* The home under script-login: $HOME, the userdb's home field, absolute. */
static bool dovecot_home(const char *user, char *home, size_t len)
{
	const char *h = getenv("HOME");

	if (!ok_text("HOME", h, MAX_TEXT, false) || h == NULL)
		return false;
	if (h[0] != '/') {
		say(LOG_ERR, "home \"%s\" of %s is not an absolute path: refused", h, user);
		return false;
	}
	if (!ad_join_path(h, h, home, len)) {
		say(LOG_ERR, "home of %s is too long", user);
		return false;
	}
	return true;
}

/*
 * fds 0 to 2 open, so that no descriptor of ours becomes someone's stdout:
 * whoever runs a setgid program chooses which of them are closed.
 */
static bool std_fds_open(void)
{
	/* One poll asks about all three, where a probe each would cost three
	 * calls at every login.  POLLNVAL also answers for an O_PATH
	 * descriptor, which is open: only fcntl tells the two apart. */
	struct pollfd p[3] = { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 } };
	int fd;

	if (poll(p, 3, 0) < 0)
		return false;
	for (fd = 0; fd <= 2; fd++)
		if ((p[fd].revents & POLLNVAL) && fcntl(fd, F_GETFD) < 0 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return false;
	return true;
}

/*
 * Installed setgid courier (dpkg-statoverride, authmkhome(8)), authmkhome
 * does one thing with that group before anything else: in Courier's chain,
 * once authenticated, it connects to authdaemond's socket, whose directory
 * only courier may enter.  Then the group is dropped for good, real, effective
 * and saved, before any configuration, environment or path of the caller's
 * is looked at.  The process stays non-dumpable (the kernel made it so at
 * exec; it is said again here) until it execs the server, so that no process
 * of the same uid can trace it, take the socket or read the answer.  On a
 * failed drop nothing more is done.
 */
static struct early early_privilege(void)
{
	struct early e = { false, -1, 0, 0, 0, 0, 0 };
	const char *user = getenv("AUTHENTICATED");
	uid_t su;
	gid_t g, r, eg, sg;

	if (getresuid(&e.uid, &e.euid, &su) != 0 || getresgid(&e.gid, &e.egid, &sg) != 0 ||
	    !std_fds_open())
		_exit(1);
	e.setgid = e.egid != e.gid;
	if (!e.setgid)
		return e;
	g = e.gid;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		_exit(1);
	if (user != NULL && *user != '\0' && e.euid == e.uid) {
		e.fd = ad_connect(AUTHDAEMON_SOCKET);
		e.err = errno;
	}
	if (setresgid(g, g, g) != 0 || getresgid(&r, &eg, &sg) != 0 || r != g || eg != g ||
	    sg != g) {
		openlog("authmkhome", LOG_PID, LOG_MAIL);
		syslog(LOG_ERR, "cannot drop the setgid group %lu: %m", (unsigned long)e.egid);
		_exit(1);
	}
	e.egid = g;
	return e;
}

int main(int argc, char **argv)
{
	struct early e = early_privilege();
	const char *user = getenv("AUTHENTICATED"), *md = getenv("MAILDIR");
	bool dovecot = user == NULL && getenv("USERDB_KEYS") != NULL, other = false;
	char home[PATH_MAX], path[PATH_MAX] = "";
	struct md_context ctx = { "authmkhome", NULL, "login" };
	const unsigned char *qs = NULL;
	enum turn turn = TURN_BUILD;
	struct md_options o;
	struct md_account a;
	enum md_result r;
	int i;

	openlog("authmkhome", LOG_PID, LOG_MAIL);
	if (dovecot) {
		user = getenv("USER");
		mlog.arg = stderr;
	} else if (user == NULL || *user == '\0') {
		pass_on(argc, argv);
	}

	if (argc < 2) {
		say(LOG_ERR, "no program to start after the maildir check");
		return 1;
	}
	if (!ok_text(dovecot ? "USER" : "AUTHENTICATED", user, MAX_NAME, true) ||
	    !ok_program("server", argv[1]))
		return 1;
	for (i = 2; i < argc; i++)
		if (!ok_text("server argument", argv[i], MAX_TEXT, false))
			return 1;
	if (md == NULL || *md == '\0')
		md = argc > 2 ? argv[2] : "Maildir";
	else if (!dovecot && !ok_text("MAILDIR", md, MAX_TEXT, false))
		return 1;
	if (e.euid == 0 || e.uid != e.euid || e.gid != e.egid) {
		say(LOG_ERR, "running as uid %lu/euid %lu for %s: authmkhome must run "
		       "as the authenticated user (%s): refused",
		       (unsigned long)e.uid, (unsigned long)e.euid, user,
		       dovecot ? "script-login -d" : "after the authentication module");
		return 1;
	}
	if (dovecot ? !dovecot_home(user, home, sizeof home) : getcwd(home, sizeof home) == NULL) {
		if (!dovecot)
			say(LOG_ERR, "cannot tell the home directory of %s: %m", user);
		return 1;
	}
	if (strspn(home, "/") == strlen(home)) {
		/* An account whose home is "/" would get /Maildir. */
		say(LOG_ERR, "the home directory of %s is \"/\": refused", user);
		return 1;
	}
	if (!dovecot && !ad_join_path(home, md, path, sizeof path)) {
		say(LOG_ERR, "maildir path of %s is too long", user);
		return 1;
	}
	ctx.rhost = getenv(dovecot ? "IP" : "TCPREMOTEIP");
	if (ctx.rhost != NULL && bad_text(ctx.rhost, 64, true) != NULL)
		ctx.rhost = NULL;

	md_options_init(&o);
	r = md_account_self(&a, user, home, e.uid, e.gid, &mlog);
	if (r == MD_OK && !load_options(&o, !dovecot, &qs))
		r = MD_ERR_CONFIG;
	if (r == MD_OK && !dovecot && *qs == MD_QS_AUTHDAEMON)
		turn = daemon_turn(&o, &a, home, path, &ctx, user, &e, qs);
	if (e.fd >= 0)
		close(e.fd);  /* not needed: the creator is not to have it either */
	if (turn == TURN_FAILED) {
		md_options_free(&o);
		md_account_free(&a);
		return 1;  /* logged: no second line, no maildir built */
	}
	if (r == MD_OK && dovecot)
		r = dovecot_maildir(&o, &a, path, sizeof path, &other);
	if (r == MD_OK && !other && turn != TURN_COMPLETE) {
		enum md_done done;
		md_logf(&mlog, LOG_DEBUG, "maildir of %s (uid %lu) is %s", user,
			(unsigned long)a.uid, path);
		r = md_ensure(&o, &a, path, &ctx, false, &done, &mlog);
	}
	md_options_free(&o);
	md_account_free(&a);
	if (r != MD_OK) {
		say(LOG_ERR, "maildir %s of %s (uid %lu) is not complete: login refused, "
		       "%s not started", path[0] != '\0' ? path : "(unknown)",
		       user, (unsigned long)a.uid, argv[1]);
		return 1;
	}
	execv(argv[1], argv + 1);
	say(LOG_ERR, "cannot exec %s for %s: %m", argv[1], user);
	return 1;
}
