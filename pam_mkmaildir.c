// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * pam_mkmaildir.c - the Linux-PAM glue: create the user's maildir at login.
 *
 * Session hook for daemons that open PAM sessions (Dovecot with session=yes,
 * sshd, login, su); account hook for Courier's authpam, which only runs the
 * account stack.  The work itself is in maildir.c.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "maildir.h"

/* Everything else in the module is hidden (-fvisibility=hidden). */
#define EXPORT __attribute__((visibility("default")))

static void to_pam_syslog(void *pamh, int priority, const char *fmt, va_list ap)
{
	pam_vsyslog(pamh, priority, fmt, ap);
}

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/* One PAM return code for each outcome, as the hook allows. */
struct codes {
	int refused;
	int system;
};

static int ensure_maildir(pam_handle_t *pamh, int flags, int argc, const char **argv,
			  const char *type, struct codes codes)
{
	struct md_log log = { to_pam_syslog, pamh, false };
	struct md_context ctx;
	struct md_options o;
	struct md_account a;
	char path[PATH_MAX];
	const char *user = NULL;
	enum md_result r;
	int rc;

	md_options_init(&o);
	/* Options come from the PAM line only: config=FILE names the file. */
	r = md_options_parse(&o, argc, argv, NULL, 0, &log);
	log.debug = o.debug;
	if (r != MD_OK) {
		md_options_free(&o);
		return PAM_SERVICE_ERR;
	}
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL) {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user name");
		md_options_free(&o);
		return PAM_USER_UNKNOWN;
	}
	ctx.service = item(pamh, PAM_SERVICE);
	ctx.rhost = item(pamh, PAM_RHOST);
	ctx.type = type;

	r = md_account_lookup(&a, user, &o, &log);
	if (r == MD_OK)
		r = md_expand(&o, &a, path, sizeof path, &log);
	if (r == MD_OK) {
		enum md_done done;
		md_logf(&log, LOG_DEBUG, "%s: maildir of %s is %s", type, user, path);
		r = md_ensure(&o, &a, path, &ctx, false, &done, &log);
	}
	md_account_free(&a);

	switch (r) {
	case MD_OK:
		rc = PAM_SUCCESS;
		break;
	case MD_ERR_CONFIG:
		rc = PAM_SERVICE_ERR;
		break;
	case MD_ERR_NOUSER:
		rc = PAM_USER_UNKNOWN;
		break;
	case MD_ERR_REFUSED:
		rc = codes.refused;
		break;
	default:
		rc = codes.system;
		break;
	}
	if (rc != PAM_SUCCESS && !o.quiet && !(flags & PAM_SILENT))
		pam_error(pamh, "Your mail directory could not be created; "
			  "please contact the administrator.");
	md_options_free(&o);
	return rc;
}

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return ensure_maildir(pamh, flags, argc, argv, "open_session",
			      (struct codes){ PAM_SESSION_ERR, PAM_SESSION_ERR });
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return ensure_maildir(pamh, flags, argc, argv, "account",
			      (struct codes){ PAM_PERM_DENIED, PAM_SYSTEM_ERR });
}
