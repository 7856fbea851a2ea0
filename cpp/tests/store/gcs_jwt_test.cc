// hub::gcs::SignedJwt: an RS256 JWT that OpenSSL verifies with the key's public half. (The
// whole exchange, against a token endpoint that checks it, is tests/test_cloud_identities.py.)
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <vector>

#include "hub/errors.h"
#include "store/gcs/credentials.h"

namespace hub::gcs {
namespace {

std::string Base64UrlDecoded(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string bytes;
  std::uint32_t bits = 0;
  int held = 0;
  for (const char c : text) {
    bits = (bits << 6) | static_cast<std::uint32_t>(alphabet.find(c));
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes += static_cast<char>((bits >> held) & 0xff);
    }
  }
  return bytes;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  for (const char c : text) {
    if (c == separator) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

TEST(GcsJwt, AnRs256TokenThatThePublicKeyVerifies) {
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  const std::unique_ptr<BIO, decltype(&BIO_free)> pem(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
            1);
  char* pem_data = nullptr;
  const long pem_size = BIO_get_mem_data(pem.get(), &pem_data);
  const std::string private_key(pem_data, static_cast<std::size_t>(pem_size));

  const std::string header = R"({"alg":"RS256","typ":"JWT"})";
  const std::string claims = R"({"iss":"reader@example.com","exp":1796670991})";
  const std::string jwt = SignedJwt(header, claims, private_key);
  const auto parts = Split(jwt, '.');
  ASSERT_EQ(parts.size(), 3U);
  EXPECT_EQ(Base64UrlDecoded(parts[0]), header);
  EXPECT_EQ(Base64UrlDecoded(parts[1]), claims);
  EXPECT_EQ(jwt.find_first_of("+/="), std::string::npos);  // base64url, unpadded

  const std::string signed_part = parts[0] + "." + parts[1];
  const std::string signature = Base64UrlDecoded(parts[2]);
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> verify(EVP_MD_CTX_new(),
                                                                       &EVP_MD_CTX_free);
  ASSERT_EQ(EVP_DigestVerifyInit(verify.get(), nullptr, EVP_sha256(), nullptr, key.get()), 1);
  EXPECT_EQ(
      EVP_DigestVerify(verify.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()),
      1);

  EXPECT_THROW(SignedJwt(header, claims, "-----BEGIN PRIVATE KEY-----\nnot a key\n"), StorageError);
}

}  // namespace
}  // namespace hub::gcs
