// hub::gcs::SignedJwt: an RS256 JSON Web Token, signed with OpenSSL.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "hub/errors.h"
#include "store/gcs/credentials.h"

namespace hub::gcs {
namespace {

std::string Base64Url(const unsigned char* data, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string text;
  text.reserve((size + 2) / 3 * 4);
  for (std::size_t k = 0; k < size; k += 3) {
    const std::uint32_t bits = (std::uint32_t{data[k]} << 16) |
                               (k + 1 < size ? std::uint32_t{data[k + 1]} << 8 : 0) |
                               (k + 2 < size ? std::uint32_t{data[k + 2]} : 0);
    text += kAlphabet[(bits >> 18) & 63];
    text += kAlphabet[(bits >> 12) & 63];
    if (k + 1 < size) text += kAlphabet[(bits >> 6) & 63];
    if (k + 2 < size) text += kAlphabet[bits & 63];
  }
  return text;  // unpadded, as JWTs are
}

std::string Base64Url(const std::string& text) {
  return Base64Url(reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

}  // namespace

std::string SignedJwt(const std::string& header_json, const std::string& claims_json,
                      const std::string& private_key_pem) {
  const std::string signing_input = Base64Url(header_json) + "." + Base64Url(claims_json);
  const std::unique_ptr<BIO, decltype(&BIO_free)> pem(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())), &BIO_free);
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      pem ? PEM_read_bio_PrivateKey(pem.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  if (!key) throw StorageError("the service-account key's private_key is not a PEM private key");
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
  std::size_t size = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    throw StorageError("cannot sign with the service-account key (OpenSSL refused it)");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    throw StorageError("cannot sign with the service-account key (OpenSSL refused it)");
  }
  signature.resize(size);
  return signing_input + "." + Base64Url(signature);
}

}  // namespace hub::gcs
