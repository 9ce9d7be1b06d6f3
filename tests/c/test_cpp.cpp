// The header from C++: it must compile as C++ (extern "C", no C-only constructs) and link.
// Calls the library through a small RAII wrapper, as a C++ codebase would.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "mx_sso.h"

namespace {

struct StringDeleter {
  void operator()(char *s) const { mx_string_free(s); }
};
using MxString = std::unique_ptr<char, StringDeleter>;

struct ClientDeleter {
  void operator()(mx_client *c) const { mx_client_free(c); }
};
using MxClient = std::unique_ptr<mx_client, ClientDeleter>;

int passes = 0;
int failures = 0;

void check(bool ok, const std::string &what) {
  if (ok) {
    ++passes;
  } else {
    std::cerr << "FAIL " << what << "\n";
    ++failures;
  }
}

}  // namespace

int main() {
  const char *base_url = std::getenv("MX_SSO_BASE_URL");
  const char *api_key = std::getenv("MX_SSO_API_KEY");
  const char *client_guid = std::getenv("MX_SSO_CLIENT_GUID");
  if (!base_url || !api_key || !client_guid) {
    std::cerr << "run under scripts/with-emulator\n";
    return 2;
  }
  check(mx_version_number() == MX_SSO_VERSION_NUMBER, "header and library versions agree");

  std::string options = std::string("{\"base_url\": \"") + base_url + "\"}";
  char *err_raw = nullptr;
  MxClient client(mx_client_new(options.c_str(), &err_raw));
  MxString err(err_raw);
  check(client != nullptr, "client created");

  char *buf_raw = nullptr;
  mx_status status = mx_client_update_user(client.get(), api_key, client_guid, "cpp-no-such-user",
                                           "{\"status\": \"DISABLED\"}", &buf_raw);
  MxString buf(buf_raw);
  check(status == MX_ERR_HTTP, std::string("unknown user is MX_ERR_HTTP: ") + mx_status_str(status));
  check(buf && std::strstr(buf.get(), "not found") != nullptr, "MX's error text is returned");

  char *bad_raw = nullptr;
  status = mx_client_update_user(client.get(), api_key, client_guid, "u", "{\"status\": 1}",
                                 &bad_raw);
  MxString bad(bad_raw);
  check(status == MX_ERR_VALIDATION, "a non-string status is a validation error");

  std::cout << passes << " passed, " << failures << " failed\n";
  return failures == 0 ? 0 : 1;
}
