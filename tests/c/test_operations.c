/*
 * The 0.2 C functions against the emulator, under valgrind and ASan/UBSan (tests/c/Makefile):
 * every user operation through its one-shot, client and mx_client_call forms, NULL and bad
 * UTF-8 in every pointer argument, credentials from the options, events and counters, and eight
 * threads ensuring one new user. The API key must appear in no output (the Makefile greps).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "emulator_control.h"
#include "mx_sso.h"

static const char *api_key;
static const char *client_guid;
static const char *base_url;

/* Checks a result, then frees it through the library. */
static void expect(mx_status got, mx_status want, char **buf, const char *needle,
                   const char *what) {
  CHECK(got == want, "%s: status %d (%s), want %d; buf=%s", what, (int)got, mx_status_str(got),
        (int)want, *buf ? *buf : "(null)");
  CHECK(*buf != NULL, "%s: out_buf not set", what);
  if (*buf != NULL && needle != NULL)
    CHECK(strstr(*buf, needle) != NULL, "%s: %s lacks \"%s\"", what, *buf, needle);
  if (*buf != NULL) CHECK(strstr(*buf, api_key) == NULL, "%s leaks the API key", what);
  mx_string_free(*buf);
  *buf = NULL;
}

static mx_client *client_with(const char *extra) {
  char options[1024];
  char *err = NULL;
  mx_client *c;
  snprintf(options, sizeof options, "{\"base_url\": \"%s\"%s}", base_url, extra);
  c = mx_client_new(options, &err);
  CHECK(c != NULL, "client: %s", err ? err : "");
  mx_string_free(err);
  return c;
}

/* Events recorded by the handler: copies, since event_json lives for the callback only. */
struct recorder {
  pthread_mutex_t lock;
  int count;
  int leaks; /* events that held the API key */
  char last[2][2048];
};

static void record(void *user_data, const char *event_json) {
  struct recorder *r = user_data;
  pthread_mutex_lock(&r->lock);
  if (strstr(event_json, api_key) != NULL) r->leaks++;
  snprintf(r->last[r->count % 2], sizeof r->last[0], "%s", event_json);
  r->count++;
  pthread_mutex_unlock(&r->lock);
}

static void test_lifecycle(mx_client *c) {
  char *out = NULL;
  expect(mx_client_create_user(c, NULL, NULL, "{\"external_user_guid\": \"c2-life\"}", &out),
         MX_OK, &out, "\"external_user_guid\":\"c2-life\"", "create");
  expect(mx_client_read_user(c, NULL, NULL, "c2-life", &out), MX_OK, &out, "login_token",
         "read");
  expect(mx_client_call(c, "user.update", NULL, NULL, "c2-life", "{\"status\": \"DISABLED\"}",
                        "{\"timeout_ms\": 5000, \"max_retries\": 1}", &out),
         MX_OK, &out, "User update succeeded", "update by name");
  expect(mx_client_ensure_user(c, NULL, NULL, "{\"external_user_guid\": \"c2-life\"}", &out),
         MX_OK, &out, "\"created\":false", "ensure existing");
  expect(mx_client_ensure_user(c, NULL, NULL, "{\"external_user_guid\": \"c2-new\"}", &out),
         MX_OK, &out, "\"created\":true", "ensure new");
  expect(mx_client_delete_user(c, NULL, NULL, "c2-life", &out), MX_OK, &out, NULL, "delete");
  expect(mx_client_read_user(c, NULL, NULL, "c2-life", &out), MX_ERR_HTTP, &out, "not found",
         "read deleted");
  expect(mx_client_create_user(c, NULL, NULL, "{\"external_user_guid\": \"c2-new\"}", &out),
         MX_ERR_HTTP, &out, "already exists", "duplicate create");
  /* The one-shot forms run on the default client, with MX_SSO_API_KEY/MX_SSO_CLIENT_GUID. */
  expect(mx_read_user(NULL, NULL, "c2-new", &out), MX_OK, &out, "c2-new", "one-shot read");
  expect(mx_ensure_user(NULL, NULL, "{\"external_user_guid\": \"c2-one\"}", &out), MX_OK, &out,
         "\"created\":true", "one-shot ensure");
  expect(mx_create_user(api_key, client_guid, "{\"external_user_guid\": \"c2-two\"}", &out),
         MX_OK, &out, "c2-two", "one-shot create with explicit credentials");
  expect(mx_delete_user(NULL, NULL, "c2-two", &out), MX_OK, &out, NULL, "one-shot delete");
  expect(mx_client_call(NULL, "user.read", NULL, NULL, "c2-one", NULL, NULL, &out), MX_OK, &out,
         "c2-one", "mx_client_call on the default client");
}

static void test_refusals(mx_client *c, mx_client *bare) {
  char *out = NULL;
  const char *bad_utf8 = "\xc3\x28";
  long before = emulator_requests();
  expect(mx_client_call(c, "user.get", NULL, NULL, "x", NULL, NULL, &out),
         MX_ERR_INVALID_ARGUMENT, &out, "user.read", "unknown operation");
  expect(mx_client_call(c, "user.read", NULL, NULL, NULL, NULL, NULL, &out),
         MX_ERR_INVALID_ARGUMENT, &out, "takes an id", "missing id");
  expect(mx_client_call(c, "user.create", NULL, NULL, "x", "{}", NULL, &out),
         MX_ERR_INVALID_ARGUMENT, &out, "takes no id", "id where none is taken");
  expect(mx_client_call(c, "user.read", NULL, NULL, "x", "{}", NULL, &out),
         MX_ERR_INVALID_ARGUMENT, &out, "takes no body", "body for a read");
  expect(mx_client_call(c, "user.read", NULL, NULL, "x", NULL, "{\"timeout\": 1}", &out),
         MX_ERR_INVALID_ARGUMENT, &out, "unknown field `timeout`", "bad call options");
  expect(mx_client_call(c, NULL, NULL, NULL, "x", NULL, NULL, &out), MX_ERR_INVALID_ARGUMENT,
         &out, "operation is NULL", "NULL operation");
  expect(mx_client_call(c, bad_utf8, NULL, NULL, "x", NULL, NULL, &out),
         MX_ERR_INVALID_ARGUMENT, &out, "operation is not valid UTF-8", "bad UTF-8 operation");
  expect(mx_client_read_user(c, NULL, NULL, NULL, &out), MX_ERR_INVALID_ARGUMENT, &out,
         "user_guid is NULL", "NULL user_guid");
  expect(mx_client_read_user(c, bad_utf8, NULL, "x", &out), MX_ERR_INVALID_ARGUMENT, &out,
         "api_key is not valid UTF-8", "bad UTF-8 key");
  expect(mx_client_read_user(c, NULL, bad_utf8, "x", &out), MX_ERR_INVALID_ARGUMENT, &out,
         "client_guid is not valid UTF-8", "bad UTF-8 client");
  expect(mx_client_read_user(c, NULL, NULL, bad_utf8, &out), MX_ERR_INVALID_ARGUMENT, &out,
         "user_guid is not valid UTF-8", "bad UTF-8 id");
  expect(mx_client_create_user(c, NULL, NULL, NULL, &out), MX_ERR_INVALID_ARGUMENT, &out,
         "json_body is NULL", "NULL body");
  expect(mx_client_ensure_user(c, NULL, NULL, bad_utf8, &out), MX_ERR_INVALID_ARGUMENT, &out,
         "json_body is not valid UTF-8", "bad UTF-8 body");
  expect(mx_client_delete_user(NULL, NULL, NULL, "x", &out), MX_ERR_INVALID_ARGUMENT, &out,
         "client is NULL", "NULL client");
  expect(mx_client_read_user(bare, NULL, NULL, "x", &out), MX_ERR_INVALID_ARGUMENT, &out,
         "api_key option", "no credentials anywhere");
  expect(mx_client_create_user(c, NULL, NULL, "{\"external_user_guid\": \"USR-1\"}", &out),
         MX_ERR_VALIDATION, &out, "USR-", "reserved prefix");
  expect(mx_client_create_user(c, NULL, NULL, "{\"email\": \"a@b.c\"}", &out),
         MX_ERR_VALIDATION, &out, "external_user_guid", "missing external guid");
  expect(mx_client_ensure_user(c, NULL, NULL, "{\"external_user_guid\": \"e\", \"status\": \"ENABLED\"}",
                               &out),
         MX_ERR_VALIDATION, &out, "status", "status on create");
  expect(mx_client_create_member(c, NULL, NULL,
                                 "{\"user_guid\": \"USR-1\", \"credentials\": [{\"field_name\": "
                                 "\"login\", \"response\": \"C-SECRET-RESPONSE\"}]}",
                                 &out),
         MX_ERR_VALIDATION, &out, "password", "login without password");
  CHECK(mx_client_read_user(c, NULL, NULL, "x", NULL) == MX_ERR_INVALID_ARGUMENT,
        "out_buf NULL");
  CHECK(mx_read_member(NULL, NULL, "x", NULL) == MX_ERR_INVALID_ARGUMENT, "out_buf NULL");
  CHECK(emulator_requests() == before, "nothing sent for refused calls (%ld -> %ld)", before,
        emulator_requests());
}

static void test_events_and_stats(mx_client *c) {
  struct recorder r;
  char *out = NULL;
  memset(&r, 0, sizeof r);
  pthread_mutex_init(&r.lock, NULL);
  CHECK(mx_client_set_event_handler(NULL, record, &r) == MX_ERR_INVALID_ARGUMENT, "NULL client");
  CHECK(mx_client_set_event_handler(c, record, &r) == MX_OK, "handler set");
  CHECK(emulator_control("POST", "/_emulator/faults", "{\"kind\": \"status\", \"status\": 503}",
                         NULL, 0) == 200,
        "fault queued");
  expect(mx_client_read_user(c, NULL, NULL, "c2-new", &out), MX_OK, &out, NULL, "503 then 200");
  CHECK(r.count == 2, "two events, got %d", r.count);
  CHECK(strstr(r.last[0], "\"http_status\":503") && strstr(r.last[0], "\"retry_in_ms\":") &&
            !strstr(r.last[0], "\"retry_in_ms\":null"),
        "first event: %s", r.last[0]);
  CHECK(strstr(r.last[1], "\"outcome\":\"MX_OK\"") && strstr(r.last[1], "\"attempt\":2"),
        "second event: %s", r.last[1]);
  CHECK(strstr(r.last[1], "k=") == NULL && strstr(r.last[1], "\"path\":\"/user/c2-new\""),
        "path without query: %s", r.last[1]);
  expect(mx_client_update_user(c, api_key, client_guid, "u", "{\"status\": \"ACTIVE\"}", &out),
         MX_ERR_VALIDATION, &out, NULL, "refused update");
  CHECK(r.count == 3 && strstr(r.last[0], "\"attempt\":0"), "refused call event: %s",
        r.last[0]);
  expect(mx_client_read_user(c, NULL, NULL, NULL, &out), MX_ERR_INVALID_ARGUMENT, &out,
         "user_guid is NULL", "read with a NULL id");
  CHECK(r.count == 4 && strstr(r.last[1], "\"op\":\"user.read\"") &&
            strstr(r.last[1], "\"attempt\":0"),
        "a refused read names its operation: %s", r.last[1]);
  /* A NULL out_buf leaves nowhere for the error object, but is an event and is counted. */
  CHECK(mx_client_read_user(c, NULL, NULL, "c2-new", NULL) == MX_ERR_INVALID_ARGUMENT,
        "read with out_buf NULL");
  CHECK(r.count == 5 && strstr(r.last[0], "\"op\":\"user.read\"") &&
            strstr(r.last[0], "out_buf is NULL"),
        "a NULL out_buf is an event: %s", r.last[0]);
  CHECK(mx_client_set_event_handler(c, NULL, NULL) == MX_OK, "handler removed");
  expect(mx_client_read_user(c, NULL, NULL, "c2-new", &out), MX_OK, &out, NULL, "no handler");
  CHECK(r.count == 5, "no event after removal");
  CHECK(r.leaks == 0, "%d events held the API key", r.leaks);
  expect(mx_client_stats(c, &out), MX_OK, &out, "\"by_outcome\"", "stats");
  CHECK(mx_client_stats(NULL, &out) == MX_ERR_INVALID_ARGUMENT, "stats of NULL");
  mx_string_free(out);
  out = NULL;
  CHECK(mx_client_stats(c, NULL) == MX_ERR_INVALID_ARGUMENT, "stats out_buf NULL");
  pthread_mutex_destroy(&r.lock);
}

#define CREDENTIAL "C-SECRET-RESPONSE-77"

static void test_members(mx_client *c) {
  char *out = NULL;
  const char *create = "{\"external_user_guid\": \"c2-new\", \"external_member_guid\": \"M-c2\", "
                       "\"credentials\": [{\"field_name\": \"userkey\", \"response\": \"" CREDENTIAL
                       "\"}]}";
  const char *update = "{\"credentials\": [{\"field_name\": \"login\", \"response\": \"" CREDENTIAL
                       "\"}, {\"field_name\": \"password\", \"response\": \"" CREDENTIAL "\"}]}";
  CHECK(mx_client_create_member(c, NULL, NULL, create, &out) == MX_OK, "member create: %s", out);
  CHECK(out && strstr(out, "MBR-") && !strstr(out, CREDENTIAL), "member JSON: %s", out);
  mx_string_free(out);
  out = NULL;
  expect(mx_client_read_member(c, NULL, NULL, "M-c2", &out), MX_OK, &out, "M-c2", "member read");
  expect(mx_client_update_member(c, NULL, NULL, "M-c2", update, &out), MX_OK, &out, NULL,
         "member update");
  expect(mx_client_ensure_member(c, NULL, NULL, create, &out), MX_OK, &out, "\"created\":false",
         "member ensure existing");
  expect(mx_client_call(c, "member.delete", NULL, NULL, "M-c2", NULL, NULL, &out), MX_OK, &out,
         NULL, "member delete");
  expect(mx_client_read_member(c, NULL, NULL, "M-c2", &out), MX_ERR_HTTP, &out,
         "Member not found.", "member read after delete");
  expect(mx_ensure_member(NULL, NULL, create, &out), MX_OK, &out, "\"created\":true",
         "one-shot member ensure");
  expect(mx_delete_member(NULL, NULL, "M-c2", &out), MX_OK, &out, NULL, "one-shot delete");
  expect(mx_client_update_member(c, NULL, NULL, NULL, update, &out), MX_ERR_INVALID_ARGUMENT,
         &out, "member_guid is NULL", "NULL member_guid");
  {
    mx_status s = mx_client_update_member(c, NULL, NULL, "M-c2",
                                           "{\"credentials\": [{\"field_name\": \"userkey\", "
                                           "\"response\": 7}], \"x\": \"" CREDENTIAL "\"}",
                                           &out);
    CHECK(s == MX_ERR_VALIDATION && out && !strstr(out, CREDENTIAL), "bad update: %s", out);
    mx_string_free(out);
    out = NULL;
  }
}

struct race {
  mx_client *client;
  int created;
  int ok;
};

static void *ensure_race(void *arg) {
  struct race *race = arg;
  char *out = NULL;
  mx_status s = mx_client_ensure_user(race->client, NULL, NULL,
                                      "{\"external_user_guid\": \"c2-race\"}", &out);
  race->ok = s == MX_OK;
  race->created = out != NULL && strstr(out, "\"created\":true") != NULL;
  mx_string_free(out);
  return NULL;
}

static void test_ensure_race(mx_client *c) {
  pthread_t threads[8];
  struct race races[8];
  int i, created = 0, ok = 0;
  for (i = 0; i < 8; i++) {
    races[i].client = c;
    pthread_create(&threads[i], NULL, ensure_race, &races[i]);
  }
  for (i = 0; i < 8; i++) {
    pthread_join(threads[i], NULL);
    created += races[i].created;
    ok += races[i].ok;
  }
  CHECK(ok == 8 && created == 1, "8 ensures: %d ok, %d created (want 8 and 1)", ok, created);
}

int main(void) {
  mx_client *c, *bare;
  api_key = getenv("MX_SSO_API_KEY");
  client_guid = getenv("MX_SSO_CLIENT_GUID");
  base_url = getenv("MX_SSO_BASE_URL");
  if (!api_key || !client_guid || !base_url) {
    fprintf(stderr, "run under scripts/with-emulator\n");
    return 2;
  }
  {
    char extra[1024];
    snprintf(extra, sizeof extra, ", \"api_key\": \"%s\", \"client_guid\": \"%s\"", api_key,
             client_guid);
    c = client_with(extra);
  }
  bare = client_with("");
  if (c && bare) {
    test_lifecycle(c);
    test_refusals(c, bare);
    test_events_and_stats(c);
    test_members(c);
    test_ensure_race(c);
  }
  mx_client_free(c);
  mx_client_free(bare);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
