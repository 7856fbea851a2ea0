// Google Cloud Storage access tokens for hub_v1's own requests, found the way Google's client
// libraries find them, first source that has one wins (and keeps being asked):
//   1. the service-account key given to the store (its JSON);
//   2. the file GOOGLE_APPLICATION_CREDENTIALS names: a service-account key or gcloud's
//      authorized user (a refresh token);
//   3. gcloud's application default credentials
//      (~/.config/gcloud/application_default_credentials.json, or under CLOUDSDK_CONFIG);
//   4. the metadata server of a Google Cloud machine (GCE_METADATA_HOST, else
//      metadata.google.internal).
// A service-account key signs an RS256 JWT with its private key and exchanges it at the key's
// token_uri (OAuth 2.0 JWT bearer grant), or with `self_signed_jwt` sends a JWT it signs for
// the storage API itself (audience https://storage.googleapis.com/, an hour long) as the
// token, asking no endpoint; a refresh token is exchanged at its token_uri.
// None found: requests go unsigned (public buckets). A source that is configured
// but fails is a StorageError naming it; a key or a token never appears in a message or a log.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/credential_chain.h"

namespace hub::gcs {

using store::Clock;

struct AccessToken {
  std::string token;  // sent as "Authorization: Bearer <token>"
  std::optional<Clock::time_point> expiration;
  bool operator==(const AccessToken&) const = default;
};

using TokenSource = store::CredentialSource<AccessToken>;
using TokenChain = store::CredentialChain<AccessToken>;

// The sources in order (see the file comment); the key given alone when there is one.
std::vector<std::unique_ptr<TokenSource>> DefaultTokenSources(
    const std::string& service_account_json, bool self_signed_jwt = false);

// base64url(header).base64url(claims).base64url(RS256 signature) with `private_key_pem`;
// StorageError for a key OpenSSL cannot read (never showing it).
std::string SignedJwt(const std::string& header_json, const std::string& claims_json,
                      const std::string& private_key_pem);

}  // namespace hub::gcs
