/* N Update user calls on one client, for instruction counts under callgrind (bench/callgrind/per-call). */
#include <stdio.h>
#include <stdlib.h>
#include "mx_sso.h"
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000, i, bad = 0;
  char options[512], *out = NULL;
  snprintf(options, sizeof options, "{\"base_url\": \"%s\"}", getenv("MX_SSO_BASE_URL"));
  mx_client *c = mx_client_new(options, NULL);
  for (i = 0; i < n; i++) {
    if (mx_client_update_user(c, getenv("MX_SSO_API_KEY"), getenv("MX_SSO_CLIENT_GUID"),
                              "bank-user-1001", "{\"status\": \"DISABLED\"}", &out) != MX_OK)
      bad++;
    mx_string_free(out);
  }
  mx_client_free(c);
  printf("%d calls, %d failed\n", n, bad);
  return bad != 0;
}
