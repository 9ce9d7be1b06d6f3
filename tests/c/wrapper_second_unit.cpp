// A second translation unit that includes mx_sso.hpp (linked with test_wrapper.cpp): a function
// of the header that were not inline would be defined twice and fail to link.
#include <string>

#include "mx_sso.hpp"

std::string read_in_second_unit(const mx::Client &client, const std::string &id) {
  try {
    return client.read_user(id);
  } catch (const mx::Error &e) {
    return e.json();
  }
}
