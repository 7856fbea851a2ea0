// AWS credentials for signing S3 requests, found the way AWS's SDKs find them: one chain per
// store, asked before every signed request, which fetches temporary credentials again before
// they expire (and at once when S3 answers that a token expired).
//
// The chain, first source that has credentials wins (and keeps being asked):
//   1. keys given to the store;
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN);
//   3. a web identity (EKS's IRSA): AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, exchanged by
//      STS AssumeRoleWithWebIdentity at AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or STS's
//      regional endpoint;
//   4. profile AWS_PROFILE (or "default") of the shared credentials file
//      (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), then of the config file
//      (AWS_CONFIG_FILE or ~/.aws/config): its keys, or what its credential_process prints
//      (a profile that takes SSO or assumes a role is an error: not supported yet);
//   5. an ECS task's container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (at
//      169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE);
//   6. an EC2 instance role by IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT (169.254.169.254),
//      unless AWS_EC2_METADATA_DISABLED is "true".
// None found: requests go unsigned (public buckets). A source that is configured
// but fails (STS refuses the token, a token file is missing) is a StorageError naming it;
// secrets never appear in a message or a log.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/credential_chain.h"

namespace hub::aws {

using store::Clock;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;                    // temporary credentials only
  std::optional<Clock::time_point> expiration;  // temporary credentials only
  bool operator==(const Credentials&) const = default;
};

using CredentialSource = store::CredentialSource<Credentials>;
using CredentialChain = store::CredentialChain<Credentials>;

// The sources in order (see the file comment); `explicit_credentials` alone when given.
std::vector<std::unique_ptr<CredentialSource>> DefaultSources(
    std::optional<Credentials> explicit_credentials, const std::string& region);

// "2026-12-07T19:16:31Z" (or with fractional seconds, or "+00:00") as a time point; nullopt
// for anything else.
std::optional<Clock::time_point> ParseIso8601(const std::string& text);

}  // namespace hub::aws
