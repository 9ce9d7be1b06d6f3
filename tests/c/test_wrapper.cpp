// include/mx_sso.hpp against the emulator, under valgrind (tests/c/Makefile builds it with
// -std=c++11 and with -std=c++17, -Wall -Wextra -Werror, with wrapper_second_unit.cpp as a
// second translation unit): every operation, mx::Error for a 400 and for refusals, bad options
// from the constructor, moved-from clients and errors, NUL bytes in arguments, the error-object
// parsing, and failures that lack a known status or an error object.
// The API key must appear in no output (the Makefile greps).
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "check.h"
#include "mx_sso.hpp"
extern "C" {
#include "emulator_control.h"
}

// Defined in wrapper_second_unit.cpp, which includes mx_sso.hpp too: linking both proves the
// header is usable from several translation units.
std::string read_in_second_unit(const mx::Client &client, const std::string &id);

static_assert(std::is_base_of<std::runtime_error, mx::Error>::value, "Error is a runtime_error");
static_assert(std::is_nothrow_copy_constructible<mx::Error>::value, "copying cannot throw");
static_assert(std::is_nothrow_move_constructible<mx::Error>::value, "moving an Error cannot throw");
static_assert(std::is_nothrow_move_assignable<mx::Error>::value, "move-assigning cannot throw");
static_assert(!std::is_copy_constructible<mx::Client>::value, "Client is not copyable");
static_assert(!std::is_copy_assignable<mx::Client>::value, "Client is not copy-assignable");
static_assert(std::is_nothrow_move_constructible<mx::Client>::value, "Client moves");
static_assert(std::is_nothrow_move_assignable<mx::Client>::value, "Client move-assigns");

namespace {

std::string base_url, api_key, client_guid;

bool has(const std::string &text, const std::string &needle) {
  return text.find(needle) != std::string::npos;
}

std::string options(bool with_credentials) {
  std::string json = "{\"base_url\": \"" + base_url + "\", \"timeout_ms\": 10000";
  if (with_credentials) {
    json += ", \"api_key\": \"" + api_key + "\", \"client_guid\": \"" + client_guid + "\"";
  }
  return json + "}";
}

// Runs `call`, which must throw mx::Error with `status`, `http_status` and `needle` in what();
// the error's texts must not hold the API key.
template <typename Call>
void expect_error(Call call, mx_status status, int http_status, const char *needle,
                  const char *what) {
  try {
    call();
    CHECK(false, "%s: no exception", what);
  } catch (const mx::Error &e) {
    CHECK(e.status() == status, "%s: status %d, want %d (%s)", what, static_cast<int>(e.status()),
          static_cast<int>(status), e.what());
    CHECK(e.http_status() == http_status, "%s: http_status %d, want %d", what, e.http_status(),
          http_status);
    CHECK(has(e.what(), needle), "%s: what() \"%s\" lacks \"%s\"", what, e.what(), needle);
    CHECK(has(e.json(), "\"status\":" + std::to_string(static_cast<int>(status))),
          "%s: json() %s", what, e.json().c_str());
    CHECK(!has(e.what(), api_key) && !has(e.json(), api_key), "%s leaks the API key", what);
  } catch (...) {
    CHECK(false, "%s: an exception other than mx::Error", what);
  }
}

void test_users(const mx::Client &c) {
  std::string out = c.create_user("{\"external_user_guid\": \"cpp-life\"}");
  CHECK(has(out, "\"external_user_guid\":\"cpp-life\""), "create: %s", out.c_str());
  out = c.read_user("cpp-life");
  CHECK(has(out, "login_token"), "read: %s", out.c_str());
  out = c.update_user("cpp-life", "{\"status\": \"DISABLED\"}");
  CHECK(has(out, "User update succeeded"), "update: %s", out.c_str());
  out = read_in_second_unit(c, "cpp-life");
  CHECK(has(out, "\"name\":\"DISABLED\""), "read from the second unit: %s", out.c_str());
  out = c.ensure_user("{\"external_user_guid\": \"cpp-life\"}");
  CHECK(has(out, "\"created\":false") && has(out, "\"user\":"), "ensure existing: %s",
        out.c_str());
  out = c.ensure_user("{\"external_user_guid\": \"cpp-new\"}");
  CHECK(has(out, "\"created\":true"), "ensure new: %s", out.c_str());
  out = c.delete_user("cpp-life");
  CHECK(!out.empty() && out[0] == '{', "delete: %s", out.c_str());
  // MX answers 400 for an unknown user and for a duplicate external guid.
  expect_error([&] { c.read_user("cpp-life"); }, MX_ERR_HTTP, 400, "not found", "read deleted");
  expect_error([&] { c.create_user("{\"external_user_guid\": \"cpp-new\"}"); }, MX_ERR_HTTP, 400,
               "already exists", "duplicate create");
  const std::string stats = c.stats();
  CHECK(has(stats, "\"calls\"") && has(stats, "\"by_outcome\""), "stats: %s", stats.c_str());
}

#define CREDENTIAL "CPP-SECRET-RESPONSE-91"

void test_members(const mx::Client &c) {
  const std::string create =
      "{\"external_user_guid\": \"cpp-new\", \"external_member_guid\": \"M-cpp\", "
      "\"credentials\": [{\"field_name\": \"userkey\", \"response\": \"" CREDENTIAL "\"}]}";
  std::string out = c.create_member(create);
  CHECK(has(out, "MBR-") && !has(out, CREDENTIAL), "member create: %s", out.c_str());
  out = c.read_member("M-cpp");
  CHECK(has(out, "\"external_member_guid\":\"M-cpp\""), "member read: %s", out.c_str());
  out = c.update_member("M-cpp", "{\"credentials\": [{\"field_name\": \"userkey\", "
                                 "\"response\": \"" CREDENTIAL "\"}]}");
  CHECK(has(out, "M-cpp") && !has(out, CREDENTIAL), "member update: %s", out.c_str());
  out = c.ensure_member(create);
  CHECK(has(out, "\"created\":false") && has(out, "\"member\":"), "member ensure: %s",
        out.c_str());
  out = c.delete_member("M-cpp");
  CHECK(!out.empty() && out[0] == '{', "member delete: %s", out.c_str());
  expect_error([&] { c.read_member("M-cpp"); }, MX_ERR_HTTP, 500, "Member not found.",
               "member read after delete");
  out = c.ensure_member(create);
  CHECK(has(out, "\"created\":true"), "member ensure new: %s", out.c_str());
  expect_error(
      [&] {
        c.update_member("M-cpp", "{\"credentials\": [{\"field_name\": \"login\", \"response\": "
                                 "\"" CREDENTIAL "\"}]}");
      },
      MX_ERR_VALIDATION, -1, "password", "login without password");
}

void test_refusals(const mx::Client &c) {
  const long before = emulator_requests();
  expect_error([&] { c.update_user("cpp-new", "{\"status\": \"ACTIVE\"}"); }, MX_ERR_VALIDATION,
               -1, "status", "status ACTIVE");
  expect_error([&] { c.read_user(std::string("cpp-new\0other", 13)); }, MX_ERR_INVALID_ARGUMENT,
               -1, "id contains a NUL byte", "NUL in an id");
  expect_error([&] { c.create_user(std::string("{}\0", 3)); }, MX_ERR_INVALID_ARGUMENT, -1,
               "body contains a NUL byte", "NUL in a body");
  expect_error([&] { c.read_user(""); }, MX_ERR_VALIDATION, -1, "user_guid", "empty id");
  mx::Client bare(options(false));
  expect_error([&] { bare.read_user("cpp-new"); }, MX_ERR_INVALID_ARGUMENT, -1, "api_key",
               "no credentials in the options");
  CHECK(emulator_requests() == before, "nothing sent for refused calls (%ld -> %ld)", before,
        emulator_requests());
}

void test_bad_options() {
  // The key is in the refused options: expect_error checks that no text of the error holds it.
  expect_error(
      [] { mx::Client bad("{\"api_key\": \"" + api_key + "\", \"timeuot_ms\": 5}"); },
      MX_ERR_INVALID_ARGUMENT, -1, "timeuot_ms", "unknown option beside the API key");
  expect_error([] { mx::Client bad("not json"); }, MX_ERR_INVALID_ARGUMENT, -1, "options",
               "options that are not JSON");
  expect_error([] { mx::Client bad(std::string("{}\0", 3)); }, MX_ERR_INVALID_ARGUMENT, -1,
               "options_json contains a NUL byte", "NUL in the options");
  expect_error([] { mx::Client bad("{\"api_key\": \"\"}"); }, MX_ERR_INVALID_ARGUMENT, -1,
               "api_key", "empty api_key option");
}

void test_moves() {
  mx::Client first(options(true));
  mx::Client second(std::move(first));
  CHECK(first.handle() == nullptr && second.handle() != nullptr, "move construction");
  const long before = emulator_requests();
  expect_error([&] { first.read_user("cpp-new"); }, MX_ERR_INVALID_ARGUMENT, -1, "moved from",
               "call on a moved-from client");
  expect_error([&] { first.stats(); }, MX_ERR_INVALID_ARGUMENT, -1, "moved from",
               "stats of a moved-from client");
  CHECK(emulator_requests() == before, "a moved-from client sends nothing");
  CHECK(has(second.read_user("cpp-new"), "cpp-new"), "the moved-to client works");

  mx::Client third(options(false));
  third = std::move(second);  // frees third's own client (valgrind: no leak)
  CHECK(second.handle() == nullptr, "move assignment empties the source");
  CHECK(has(third.read_user("cpp-new"), "cpp-new"), "the assigned client works");
  first = std::move(third);  // into a moved-from client
  CHECK(has(first.read_user("cpp-new"), "cpp-new"), "a moved-from client takes a new one");
}

// An Error has no move of its own: moving copies, so the source keeps its json() and what().
void test_error_moves(const mx::Client &c) {
  try {
    c.read_user("cpp-no-such-user");
    CHECK(false, "read of an unknown user: no exception");
  } catch (mx::Error &e) {
    const std::string json = e.json();
    const mx::Error moved(std::move(e));
    CHECK(e.json() == json && moved.json() == json, "move construction keeps the source's json()");
    CHECK(std::string(e.what()) == moved.what(), "move construction keeps the source's what()");
    mx::Error assigned = mx::detail::refusal("placeholder");
    mx::Error source = moved;
    assigned = std::move(source);
    CHECK(source.json() == json && assigned.json() == json && source.status() == MX_ERR_HTTP,
          "move assignment keeps the source's json(): %s", source.json().c_str());
  }
}

// Failures that come without what the library promises still give a whole error object.
void test_malformed_failures() {
  using mx::detail::client_error;
  const char *shapes[] = {"{\"error\":{\"status\":42,\"message\":\"m\"}}",
                          "{\"error\":{\"status\":0,\"message\":\"m\"}}",
                          "{\"error\":{\"status\":-1,\"message\":\"m\"}}",
                          "{\"error\":{\"status\":8,\"message\":\"m\"}}"};
  for (const char *shape : shapes) {
    CHECK(client_error(shape).status() == MX_ERR_INTERNAL, "status outside 1-7 is internal: %s",
          shape);
  }
  CHECK(client_error("{\"error\":{\"status\":3,\"message\":\"m\"}}").status() == MX_ERR_HTTP,
        "status 3 is MX_ERR_HTTP");
  CHECK(client_error("{\"error\":{\"message\":\"m\"}}").status() == MX_ERR_INVALID_ARGUMENT,
        "no status: the options were refused");
  expect_error([] { throw client_error(""); }, MX_ERR_INTERNAL, -1, "no client and no error",
               "no client and no error object");
  expect_error(
      [] {
        const mx::detail::LibraryString none;
        mx::detail::result(MX_ERR_TIMEOUT, none);
      },
      MX_ERR_TIMEOUT, -1, "MX_ERR_TIMEOUT without an error object", "a failure without output");
  try {
    const mx::detail::LibraryString none;
    mx::detail::result(MX_ERR_TRANSPORT, none);
    CHECK(false, "a failure without output: no exception");
  } catch (const mx::Error &e) {
    CHECK(e.json() ==
              "{\"error\":{\"code\":\"MX_ERR_TRANSPORT\",\"status\":5,\"message\":\"mx-sso "
              "reported MX_ERR_TRANSPORT without an error object\",\"http_status\":null}}",
          "the error object written for a failure without output: %s", e.json().c_str());
  }
  expect_error(
      [] {
        const mx::detail::LibraryString none;
        mx::detail::result(MX_OK, none);
      },
      MX_ERR_INTERNAL, -1, "MX_OK without a result", "MX_OK without output");
}

void test_error_parsing() {
  using mx::detail::error_int_field;
  using mx::detail::error_message;
  const std::string json =
      "{\"error\":{\"attempts\":1,\"code\":\"MX_ERR_HTTP\",\"http_status\":503,"
      "\"message\":\"q\\\"\\\\ \\\"http_status\\\":7 \\u0001 caf\xc3\xa9 \\n end\","
      "\"mx_error\":\"x\",\"status\":3}}";
  CHECK(error_int_field(json, "http_status", -1) == 503, "http_status parsed");
  CHECK(error_int_field(json, "status", -1) == 3, "status parsed, not http_status");
  CHECK(error_int_field("{\"error\":{\"http_status\":null}}", "http_status", -1) == -1,
        "null http_status is -1");
  CHECK(error_int_field("{}", "http_status", -1) == -1, "absent http_status is -1");
  CHECK(error_message(json) == "q\"\\ \"http_status\":7 \x01 caf\xc3\xa9 \n end",
        "message unescaped: [%s]", error_message(json).c_str());
  CHECK(error_message("{\"error\":{\"message\":\"\\u00e9\\u20ac\"}}") == "\xc3\xa9\xe2\x82\xac",
        "\\u escapes become UTF-8");
  CHECK(error_message("not an object") == "not an object", "no message: the whole text");
}

}  // namespace

int main() {
  const char *url = std::getenv("MX_SSO_BASE_URL");
  const char *key = std::getenv("MX_SSO_API_KEY");
  const char *client = std::getenv("MX_SSO_CLIENT_GUID");
  if (url == nullptr || key == nullptr || client == nullptr) {
    std::fprintf(stderr, "run under scripts/with-emulator\n");
    return 2;
  }
  base_url = url;
  api_key = key;
  client_guid = client;
  test_error_parsing();
  test_malformed_failures();
  try {
    const mx::Client c(options(true));
    test_users(c);
    test_members(c);
    test_refusals(c);
    test_error_moves(c);
    test_bad_options();
    test_moves();
  } catch (const mx::Error &e) {
    CHECK(false, "unexpected mx::Error: %s", e.json().c_str());
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
