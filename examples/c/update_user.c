/*
 * Disable (or enable) a user through MX's SSO API v2.8 with mx-sso.
 *
 *   cc -std=c99 update_user.c -I include -L target/release -lmx_sso -o update_user
 *   MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... ./update_user USR-... [ENABLED|DISABLED]
 *
 * MX_SSO_BASE_URL picks the server (default https://api2.moneydesktop.com; MX's integration
 * host is https://int-api2.moneydesktop.com). Prints MX's JSON answer, or the error object.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mx_sso.h"

int main(int argc, char **argv) {
  const char *api_key = getenv("MX_SSO_API_KEY");
  const char *client_guid = getenv("MX_SSO_CLIENT_GUID");
  const char *user_guid = argc > 1 ? argv[1] : NULL;
  const char *status_value = argc > 2 ? argv[2] : "DISABLED";
  char body[64];
  char *out = NULL;
  mx_status status;

  if (api_key == NULL || client_guid == NULL || user_guid == NULL) {
    fprintf(stderr, "usage: MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... %s USER_GUID [STATUS]\n",
            argv[0]);
    return 2;
  }
  /* Catch a header/library mismatch at start-up. */
  if (mx_version_number() != MX_SSO_VERSION_NUMBER) {
    fprintf(stderr, "mx-sso library %s does not match header %s\n", mx_version(),
            MX_SSO_VERSION_STRING);
    return 1;
  }

  /* The body is checked by the library (an unknown status value is MX_ERR_VALIDATION and
   * nothing is sent), so it can be built naively here. */
  snprintf(body, sizeof body, "{\"status\": \"%s\"}", status_value);

  /* One-shot call on the process-wide client. For many calls, or custom timeouts, create a
   * client with mx_client_new() and use mx_client_update_user(). */
  status = mx_update_user(api_key, client_guid, user_guid, body, &out);
  if (status == MX_OK) {
    printf("%s\n", out);
  } else {
    fprintf(stderr, "update failed: %s\n%s\n", mx_status_str(status), out);
  }
  mx_string_free(out); /* always set, always freed by the library */
  return status == MX_OK ? 0 : 1;
}
