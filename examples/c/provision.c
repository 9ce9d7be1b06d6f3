/*
 * A bank's provisioning workflow with mx-sso, as MX's guide describes it: make sure the
 * customer's MX user exists (created if missing), make sure its member holds the customer's
 * credentials (a userkey, here), read the member, open MoneyDesktop with the user's login URL;
 * later, when the customer leaves online banking, disable the user and read it back.
 *
 *   cc -std=c99 provision.c -I include -L target/release -lmx_sso -o provision
 *   MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... BANK_USERKEY=... ./provision bank-user-42
 *
 * MX_SSO_BASE_URL picks the server (default https://api2.moneydesktop.com). The credentials
 * live in the client's options; calls pass NULL for them. The userkey comes from the
 * environment, never from the command line (where `ps` and shell history would show it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx_sso.h"

/* Prints the result of a step; returns 0 on MX_OK. Frees `out`. */
static int report(const char *step, mx_status status, char *out) {
  if (status == MX_OK)
    printf("%-14s ok\n", step);
  else
    fprintf(stderr, "%-14s failed: %s\n%s\n", step, mx_status_str(status), out);
  mx_string_free(out);
  return status == MX_OK ? 0 : 1;
}

/* These values are pasted into JSON text below: a quote, a backslash or a control character
 * would change its meaning, so such a value is refused (a real program uses a JSON library). */
static int json_safe(const char *value) {
  for (const unsigned char *p = (const unsigned char *)value; *p; p++)
    if (*p == '"' || *p == '\\' || *p < 0x20) return 0;
  return 1;
}

/* Copies the string value of "key" in MX's JSON `json` into `out` (JSON's \/ unescaped);
 * returns 0 when the key is missing or the value does not fit. */
static int json_string(const char *json, const char *key, char *out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *p = strstr(json, pattern);
  if (p == NULL) return 0;
  size_t n = 0;
  for (p += strlen(pattern); *p && *p != '"' && n + 1 < size; p++) {
    if (*p == '\\' && p[1] == '/') p++;
    out[n++] = *p;
  }
  out[n] = '\0';
  return *p == '"';
}

int main(int argc, char **argv) {
  const char *api_key = getenv("MX_SSO_API_KEY");
  const char *client_guid = getenv("MX_SSO_CLIENT_GUID");
  const char *base_url = getenv("MX_SSO_BASE_URL");
  const char *userkey = getenv("BANK_USERKEY");
  const char *user = argc > 1 ? argv[1] : NULL;
  char options[2048], body[1024], login_url[2048] = "";
  char *out = NULL, *err = NULL;
  mx_client *client;
  mx_status status;

  if (base_url == NULL) base_url = "https://api2.moneydesktop.com";
  if (api_key == NULL || client_guid == NULL || userkey == NULL || user == NULL) {
    fprintf(stderr,
            "usage: MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... BANK_USERKEY=... %s "
            "EXTERNAL_USER_GUID\n",
            argv[0]);
    return 2;
  }
  if (!json_safe(api_key) || !json_safe(client_guid) || !json_safe(base_url) ||
      !json_safe(userkey) || !json_safe(user)) {
    fprintf(stderr, "%s: a value holds a quote, a backslash or a control character\n", argv[0]);
    return 2;
  }
  snprintf(options, sizeof options,
           "{\"base_url\": \"%s\", \"api_key\": \"%s\", \"client_guid\": \"%s\"}", base_url,
           api_key, client_guid);
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
    printf("ensure user    %s\n", strstr(out, "\"created\":true") ? "created the user"
                                                                   : "the user already existed");
  if (report("ensure user", status, out)) goto fail;

  /* The login material (login_token, the widget URLs) is a secret of the user's session: it
   * goes to the user's browser, never to a log. */
  status = mx_client_read_user(client, NULL, NULL, user, &out);
  if (status == MX_OK && !json_string(out, "master_widget_url", login_url, sizeof login_url))
    login_url[0] = '\0';
  printf("read user      master_widget_url %s\n", login_url[0] ? "present" : "missing");
  if (report("read user", status, out)) goto fail;

  /* The member links the user to the bank's institution; MX's guide names it M-{user}. */
  snprintf(body, sizeof body,
           "{\"external_user_guid\": \"%s\", \"external_member_guid\": \"M-%s\", "
           "\"credentials\": [{\"field_name\": \"userkey\", \"response\": \"%s\"}]}",
           user, user, userkey);
  status = mx_client_ensure_member(client, NULL, NULL, body, &out);
  if (status == MX_OK)
    printf("ensure member  %s\n", strstr(out, "\"created\":true") ? "created the member"
                                                                   : "the member already existed");
  if (report("ensure member", status, out)) goto fail;

  snprintf(body, sizeof body, "M-%s", user);
  status = mx_client_read_member(client, NULL, NULL, body, &out);
  if (report("read member", status, out)) goto fail;

  printf("open MoneyDesktop: %s\n", login_url);

  /* Later: the customer leaves online banking. */
  status = mx_client_call(client, "user.update", NULL, NULL, user, "{\"status\": \"DISABLED\"}",
                          NULL, &out);
  if (report("disable", status, out)) goto fail;

  status = mx_client_read_user(client, NULL, NULL, user, &out);
  if (status == MX_OK)
    printf("read back      %s\n",
           strstr(out, "\"name\":\"DISABLED\"") ? "DISABLED" : "not disabled");
  if (report("read back", status, out)) goto fail;

  mx_client_free(client);
  return 0;
fail:
  mx_client_free(client);
  return 1;
}
