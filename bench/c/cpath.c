/*
 * The C path, callable from the Python and Go benchmarks: N calls of mx_client_update_user on
 * a client of its own, each one timed, so that "within 1.3x of the C path" is measured in the
 * same process, interleaved with the binding's own calls.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <time.h>

#include "mx_sso.h"

/* Times `n` Update user calls into ns[0..n). Returns the number of calls that failed. */
int bench_c_path(const mx_client *client, const char *api_key, const char *client_guid,
                 const char *user_guid, const char *json_body, int n, int64_t *ns) {
  int failed = 0;
  for (int i = 0; i < n; i++) {
    struct timespec a, b;
    char *out = NULL;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (mx_client_update_user(client, api_key, client_guid, user_guid, json_body, &out) != MX_OK)
      failed++;
    mx_string_free(out);
    clock_gettime(CLOCK_MONOTONIC, &b);
    ns[i] = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
  }
  return failed;
}
