// A C++ program that uses an installed mx-sso through CMake's find_package(mx_sso):
// tests/install/cmake/CMakeLists.txt builds it against mx_sso::mx_sso (shared) and
// mx_sso::mx_sso_static.
//
//   consumer_cpp USER_GUID   disables the user on $MX_SSO_BASE_URL through an mx_client
//
// Exits 0 on success, 1 on failure, 2 on bad usage, 3 on a header/library mismatch.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <mx_sso.h>

namespace {

struct ClientFree {
  void operator()(mx_client *c) const { mx_client_free(c); }
};
struct StringFree {
  void operator()(char *s) const { mx_string_free(s); }
};
using Client = std::unique_ptr<mx_client, ClientFree>;
using String = std::unique_ptr<char, StringFree>;

std::string json_string(const char *text) {
  std::string quoted = "\"";
  for (const char *p = text; *p != '\0'; ++p) {
    if (*p == '"' || *p == '\\') quoted += '\\';
    quoted += *p;
  }
  return quoted + "\"";
}

}  // namespace

int main(int argc, char **argv) {
  const char *api_key = std::getenv("MX_SSO_API_KEY");
  const char *client_guid = std::getenv("MX_SSO_CLIENT_GUID");
  const char *base_url = std::getenv("MX_SSO_BASE_URL");
  if (argc != 2 || api_key == nullptr || client_guid == nullptr || base_url == nullptr) {
    std::fprintf(stderr, "usage: MX_SSO_BASE_URL=... MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... %s USER\n",
                 argv[0]);
    return 2;
  }
  if (mx_version_number() != MX_SSO_VERSION_NUMBER) {
    std::fprintf(stderr, "mx-sso library %s does not match header %s\n", mx_version(),
                 MX_SSO_VERSION_STRING);
    return 3;
  }
  std::fprintf(stderr, "mx-sso %s (header %s), C++ client\n", mx_version(), MX_SSO_VERSION_STRING);

  const std::string options = "{\"base_url\": " + json_string(base_url) + ", \"timeout_ms\": 10000}";
  char *raw_err = nullptr;
  Client client(mx_client_new(options.c_str(), &raw_err));
  String err(raw_err);
  if (!client) {
    std::fprintf(stderr, "mx_client_new: %s\n", err ? err.get() : "(no detail)");
    return 1;
  }

  char *raw_out = nullptr;
  const mx_status status = mx_client_update_user(client.get(), api_key, client_guid, argv[1],
                                                 "{\"status\": \"DISABLED\"}", &raw_out);
  String out(raw_out);
  if (status != MX_OK) {
    std::fprintf(stderr, "%s: %s\n", mx_status_str(static_cast<int>(status)), out.get());
    return 1;
  }
  std::printf("%s\n", out.get());
  return 0;
}
