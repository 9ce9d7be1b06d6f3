/*
 * A few lines of plain-socket HTTP to drive the emulator's control endpoint from C tests
 * (inject faults, read how many requests it saw). Test support only: not part of mx-sso.
 */
#ifndef MX_SSO_TEST_EMULATOR_CONTROL_H
#define MX_SSO_TEST_EMULATOR_CONTROL_H

#include <stddef.h>

/* Sends METHOD PATH with an optional JSON body to $MX_SSO_EMULATOR_URL and copies up to
 * response_size-1 bytes of the response body into `response` (may be NULL). Returns the HTTP
 * status, or -1 when the emulator cannot be reached. */
int emulator_control(const char *method, const char *path, const char *json_body,
                     char *response, size_t response_size);

/* The number of user-resource requests the emulator has seen, or -1. */
long emulator_requests(void);

#endif
