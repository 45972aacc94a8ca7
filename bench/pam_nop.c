// SPDX-License-Identifier: GPL-2.0-or-later
// Copyright 2026 The pam_mkmaildir developers
/*
 * pam_nop: the benchmark's control module.  It is built exactly as
 * pam_mkmaildir.so is (the same compiler flags, -z nodelete, relro, now,
 * the same version script), answers PAM_SUCCESS to the hooks the module
 * has and does nothing else, so that the module's cycle minus this one's
 * is the module's own work plus its NSS lookup, with loading costs equal.
 * pam_permit.so, which libpam unloads and loads again at every pam_end /
 * pam_start, is the other comparison (what an outside measurement sees).
 */
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_modules.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_SUCCESS;
}

EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_SUCCESS;
}

EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_SUCCESS;
}
