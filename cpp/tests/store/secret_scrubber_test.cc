// SecretScrubber: servers' and SDKs' error texts lose every known secret and every value
// after a credential-bearing name, and keep the rest of what they say.
#include "store/secret_scrubber.h"

#include <gtest/gtest.h>

namespace hub::store {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FwoGZXIvYXdzEXAMPLETOKEN";

TEST(SecretScrubberTest, RemovesEveryKnownSecretWhereverItStands) {
  const SecretScrubber scrub({kSecret, kToken, ""});
  const std::string text = std::string("key ") + kSecret + " and " + kSecret + kToken + ".";
  const std::string scrubbed = scrub(text);
  EXPECT_EQ(scrubbed.find(kSecret), std::string::npos) << scrubbed;
  EXPECT_EQ(scrubbed.find(kToken), std::string::npos) << scrubbed;
  EXPECT_EQ(scrubbed, "key [redacted] and [redacted][redacted].");
}

TEST(SecretScrubberTest, RedactsValuesAfterCredentialNames) {
  const SecretScrubber scrub;
  const std::string echoed =
      "<Code>InvalidRequest authorization: AWS4-HMAC-SHA256 Credential=AKID/20261206/us-east-1/"
      "s3/aws4_request, SignedHeaders=host, Signature=0123abcd; x-amz-security-token: TOKEN42"
      "</Code> {\"access_token\": \"ya29.secret\", \"private_key\": \"-----BEGIN KEY\"}";
  const std::string scrubbed = scrub(echoed);
  for (const char* gone : {"AWS4-HMAC", "AKID/", "0123abcd", "TOKEN42", "ya29", "BEGIN KEY"}) {
    EXPECT_EQ(scrubbed.find(gone), std::string::npos) << gone << " in " << scrubbed;
  }
  EXPECT_NE(scrubbed.find("InvalidRequest"), std::string::npos) << scrubbed;
}

TEST(SecretScrubberTest, KeepsProseThatOnlyMentionsCredentials) {
  const SecretScrubber scrub;
  for (const std::string prose :
       {"HTTP 403 SignatureDoesNotMatch", "HTTP 400 AuthorizationHeaderMalformed",
        "check the credentials and their permissions",
        "The request signature we calculated does not match the signature you provided"}) {
    EXPECT_EQ(scrub(prose), prose);
  }
}

}  // namespace
}  // namespace hub::store
