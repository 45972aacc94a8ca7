/*
 * race: first logins through the real libpam on one frontend of the cluster
 * suite, released round by round so that the same users arrive at both
 * frontends in the same instant.
 *
 *   race -d CONFDIR -s SERVICE -a account|session -u USERFILE -w WORKERS
 *        -m MAILDIR-PATTERN [-F FOLDERS] [-N]
 *
 * USERFILE holds one login name per line.  Each round takes the next WORKERS
 * names: one child per name is forked and parked on a gate; then race reads
 * one line from stdin, the controller's release instant (microseconds since
 * the epoch, the same for both frontends), hands it through the gate, and at
 * that instant every child runs pam_start_confdir +
 * pam_acct_mgmt (or pam_open_session + pam_close_session) + pam_end for its
 * name (race prints "?" once the round's children are parked, so that the
 * controller writes "go" only when both frontends wait).  Right after its PAM call each child checks, from this frontend, that
 * the maildir (MAILDIR-PATTERN with %u, %n and %d expanded as the module
 * does) is complete: cur, new, tmp and every folder of FOLDERS (comma
 * separated) with cur, new, tmp and maildirfolder.  Each child prints
 *
 *   R USER PAMRC COMPLETE START_NS DURATION_NS
 *
 * (START_NS on CLOCK_REALTIME, the same clock on both frontends) and race
 * prints "." after each round.
 * -N (the control experiment) skips PAM and makes MAILDIR, cur, new and tmp
 * with one mkdir(2) each, EEXIST counting as success, as a naive creator
 * does; the same check follows.  EOF on stdin ends it early; a line "0"
 * releases at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	(void)data;
	if (resp)
		*resp = NULL;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style != PAM_ERROR_MSG && msg[i]->msg_style != PAM_TEXT_INFO)
			return PAM_CONV_ERR;
	return PAM_SUCCESS;
}

static long long now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* %u the name, %n before the first @, %d after it (empty without one). */
static int expand(const char *pat, const char *user, char *out, size_t len)
{
	const char *at = strchr(user, '@');
	size_t o = 0;

	for (const char *p = pat; *p; p++) {
		const char *s = NULL;
		size_t n = 0;
		if (*p == '%' && p[1]) {
			p++;
			if (*p == 'u') { s = user; n = strlen(user); }
			else if (*p == 'n') { s = user; n = at ? (size_t)(at - user) : strlen(user); }
			else if (*p == 'd') { s = at ? at + 1 : ""; n = strlen(s); }
			else { s = p; n = 1; }
		} else {
			s = p;
			n = 1;
		}
		if (o + n + 1 > len)
			return -1;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

static int is_dir(const char *base, const char *sub)
{
	char p[3072];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", base, sub);
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *base, const char *sub)
{
	char p[3072];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", base, sub);
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int complete(const char *md, const char *folders)
{
	static const char *const sub[] = { "cur", "new", "tmp" };
	char f[2048], buf[512];

	if (!is_dir(md, "."))
		return 0;
	for (int i = 0; i < 3; i++)
		if (!is_dir(md, sub[i]))
			return 0;
	if (!folders || !*folders)
		return 1;
	snprintf(buf, sizeof buf, "%s", folders);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		snprintf(f, sizeof f, "%s/.%s", md, t);
		for (int i = 0; i < 3; i++)
			if (!is_dir(f, sub[i]))
				return 0;
		if (!is_file(f, "maildirfolder"))
			return 0;
	}
	return 1;
}

static int naive;

static void login(const char *confdir, const char *service, const char *what,
		  const char *user, const char *pattern, const char *folders, int gate)
{
	pam_handle_t *h = NULL;
	struct pam_conv c = { conv, NULL };
	char md[1024], line[1536];
	long long t0, m0, m1;
	int rc, ok = 0;

	/* Parked until the round is released: the gate brings the release
	 * instant (CLOCK_REALTIME, ns), the same one on both frontends. */
	long long at = 0;
	while (read(gate, &at, sizeof at) < 0 && errno == EINTR)
		;
	if (at > 0) {
		struct timespec ts = { at / 1000000000LL, at % 1000000000LL };
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	t0 = now_ns(CLOCK_REALTIME);
	m0 = now_ns(CLOCK_MONOTONIC);
	if (naive) {
		/* The control: what a creator without the temporary-name design
		 * does, mkdir of each level with EEXIST taken as success. */
		static const char *const sub[] = { "", "/cur", "/new", "/tmp" };
		char p[1100];
		rc = PAM_SUCCESS;
		if (expand(pattern, user, md, sizeof md) != 0)
			rc = PAM_SYSTEM_ERR;
		for (int i = 0; rc == PAM_SUCCESS && i < 4; i++) {
			snprintf(p, sizeof p, "%s%s", md, sub[i]);
			if (mkdir(p, 0700) < 0 && errno != EEXIST)
				rc = PAM_SYSTEM_ERR;
		}
		goto done;
	}
	rc = pam_start_confdir(service, user, &c, confdir, &h);
	if (rc == PAM_SUCCESS) {
		pam_set_item(h, PAM_RHOST, "10.200.0.99");
		pam_set_item(h, PAM_TTY, "race");
		if (strcmp(what, "account") == 0) {
			rc = pam_acct_mgmt(h, PAM_SILENT);
		} else {
			rc = pam_open_session(h, PAM_SILENT);
			if (rc == PAM_SUCCESS)
				rc = pam_close_session(h, PAM_SILENT);
		}
		pam_end(h, rc);
	}
done:
	m1 = now_ns(CLOCK_MONOTONIC);
	if (expand(pattern, user, md, sizeof md) == 0)
		ok = complete(md, folders);
	snprintf(line, sizeof line, "R %s %d %d %lld %lld\n", user, rc, ok, t0, m1 - m0);
	if (write(1, line, strlen(line)) < 0)
		_exit(2);
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *confdir = NULL, *service = NULL, *what = "session", *ufile = NULL;
	const char *pattern = NULL, *folders = "";
	int workers = 1, opt;
	char **users = NULL;
	size_t nusers = 0, cap = 0, next = 0;
	char buf[512];
	FILE *f;

	while ((opt = getopt(argc, argv, "d:s:a:u:w:m:F:N")) != -1) {
		switch (opt) {
		case 'd': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'a': what = optarg; break;
		case 'u': ufile = optarg; break;
		case 'w': workers = atoi(optarg); break;
		case 'm': pattern = optarg; break;
		case 'F': folders = optarg; break;
		case 'N': naive = 1; folders = ""; break;
		default: return 98;
		}
	}
	if (!confdir || !service || !ufile || !pattern || workers < 1 || workers > 64 ||
	    (strcmp(what, "account") && strcmp(what, "session"))) {
		fprintf(stderr, "usage: race -d CONFDIR -s SERVICE -a account|session -u USERFILE "
			"-w WORKERS -m MAILDIR-PATTERN [-F FOLDERS]\n");
		return 98;
	}
	if (!(f = fopen(ufile, "r"))) {
		perror(ufile);
		return 98;
	}
	while (fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!*buf)
			continue;
		if (nusers == cap && !(users = realloc(users, (cap = cap * 2 + 64) * sizeof *users)))
			return 97;
		users[nusers++] = strdup(buf);
	}
	fclose(f);
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);

	while (next < nusers) {
		int gate[2], n = 0;
		char go[64];
		long long at;
		if (pipe(gate) < 0)
			return 97;
		for (; n < workers && next + n < nusers; n++) {
			pid_t p = fork();
			if (p < 0)
				return 97;
			if (p == 0) {
				close(gate[1]);
				login(confdir, service, what, users[next + n], pattern, folders, gate[0]);
			}
		}
		close(gate[0]);
		/* Parked: tell the controller, which sends both frontends the same
		 * release instant (microseconds since the epoch, one line). */
		if (write(1, "?\n", 2) != 2 || !fgets(go, sizeof go, stdin)) {
			close(gate[1]);
			while (wait(NULL) > 0)
				;
			return 1;
		}
		at = strtoll(go, NULL, 10) * 1000LL;
		for (int i = 0; i < n; i++)
			if (write(gate[1], &at, sizeof at) != (ssize_t)sizeof at)
				return 97;
		close(gate[1]);
		while (wait(NULL) > 0)
			;
		next += n;
		if (write(1, ".\n", 2) != 2)
			return 1;
	}
	return 0;
}
