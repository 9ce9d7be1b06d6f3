// A bank's provisioning workflow with the C++ wrapper (include/mx_sso.hpp), as MX's guide
// describes it: make sure the customer's MX user exists (created if missing), read its login
// material, disable it when the customer leaves online banking, and read it back.
//
//   c++ -std=c++11 provision.cpp $(pkg-config --cflags --libs mx_sso) -o provision
//   MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... ./provision bank-user-42
//
// MX_SSO_BASE_URL picks the server (default https://api2.moneydesktop.com). The credentials live
// in the client's options. Every failure is an mx::Error: its status, the HTTP status MX
// answered with (or -1) and a message that never holds the key.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mx_sso.hpp"

namespace {

// A JSON string holding `text`: '"' and '\\' escaped, control characters as \u00XX; other bytes
// (UTF-8 included) pass as they are. The values come from the command line and the environment,
// so any of them may hold a quote; a real program would use its JSON library.
std::string quoted(const std::string &text) {
  static const char hex[] = "0123456789abcdef";
  std::string json = "\"";
  for (const char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      json += '\\';
      json += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      json += "\\u00";
      json += hex[byte >> 4];
      json += hex[byte & 0xf];
    } else {
      json += c;
    }
  }
  return json + "\"";
}

bool contains(const std::string &text, const char *needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

int main(int argc, char **argv) {
  const char *api_key = std::getenv("MX_SSO_API_KEY");
  const char *client_guid = std::getenv("MX_SSO_CLIENT_GUID");
  const char *base_url = std::getenv("MX_SSO_BASE_URL");
  if (api_key == nullptr || client_guid == nullptr || argc != 2) {
    std::fprintf(stderr, "usage: MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... %s EXTERNAL_USER_GUID\n",
                 argv[0]);
    return 2;
  }
  const std::string user = argv[1];
  try {
    mx::Client client("{\"base_url\": " +
                      quoted(base_url != nullptr ? base_url : "https://api2.moneydesktop.com") +
                      ", \"api_key\": " + quoted(api_key) +
                      ", \"client_guid\": " + quoted(client_guid) + ", \"timeout_ms\": 10000}");

    const std::string ensured =
        client.ensure_user("{\"external_user_guid\": " + quoted(user) +
                           ", \"first_name\": \"Julie\"}");
    std::printf("ensure    %s\n", contains(ensured, "\"created\":true")
                                      ? "created the user"
                                      : "the user already existed");

    // The login material (login_token, master_widget_url) is a secret of the user's session:
    // hand it to the user's browser, never to a log.
    const std::string read = client.read_user(user);
    std::printf("read      master_widget_url %s\n",
                contains(read, "\"master_widget_url\"") ? "present" : "missing");

    client.update_user(user, "{\"status\": \"DISABLED\"}");
    std::printf("disable   ok\n");

    const std::string back = client.read_user(user);
    const bool disabled = contains(back, "\"name\":\"DISABLED\"");
    std::printf("read back %s\n", disabled ? "DISABLED" : "not disabled");
    return disabled ? 0 : 1;
  } catch (const mx::Error &e) {
    std::fprintf(stderr, "failed: %s (%s, HTTP %d)\n", e.what(), mx_status_str(e.status()),
                 e.http_status());
    return 1;
  }
}
