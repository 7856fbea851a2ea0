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
//   4. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials),
//      profile AWS_PROFILE or "default", with keys or a credential_process;
//   5. an ECS task's container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (at
//      169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE);
//   6. an EC2 instance role by IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT (169.254.169.254),
//      unless AWS_EC2_METADATA_DISABLED is "true".
// None found: requests go unsigned (public buckets). A source that is configured but fails
// (STS refuses the token, a credential_process exits non-zero) is a StorageError naming it;
// secrets never appear in a message or a log. SSO profiles are not supported yet.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hub::aws {

using Clock = std::chrono::system_clock;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;                    // temporary credentials only
  std::optional<Clock::time_point> expiration;  // temporary credentials only
};

// One place credentials may come from.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  // What it is, for messages ("the environment", "IMDSv2 at http://...").
  virtual std::string name() const = 0;
  // Its credentials now; nullopt where it is not configured here (or, for the instance
  // metadata service, does not answer). StorageError where it is configured but fails.
  virtual std::optional<Credentials> Fetch() = 0;
};

// The sources in order (see the file comment); `explicit_credentials` first when given.
std::vector<std::unique_ptr<CredentialSource>> DefaultSources(
    std::optional<Credentials> explicit_credentials, const std::string& region);

class CredentialChain {
 public:
  explicit CredentialChain(std::vector<std::unique_ptr<CredentialSource>> sources);
  CredentialChain(const CredentialChain&) = delete;
  CredentialChain& operator=(const CredentialChain&) = delete;

  // The credentials to sign with now (nullopt: none anywhere, sign nothing), fetched again
  // where the cached ones expire within kRefreshBefore.
  std::optional<Credentials> Get();
  // Drops the cached credentials if they are still `expired` (S3 said so): the next Get
  // fetches new ones. Many reads told at once fetch once.
  void Invalidate(const Credentials& expired);
  // The source the credentials come from ("" before the first Get or where none has any).
  std::string source_name();

  static constexpr std::chrono::minutes kRefreshBefore{5};

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<CredentialSource>> sources_;
  CredentialSource* chosen_ = nullptr;  // the first source that had credentials
  bool searched_ = false;               // every source asked, none had any
  std::optional<Credentials> cached_;
};

// "2026-12-07T19:16:31Z" (or with fractional seconds, or "+00:00") as a time point; nullopt
// for anything else.
std::optional<Clock::time_point> ParseIso8601(const std::string& text);

}  // namespace hub::aws
