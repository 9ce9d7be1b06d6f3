/*
 * A bank's provisioning workflow with mx-sso, as MX's guide describes it: make sure the
 * customer's MX user exists (created if missing), read its login material, disable it when the
 * customer leaves online banking, and read it back.
 *
 *   cc -std=c99 provision.c -I include -L target/release -lmx_sso -o provision
 *   MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... ./provision bank-user-42
 *
 * MX_SSO_BASE_URL picks the server (default https://api2.moneydesktop.com). The credentials
 * live in the client's options; calls pass NULL for them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx_sso.h"

/* Prints the result of a step; returns 0 on MX_OK. Frees `out`. */
static int report(const char *step, mx_status status, char *out) {
  if (status == MX_OK)
    printf("%-9s ok\n", step);
  else
    fprintf(stderr, "%-9s failed: %s\n%s\n", step, mx_status_str(status), out);
  mx_string_free(out);
  return status == MX_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *api_key = getenv("MX_SSO_API_KEY");
  const char *client_guid = getenv("MX_SSO_CLIENT_GUID");
  const char *base_url = getenv("MX_SSO_BASE_URL");
  const char *user = argc > 1 ? argv[1] : NULL;
  char options[2048], body[512];
  char *out = NULL, *err = NULL;
  mx_client *client;
  mx_status status;

  if (api_key == NULL || client_guid == NULL || user == NULL) {
    fprintf(stderr, "usage: MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... %s EXTERNAL_USER_GUID\n",
            argv[0]);
    return 2;
  }
  /* A real program builds this JSON with its JSON library; these values need no escaping. */
  snprintf(options, sizeof options,
           "{\"base_url\": \"%s\", \"api_key\": \"%s\", \"client_guid\": \"%s\"}",
           base_url ? base_url : "https://api2.moneydesktop.com", api_key, client_guid);
  client = mx_client_new(options, &err);
  if (client == NULL) {
    fprintf(stderr, "bad options: %s\n", err);
    mx_string_free(err);
    return 1;
  }

  snprintf(body, sizeof body, "{\"external_user_guid\": \"%s\", \"first_name\": \"Julie\"}",
           user);
  status = mx_client_ensure_user(client, NULL, NULL, body, &out);
  if (status == MX_OK)
    printf("ensure    %s\n", strstr(out, "\"created\":true") ? "created the user"
                                                              : "the user already existed");
  if (report("ensure", status, out)) goto fail;

  /* The login material (login_token, master_widget_url) is a secret of the user's session:
   * hand it to the user's browser, never to a log. */
  status = mx_client_read_user(client, NULL, NULL, user, &out);
  if (status == MX_OK)
    printf("read      master_widget_url %s\n",
           strstr(out, "\"master_widget_url\"") ? "present" : "missing");
  if (report("read", status, out)) goto fail;

  status = mx_client_call(client, "user.update", NULL, NULL, user, "{\"status\": \"DISABLED\"}",
                          NULL, &out);
  if (report("disable", status, out)) goto fail;

  status = mx_client_read_user(client, NULL, NULL, user, &out);
  if (status == MX_OK)
    printf("read back %s\n", strstr(out, "\"name\":\"DISABLED\"") ? "DISABLED" : "not disabled");
  if (report("read back", status, out)) goto fail;

  mx_client_free(client);
  return 0;
fail:
  mx_client_free(client);
  return 1;
}
