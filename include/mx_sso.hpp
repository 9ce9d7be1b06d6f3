/*
 * mx_sso.hpp: a header-only C++11 wrapper over the mx-sso C ABI (mx_sso.h), written by hand.
 *
 *   #include <mx_sso.hpp>      // link with -lmx_sso (pkg-config mx_sso, CMake mx_sso::mx_sso)
 *
 *   mx::Client client(R"({"api_key": "...", "client_guid": "CLT-...", "timeout_ms": 10000})");
 *   std::string user = client.ensure_user(R"({"external_user_guid": "bank-user-1"})");
 *   client.update_user("bank-user-1", R"({"status": "DISABLED"})");
 *   try { client.read_user("no-such-user"); }
 *   catch (const mx::Error &e) { e.status(); e.http_status(); e.what(); e.json(); }
 *
 * - mx::Client owns one mx_client (RAII): movable, not copyable. It is constructed from the C
 *   options JSON (README "Client options"), credentials included; bad options throw mx::Error
 *   from the constructor. Every call passes NULL credentials, so the client's own are used.
 * - One method per operation, named as in the Python package; each takes and returns
 *   std::string: MX's JSON on success (`{"created": ..., "user"|"member": ...}` for the two
 *   ensures, `{}` for an empty delete answer). Every method goes through one private call over
 *   mx_client_call; the library does all validation, retries and redaction.
 * - Every failure throws mx::Error (a std::runtime_error): status() is the mx_status,
 *   http_status() the server's status or -1 when no answer came, what() the library's message
 *   (never a secret), json() the whole error object, as the C functions return it. Copying an
 *   Error cannot throw, and a move copies: a moved-from Error still has its json() and what().
 * - A moved-from client throws mx::Error (MX_ERR_INVALID_ARGUMENT) from every call and sends
 *   nothing: passing its NULL handle on would reach the process-wide default client instead.
 *   An argument holding a NUL byte throws the same way (C strings would cut it short).
 * - Thread safety: the calls are const and may run on any number of threads at once, as the C
 *   functions may; moving or destroying a client must not overlap any call on it.
 * - Everything here is inline: include it from as many translation units as needed.
 */
#ifndef MX_SSO_HPP
#define MX_SSO_HPP

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "mx_sso.h"

namespace mx {

/** A failed call or a refused client: what the C functions report, as an exception. */
class Error : public std::runtime_error {
 public:
  Error(mx_status status, int http_status, const std::string &message, const std::string &json)
      : std::runtime_error(message),
        status_(status),
        http_status_(http_status),
        json_(std::make_shared<const std::string>(json)) {}
  // Declared so that no move constructor or move assignment is made: a move copies, and a
  // moved-from Error keeps its json() (a moved shared_ptr would be null). Copies cannot throw.
  Error(const Error &) = default;
  Error &operator=(const Error &) = default;

  /** The mx_status of the failure (never MX_OK). */
  mx_status status() const noexcept { return status_; }
  /** The HTTP status the server answered with, or -1 when no answer came (or none was sent). */
  int http_status() const noexcept { return http_status_; }
  /** The error object: {"error": {"code": ..., "status": ..., "message": ..., ...}}. */
  const std::string &json() const noexcept { return *json_; }

 private:
  mx_status status_;
  int http_status_;
  // Shared, so that copying the exception (as throw and catch by value do) cannot throw.
  std::shared_ptr<const std::string> json_;
};

namespace detail {

/** Owns one string returned by the library; releases it with mx_string_free. */
class LibraryString {
 public:
  LibraryString() noexcept : text_(nullptr) {}
  ~LibraryString() { mx_string_free(text_); }
  LibraryString(const LibraryString &) = delete;
  LibraryString &operator=(const LibraryString &) = delete;

  char **out() noexcept { return &text_; }
  bool empty() const noexcept { return text_ == nullptr; }
  std::string str() const { return text_ == nullptr ? std::string() : std::string(text_); }

 private:
  char *text_;
};

// The error object is written by the library with serde_json: compact, one flat object inside
// {"error": ...} whose values are all scalars (src/error.rs, Error::to_json, promises it and a
// test there holds it to that), keys quoted. Inside a JSON string every '"' is escaped, so the
// text `"key":` can only be a key, never part of a value: the first match is the field.

/** The integer value of `"key":` in an error object, or `fallback` (absent, null, not a number). */
inline int error_int_field(const std::string &json, const char *key, int fallback) {
  const std::string needle = std::string("\"") + key + "\":";
  const std::size_t at = json.find(needle);
  if (at == std::string::npos) return fallback;
  const char *start = json.c_str() + at + needle.size();
  while (*start == ' ') ++start;
  char *end = nullptr;
  const long value = std::strtol(start, &end, 10);
  if (end == start || value < -1 || value > 1000000) return fallback;
  return static_cast<int>(value);
}

/** Appends the UTF-8 encoding of one code point below 0x10000 (serde_json escapes only ASCII
 * control characters as \uXXXX; it writes every other character as raw UTF-8). */
inline void append_utf8(std::string &out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

/** The text of `"message":"..."` in an error object, unescaped; the whole object when absent. */
inline std::string error_message(const std::string &json) {
  const std::string needle = "\"message\":\"";
  const std::size_t at = json.find(needle);
  if (at == std::string::npos) return json;
  std::string message;
  for (std::size_t i = at + needle.size(); i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') return message;
    if (c != '\\' || i + 1 >= json.size()) {
      message += c;
      continue;
    }
    const char escaped = json[++i];
    switch (escaped) {
      case 'n': message += '\n'; break;
      case 'r': message += '\r'; break;
      case 't': message += '\t'; break;
      case 'b': message += '\b'; break;
      case 'f': message += '\f'; break;
      case 'u':
        if (i + 4 < json.size()) {
          append_utf8(message, std::strtoul(json.substr(i + 1, 4).c_str(), nullptr, 16));
          i += 4;
        }
        break;
      default: message += escaped; break;  // \" \\ \/
    }
  }
  return json;  // unterminated: not the library's shape; show everything rather than guess
}

/** A number read as a failure status: MX_ERR_INVALID_ARGUMENT to MX_ERR_INTERNAL, as the
 * library writes them; anything else (MX_OK, a number no mx_status has) is MX_ERR_INTERNAL.
 * Checked before the cast: an mx_status holding another number is undefined behaviour. */
inline mx_status failure_status(int number) {
  return number >= MX_ERR_INVALID_ARGUMENT && number <= MX_ERR_INTERNAL
             ? static_cast<mx_status>(number)
             : MX_ERR_INTERNAL;
}

/** The C name of a failure status, as the error object's "code" holds it. */
inline const char *status_name(mx_status status) {
  switch (status) {
    case MX_ERR_INVALID_ARGUMENT: return "MX_ERR_INVALID_ARGUMENT";
    case MX_ERR_VALIDATION: return "MX_ERR_VALIDATION";
    case MX_ERR_HTTP: return "MX_ERR_HTTP";
    case MX_ERR_TIMEOUT: return "MX_ERR_TIMEOUT";
    case MX_ERR_TRANSPORT: return "MX_ERR_TRANSPORT";
    case MX_ERR_RESPONSE: return "MX_ERR_RESPONSE";
    case MX_OK:
    case MX_ERR_INTERNAL: break;
  }
  return "MX_ERR_INTERNAL";
}

/** An error raised by this wrapper itself, in the library's shape; `message` is fixed text of
 * this file (nothing to escape). */
inline Error local_error(mx_status status, const std::string &message) {
  status = failure_status(static_cast<int>(status));
  return Error(status, -1, message,
               std::string("{\"error\":{\"code\":\"") + status_name(status) + "\",\"status\":" +
                   std::to_string(static_cast<int>(status)) + ",\"message\":\"" + message +
                   "\",\"http_status\":null}}");
}

/** The exception for a failed call: the status returned, the detail from the error object.
 * No error object (a library bug) still gives one, written here. */
inline Error error_from(mx_status status, const std::string &json) {
  status = failure_status(static_cast<int>(status));
  if (json.empty()) {
    return local_error(status, std::string("mx-sso reported ") + status_name(status) +
                                   " without an error object");
  }
  return Error(status, error_int_field(json, "http_status", -1), error_message(json), json);
}

/** The exception for a refused client: the status is read from the error object itself. */
inline Error client_error(const std::string &json) {
  if (json.empty()) {
    return local_error(MX_ERR_INTERNAL, "mx_client_new gave no client and no error");
  }
  return error_from(failure_status(error_int_field(json, "status", MX_ERR_INVALID_ARGUMENT)), json);
}

/** A call refused before the library is called: nothing is sent. */
inline Error refusal(const std::string &message) {
  return local_error(MX_ERR_INVALID_ARGUMENT, message);
}

/** What a call returned: the text on MX_OK, else the exception for the failure. */
inline std::string result(mx_status status, const LibraryString &out) {
  if (status == MX_OK && !out.empty()) return out.str();
  if (status == MX_OK) throw local_error(MX_ERR_INTERNAL, "mx-sso reported MX_OK without a result");
  throw error_from(status, out.str());
}

/** A std::string handed to C must not hold a NUL byte: C would see only the part before it. */
inline const char *c_string(const std::string &value, const char *what) {
  if (value.find('\0') != std::string::npos) {
    throw refusal(std::string("mx::Client: ") + what + " contains a NUL byte");
  }
  return value.c_str();
}

}  // namespace detail

/** One mx_client: its options, credentials, connection pool and counters. */
class Client {
 public:
  /** Makes a client from the C options JSON object; throws mx::Error when it is refused. */
  explicit Client(const std::string &options_json) : client_(nullptr) {
    detail::LibraryString err;
    client_ = mx_client_new(detail::c_string(options_json, "options_json"), err.out());
    if (client_ == nullptr) throw detail::client_error(err.str());
  }

  ~Client() { mx_client_free(client_); }

  Client(Client &&other) noexcept : client_(other.client_) { other.client_ = nullptr; }
  Client &operator=(Client &&other) noexcept {
    if (this != &other) {
      mx_client_free(client_);
      client_ = other.client_;
      other.client_ = nullptr;
    }
    return *this;
  }
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;

  std::string create_user(const std::string &body) const {
    return call("user.create", nullptr, &body);
  }
  std::string read_user(const std::string &id) const { return call("user.read", &id, nullptr); }
  std::string update_user(const std::string &id, const std::string &body) const {
    return call("user.update", &id, &body);
  }
  std::string delete_user(const std::string &id) const {
    return call("user.delete", &id, nullptr);
  }
  std::string ensure_user(const std::string &body) const {
    return call("user.ensure", nullptr, &body);
  }

  std::string create_member(const std::string &body) const {
    return call("member.create", nullptr, &body);
  }
  std::string read_member(const std::string &id) const { return call("member.read", &id, nullptr); }
  std::string update_member(const std::string &id, const std::string &body) const {
    return call("member.update", &id, &body);
  }
  std::string delete_member(const std::string &id) const {
    return call("member.delete", &id, nullptr);
  }
  std::string ensure_member(const std::string &body) const {
    return call("member.ensure", nullptr, &body);
  }

  /** The client's counters as a JSON object (README "Audit and monitoring"). */
  std::string stats() const {
    detail::LibraryString out;
    const mx_status status = mx_client_stats(live(), out.out());
    return detail::result(status, out);
  }

  /** The C handle, for C functions this wrapper does not cover (mx_client_set_event_handler);
   * owned by this object, NULL once moved from. */
  mx_client *handle() const noexcept { return client_; }

 private:
  // The one request path: every operation is a call of mx_client_call with NULL credentials.
  std::string call(const char *operation, const std::string *id, const std::string *body) const {
    const char *id_text = id == nullptr ? nullptr : detail::c_string(*id, "id");
    const char *body_text = body == nullptr ? nullptr : detail::c_string(*body, "body");
    const mx_client *client = live();
    detail::LibraryString out;
    const mx_status status =
        mx_client_call(client, operation, nullptr, nullptr, id_text, body_text, nullptr, out.out());
    return detail::result(status, out);
  }

  const mx_client *live() const {
    if (client_ == nullptr) throw detail::refusal("mx::Client: this client was moved from");
    return client_;
  }

  mx_client *client_;
};

}  // namespace mx

#endif /* MX_SSO_HPP */
