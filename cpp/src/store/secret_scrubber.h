// Scrubs secrets out of text that a server or an SDK wrote, before it goes into an exception
// or a log: error answers may echo request headers (a session token, a signature).
#pragma once

#include <string>
#include <vector>

namespace hub::store {

class SecretScrubber {
 public:
  SecretScrubber() = default;
  // `secrets`: values never to show (keys, tokens); empty ones are ignored.
  explicit SecretScrubber(std::vector<std::string> secrets);

  // `text` with every known secret, and the value after every credential-bearing name
  // (Signature=, X-Amz-Security-Token, Authorization, access_token, private_key, ...),
  // replaced by "[redacted]".
  std::string operator()(std::string text) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace hub::store
