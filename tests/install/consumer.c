/*
 * A program that uses an installed mx-sso: built by tests/install/run with pkg-config
 * (dynamic, and static through mx_sso-static) and with CMake's find_package(mx_sso).
 *
 *   consumer USER_GUID     disables the user on $MX_SSO_BASE_URL; prints MX's answer
 *
 * MX_SSO_API_KEY and MX_SSO_CLIENT_GUID name the key and client (scripts/with-emulator sets
 * them). Exits 0 on success, 1 on failure, 2 on bad usage, 3 on a header/library mismatch.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mx_sso.h>

int main(int argc, char **argv) {
  const char *api_key = getenv("MX_SSO_API_KEY");
  const char *client_guid = getenv("MX_SSO_CLIENT_GUID");
  char *out = NULL;
  mx_status status;

  if (argc != 2 || api_key == NULL || client_guid == NULL) {
    fprintf(stderr, "usage: MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... %s USER_GUID\n", argv[0]);
    return 2;
  }
  /* The start-up check of README "ABI policy": the header this was compiled with against the
   * library the loader found. */
  if (mx_version_number() != MX_SSO_VERSION_NUMBER) {
    fprintf(stderr, "mx-sso library %s does not match header %s\n", mx_version(),
            MX_SSO_VERSION_STRING);
    return 3;
  }
  fprintf(stderr, "mx-sso %s (header %s)\n", mx_version(), MX_SSO_VERSION_STRING);

  status = mx_update_user(api_key, client_guid, argv[1], "{\"status\": \"DISABLED\"}", &out);
  if (status == MX_OK) {
    printf("%s\n", out);
  } else {
    fprintf(stderr, "%s: %s\n", mx_status_str((int)status), out);
  }
  mx_string_free(out);
  return status == MX_OK ? 0 : 1;
}
