/*
 * C test suite for the mx-sso C ABI: every function, every status that can be produced from
 * outside, NULL in every pointer argument, invalid UTF-8, threads sharing one client, and the
 * API key absent from every returned text. Runs against the emulator
 * (scripts/with-emulator sets MX_SSO_EMULATOR_URL, MX_SSO_BASE_URL, MX_SSO_API_KEY,
 * MX_SSO_CLIENT_GUID). Built with -std=c99 -Wall -Wextra -Werror -pedantic, run under valgrind.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emulator_control.h"
#include "mx_sso.h"

static const char *api_key;
static const char *client_guid;
static char base_url[512];

/* Options JSON for a client on the emulator, with extra members appended. */
static void options_for(char *out, size_t size, const char *extra) {
  snprintf(out, size, "{\"base_url\": \"%s\"%s%s}", base_url, extra[0] ? ", " : "", extra);
}

/* Every text handed back must keep the API key out. */
static void check_no_key(const char *text, const char *where) {
  CHECK(text == NULL || strstr(text, api_key) == NULL, "%s leaks the API key: %s", where, text);
}

/* Takes ownership of *buf: checks it, then frees it through the library. */
static void expect(mx_status got, mx_status want, char **buf, const char *needle,
                   const char *what) {
  CHECK(got == want, "%s: status %d (%s), want %d; buf=%s", what, (int)got, mx_status_str(got),
        (int)want, *buf ? *buf : "(null)");
  CHECK(*buf != NULL, "%s: out_buf not set", what);
  if (*buf != NULL && needle != NULL)
    CHECK(strstr(*buf, needle) != NULL, "%s: %s lacks \"%s\"", what, *buf, needle);
  check_no_key(*buf, what);
  mx_string_free(*buf);
  *buf = NULL;
}

static void create_user(const char *external_guid) {
  char path[512], body[256];
  snprintf(path, sizeof path, "/user?k=%s&c=%s", api_key, client_guid);
  snprintf(body, sizeof body,
           "{\"external_user_guid\": \"%s\", \"email\": \"%s@example.com\", "
           "\"first_name\": \"Test\"}",
           external_guid, external_guid);
  CHECK(emulator_control("POST", path, body, NULL, 0) == 200, "creating user %s",
        external_guid);
}

static void test_version(void) {
  CHECK(mx_version_number() == MX_SSO_VERSION_NUMBER, "library %u vs header %u",
        mx_version_number(), (unsigned)MX_SSO_VERSION_NUMBER);
  CHECK(strcmp(mx_version(), MX_SSO_VERSION_STRING) == 0, "version %s", mx_version());
  CHECK(MX_SSO_VERSION_NUMBER == MX_SSO_VERSION_MAJOR * 1000000 + MX_SSO_VERSION_MINOR * 1000 +
                                     MX_SSO_VERSION_PATCH,
        "version number macro");
}

static void test_status_str(void) {
  int codes[] = {-1, 8, 100, INT_MIN, INT_MAX};
  size_t i;
  int s;
  for (s = MX_OK; s <= MX_ERR_INTERNAL; s++) {
    const char *text = mx_status_str(s);
    CHECK(text != NULL && strlen(text) > 0 && strcmp(text, "unknown status") != 0,
          "status %d text", s);
  }
  CHECK(strcmp(mx_status_str(MX_OK), "success") == 0, "MX_OK text");
  for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
    CHECK(strcmp(mx_status_str(codes[i]), "unknown status") == 0, "unknown code %d", codes[i]);
}

static void test_free_null(void) {
  mx_string_free(NULL);
  mx_client_free(NULL);
  CHECK(1, "freeing NULL is a no-op");
}

static void test_client_new(void) {
  char *err = (char *)1;
  char options[1024];
  mx_client *client;

  options_for(options, sizeof options, "\"timeout_ms\": 2000");
  client = mx_client_new(options, &err);
  CHECK(client != NULL && err == NULL, "client from good options");
  mx_client_free(client);

  client = mx_client_new("{\"timeout\": 5}", &err);
  CHECK(client == NULL, "unknown option refused");
  CHECK(err != NULL && strstr(err, "unknown field `timeout`") != NULL &&
            strstr(err, "MX_ERR_INVALID_ARGUMENT") != NULL,
        "unknown option named: %s", err ? err : "(null)");
  mx_string_free(err);

  client = mx_client_new("{\"timeout_ms\": \"fast\"}", NULL);
  CHECK(client == NULL, "wrong type refused with out_err NULL");

  client = mx_client_new("{\"base_url\": \"http://example.com\"}", &err);
  CHECK(client == NULL && err != NULL && strstr(err, "allow_insecure_http") != NULL,
        "plain http to a remote host refused: %s", err ? err : "(null)");
  mx_string_free(err);

  client = mx_client_new("{\"ca_file\": \"/nonexistent/ca.pem\"}", &err);
  CHECK(client == NULL && err != NULL && strstr(err, "/nonexistent/ca.pem") != NULL,
        "missing ca_file named: %s", err ? err : "(null)");
  mx_string_free(err);

  client = mx_client_new("\xff{}", &err);
  CHECK(client == NULL && err != NULL && strstr(err, "UTF-8") != NULL, "options not UTF-8");
  mx_string_free(err);

  client = mx_client_new(NULL, &err);
  CHECK(client != NULL && err == NULL, "NULL options give the defaults: %s",
        err ? err : "(null)");
  mx_client_free(client);
}

static void test_null_and_utf8_arguments(mx_client *client) {
  const char *good[4];
  const char *names[4] = {"api_key", "client_guid", "user_guid", "json_body"};
  const char *bad_utf8 = "\xc3\x28";
  char *buf = NULL;
  long before = emulator_requests();
  int i;

  good[0] = api_key;
  good[1] = client_guid;
  good[2] = "c-null-user";
  good[3] = "{\"status\": \"DISABLED\"}";

  CHECK(mx_update_user(good[0], good[1], good[2], good[3], NULL) == MX_ERR_INVALID_ARGUMENT,
        "one-shot with out_buf NULL");
  CHECK(mx_client_update_user(client, good[0], good[1], good[2], good[3], NULL) ==
            MX_ERR_INVALID_ARGUMENT,
        "client call with out_buf NULL");
  expect(mx_client_update_user(NULL, good[0], good[1], good[2], good[3], &buf),
         MX_ERR_INVALID_ARGUMENT, &buf, "client is NULL", "NULL client");

  for (i = 0; i < 4; i++) {
    const char *args[4];
    char needle[64];
    memcpy(args, good, sizeof args);
    args[i] = NULL;
    snprintf(needle, sizeof needle, "%s is NULL", names[i]);
    expect(mx_update_user(args[0], args[1], args[2], args[3], &buf), MX_ERR_INVALID_ARGUMENT,
           &buf, needle, "one-shot NULL argument");
    expect(mx_client_update_user(client, args[0], args[1], args[2], args[3], &buf),
           MX_ERR_INVALID_ARGUMENT, &buf, needle, "client NULL argument");
    args[i] = bad_utf8;
    snprintf(needle, sizeof needle, "%s is not valid UTF-8", names[i]);
    expect(mx_client_update_user(client, args[0], args[1], args[2], args[3], &buf),
           MX_ERR_INVALID_ARGUMENT, &buf, needle, "invalid UTF-8 argument");
  }
  CHECK(emulator_requests() == before, "nothing sent for bad arguments (%ld -> %ld)", before,
        emulator_requests());
}

static void test_validation(mx_client *client) {
  struct {
    const char *guid;
    const char *body;
    const char *needle;
  } cases[] = {
      {"u", "{\"status\": \"ACTIVE\"}", "ENABLED or DISABLED"},
      {"u", "{\"stauts\": \"DISABLED\"}", "unknown field `stauts`"},
      {"u", "{}", "at least one"},
      {"u", "[]", "JSON object"},
      {"u", "not json", "not valid JSON"},
      {"u", "{\"zip_code\": \"1234\"}", "zip_code"},
      {"u", "{\"sex\": \"X\"}", "MALE or FEMALE"},
      {"u", "{\"credit_score\": 99999999999999999999}", "credit_score"},
      {"u", "{\"birthdate\": \"1992-02-30\"}", "birthdate"},
      {"u", "{\"status\": \"ENABLED\", \"status\": \"DISABLED\"}", "more than once"},
      {"", "{\"status\": \"ENABLED\"}", "user_guid is empty"},
      {"a\nb", "{\"status\": \"ENABLED\"}", "user_guid contains a control character"},
      {"..", "{\"status\": \"ENABLED\"}", "user_guid"},
  };
  size_t i;
  char *buf = NULL;
  long before = emulator_requests();
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    expect(mx_client_update_user(client, api_key, client_guid, cases[i].guid, cases[i].body,
                                 &buf),
           MX_ERR_VALIDATION, &buf, cases[i].needle, cases[i].body);
  }
  expect(mx_update_user(api_key, "", "u", "{\"status\": \"ENABLED\"}", &buf), MX_ERR_VALIDATION,
         &buf, "client_guid is empty", "one-shot validation");
  expect(mx_update_user("bad\tkey", client_guid, "u", "{\"status\": \"ENABLED\"}", &buf),
         MX_ERR_VALIDATION, &buf, "api_key contains a control character", "key with a tab");
  CHECK(emulator_requests() == before, "nothing sent for invalid requests (%ld -> %ld)", before,
        emulator_requests());
}

static void test_success(mx_client *client) {
  char *buf = NULL;
  mx_status status;
  create_user("c-user-1");
  create_user("c user/2?#");

  status = mx_client_update_user(client, api_key, client_guid, "c-user-1",
                                 "{\"status\": \"DISABLED\"}", &buf);
  CHECK(status == MX_OK, "client update: %s", buf);
  CHECK(buf && strstr(buf, "\"external_user_guid\":\"c-user-1\"") != NULL &&
            strstr(buf, "User update succeeded") != NULL,
        "MX's JSON back: %s", buf);
  mx_string_free(buf);
  buf = NULL;

  status = mx_client_update_user(client, api_key, client_guid, "c user/2?#",
                                 "{\"first_name\": \"Ann\", \"zip_code\": \"K1A 0B1\"}", &buf);
  CHECK(status == MX_OK && buf && strstr(buf, "Ann") != NULL,
        "reserved characters stay one path segment: %s", buf);
  mx_string_free(buf);
  buf = NULL;

  status = mx_update_user(api_key, client_guid, "c-user-1", "{\"status\": \"ENABLED\"}", &buf);
  CHECK(status == MX_OK && buf && strstr(buf, "c-user-1") != NULL, "one-shot update: %s", buf);
  mx_string_free(buf);
}

static void test_server_failures(mx_client *client) {
  char *buf = NULL;
  char options[1024];
  mx_client *fast, *single_try, *closed_port;

  expect(mx_client_update_user(client, api_key, client_guid, "c-no-such-user",
                               "{\"status\": \"DISABLED\"}", &buf),
         MX_ERR_HTTP, &buf, "User with guid c-no-such-user not found.", "unknown user");

  expect(mx_client_update_user(client, "MXSSO-WRONG-KEY-987", client_guid, "c-user-1",
                               "{\"status\": \"DISABLED\"}", &buf),
         MX_ERR_TRANSPORT, &buf, "API key is wrong", "wrong key: closed without answer");

  options_for(options, sizeof options, "\"timeout_ms\": 300, \"max_retries\": 0");
  fast = mx_client_new(options, NULL);
  CHECK(fast != NULL, "client with a short timeout");
  CHECK(emulator_control("POST", "/_emulator/faults", "{\"kind\": \"delay\", \"ms\": 1500}", NULL,
                         0) == 200,
        "inject delay");
  expect(mx_client_update_user(fast, api_key, client_guid, "c-user-1",
                               "{\"status\": \"DISABLED\"}", &buf),
         MX_ERR_TIMEOUT, &buf, "timeout_ms", "slow server");
  mx_client_free(fast);
  /* A delay the slow call did not reach (under valgrind it may give up before sending) must
     not meet the next call. */
  emulator_control("DELETE", "/_emulator/faults", NULL, NULL, 0);

  /* A patient deadline: only the answer's content may fail this call. */
  options_for(options, sizeof options, "\"timeout_ms\": 10000, \"max_retries\": 0");
  single_try = mx_client_new(options, NULL);
  CHECK(single_try != NULL, "client with one attempt");
  CHECK(emulator_control("POST", "/_emulator/faults",
                         "{\"kind\": \"response\", \"status\": 200, \"content_type\": "
                         "\"application/json\", \"body\": \"<html>proxy login</html>\"}",
                         NULL, 0) == 200,
        "inject non-JSON answer");
  expect(mx_client_update_user(single_try, api_key, client_guid, "c-user-1",
                               "{\"status\": \"DISABLED\"}", &buf),
         MX_ERR_RESPONSE, &buf, "not JSON", "non-JSON 200");
  mx_client_free(single_try);
  emulator_control("DELETE", "/_emulator/faults", NULL, NULL, 0);

  closed_port = mx_client_new(
      "{\"base_url\": \"http://127.0.0.1:1\", \"max_retries\": 0, \"timeout_ms\": 2000}", NULL);
  CHECK(closed_port != NULL, "client on a closed port");
  expect(mx_client_update_user(closed_port, api_key, client_guid, "c-user-1",
                               "{\"status\": \"DISABLED\"}", &buf),
         MX_ERR_TRANSPORT, &buf, "could not connect", "closed port");
  mx_client_free(closed_port);
}

#define THREADS 8
#define CALLS_PER_THREAD 25

struct worker {
  mx_client *client;
  int index;
  int ok;
};

static void *worker_main(void *arg) {
  struct worker *w = (struct worker *)arg;
  char guid[64];
  int i;
  snprintf(guid, sizeof guid, "c-thread-%d", w->index);
  for (i = 0; i < CALLS_PER_THREAD; i++) {
    char *buf = NULL;
    const char *body = (i % 2) ? "{\"status\": \"ENABLED\"}" : "{\"status\": \"DISABLED\"}";
    mx_status status = mx_client_update_user(w->client, api_key, client_guid, guid, body, &buf);
    if (status == MX_OK && buf && strstr(buf, guid) != NULL) w->ok++;
    mx_string_free(buf);
  }
  return NULL;
}

static void test_threads(mx_client *client) {
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  int i, total = 0;
  char guid[64];
  for (i = 0; i < THREADS; i++) {
    snprintf(guid, sizeof guid, "c-thread-%d", i);
    create_user(guid);
  }
  for (i = 0; i < THREADS; i++) {
    workers[i].client = client;
    workers[i].index = i;
    workers[i].ok = 0;
    CHECK(pthread_create(&threads[i], NULL, worker_main, &workers[i]) == 0, "thread start");
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    total += workers[i].ok;
  }
  CHECK(total == THREADS * CALLS_PER_THREAD, "%d of %d threaded calls succeeded", total,
        THREADS * CALLS_PER_THREAD);
}

int main(void) {
  char options[1024];
  const char *url = getenv("MX_SSO_BASE_URL");
  mx_client *client;

  api_key = getenv("MX_SSO_API_KEY");
  client_guid = getenv("MX_SSO_CLIENT_GUID");
  if (url == NULL || api_key == NULL || client_guid == NULL) {
    fprintf(stderr, "run under scripts/with-emulator (MX_SSO_BASE_URL etc. are not set)\n");
    return 2;
  }
  snprintf(base_url, sizeof base_url, "%s", url);

  test_version();
  test_status_str();
  test_free_null();
  test_client_new();

  /* Generous: under valgrind the threads of test_threads run one at a time. */
  options_for(options, sizeof options, "\"timeout_ms\": 30000");
  client = mx_client_new(options, NULL);
  if (client == NULL) {
    fprintf(stderr, "cannot create a client for %s\n", base_url);
    return 1;
  }
  test_null_and_utf8_arguments(client);
  test_validation(client);
  test_success(client);
  test_server_failures(client);
  test_threads(client);
  mx_client_free(client);

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
