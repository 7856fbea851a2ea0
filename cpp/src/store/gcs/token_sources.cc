// The places Google access tokens come from (see credentials.h for the order and the
// variables): a service-account key (given, or in a file), gcloud's authorized user, and the
// metadata server of a Google Cloud machine.
#include <chrono>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hub/errors.h"
#include "store/environment.h"
#include "store/gcs/credentials.h"
#include "store/http/http_client.h"
#include "store/secret_scrubber.h"

namespace hub::gcs {
namespace {

using nlohmann::json;
using store::EnvironmentVariable;

constexpr const char* kScope = "https://www.googleapis.com/auth/devstorage.read_write";
constexpr const char* kGoogleTokenUri = "https://oauth2.googleapis.com/token";
// The audience of a self-signed JWT: the storage API's endpoint.
constexpr const char* kStorageAudience = "https://storage.googleapis.com/";

std::string FormEncoded(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string form;
  for (const auto& [name, value] : fields) {
    form += (form.empty() ? "" : "&") + name + "=" + http::PercentEncode(value, false);
  }
  return form;
}

// An OAuth token answer ({"access_token", "expires_in"}) as a token; StorageError naming
// `what` for a failed or malformed one, its body scrubbed of `secrets`.
AccessToken TokenFrom(const http::HttpResponse& response, const std::string& what,
                      const std::vector<std::string>& secrets) {
  const store::SecretScrubber scrub(secrets);
  if (response.status != 200) {
    throw StorageError("cannot get an access token from " + what + ": " +
                       (response.status == 0 ? response.transport_error
                                             : "HTTP " + std::to_string(response.status) + ": " +
                                                   scrub(response.BodyText().substr(0, 300))));
  }
  const json answer = json::parse(response.BodyText(), nullptr, /*allow_exceptions=*/false);
  const auto token = answer.is_object() ? answer.find("access_token") : answer.end();
  if (!answer.is_object() || token == answer.end() || !token->is_string()) {
    throw StorageError(what + " answered without an access_token");
  }
  AccessToken access{token->get<std::string>(), std::nullopt};
  if (const auto lifetime = answer.find("expires_in"); lifetime != answer.end()) {
    if (!lifetime->is_number()) throw StorageError(what + " answered a non-numeric expires_in");
    access.expiration = Clock::now() + std::chrono::seconds(lifetime->get<long long>());
  }
  return access;
}

std::string Field(const json& document, const char* name) {
  const auto found = document.find(name);
  return found != document.end() && found->is_string() ? found->get<std::string>() : "";
}

// A token that a service-account key signs for the storage API itself (a self-signed JWT):
// no token endpoint is asked, and it is good for an hour.
AccessToken SelfSignedToken(const json& header, const std::string& email, const std::string& key) {
  const auto now = static_cast<long long>(std::time(nullptr));
  const json claims = {
      {"iss", email}, {"sub", email}, {"aud", kStorageAudience}, {"iat", now}, {"exp", now + 3600}};
  return AccessToken{SignedJwt(header.dump(), claims.dump(), key),
                     Clock::now() + std::chrono::seconds(3600)};
}

// A credentials JSON: a service-account key (exchanged at its token_uri, or `self_signed`) or
// gcloud's authorized user.
AccessToken TokenForCredentialsJson(const std::string& text, const std::string& where,
                                    bool self_signed) {
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) throw StorageError(where + " is not a JSON object");
  const std::string type = Field(document, "type");
  std::string token_uri = Field(document, "token_uri");
  if (token_uri.empty()) token_uri = kGoogleTokenUri;
  http::HttpRequest request;
  request.url = token_uri;
  request.method = "POST";
  request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  if (type == "service_account") {
    const std::string email = Field(document, "client_email");
    const std::string key = Field(document, "private_key");
    if (email.empty() || key.empty()) {
      throw StorageError(where + " has no client_email or private_key");
    }
    const auto now = static_cast<long long>(std::time(nullptr));
    json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (const std::string key_id = Field(document, "private_key_id"); !key_id.empty()) {
      header["kid"] = key_id;
    }
    if (self_signed) return SelfSignedToken(header, email, key);
    const json claims = {
        {"iss", email}, {"scope", kScope}, {"aud", token_uri}, {"iat", now}, {"exp", now + 3600}};
    const std::string assertion = SignedJwt(header.dump(), claims.dump(), key);
    request.body = FormEncoded(
        {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"}, {"assertion", assertion}});
    return TokenFrom(http::SendOnce(std::move(request), 5), token_uri + " (" + where + ")",
                     {key, assertion});
  }
  if (type == "authorized_user") {
    const std::string refresh = Field(document, "refresh_token");
    const std::string secret = Field(document, "client_secret");
    request.body = FormEncoded({{"grant_type", "refresh_token"},
                                {"client_id", Field(document, "client_id")},
                                {"client_secret", secret},
                                {"refresh_token", refresh}});
    return TokenFrom(http::SendOnce(std::move(request), 5), token_uri + " (" + where + ")",
                     {refresh, secret});
  }
  throw StorageError(where + " holds credentials of type '" + type +
                     "'; hub_v1 reads service_account and authorized_user ones");
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

class GivenKey final : public TokenSource {
 public:
  GivenKey(std::string json, bool self_signed)
      : json_(std::move(json)), self_signed_(self_signed) {}
  std::string name() const override { return "the service-account key given"; }
  std::optional<AccessToken> Fetch() override {
    return TokenForCredentialsJson(json_, name(), self_signed_);
  }

 private:
  std::string json_;
  bool self_signed_;
};

// A credentials file: GOOGLE_APPLICATION_CREDENTIALS's (which must be there), or gcloud's
// application default credentials (used where it is there).
class CredentialsFile final : public TokenSource {
 public:
  explicit CredentialsFile(bool self_signed) : self_signed_(self_signed) {}
  std::string name() const override {
    const auto [path, named] = Path();
    return (named ? "GOOGLE_APPLICATION_CREDENTIALS file '" : "gcloud's credentials '") + path +
           "'";
  }
  std::optional<AccessToken> Fetch() override {
    const auto [path, named] = Path();
    if (path.empty()) return std::nullopt;
    if (!std::ifstream(path)) {
      if (!named) return std::nullopt;
      throw StorageError("cannot read " + name());
    }
    return TokenForCredentialsJson(ReadFile(path), name(), self_signed_);
  }

 private:
  bool self_signed_;
  // The file, and whether GOOGLE_APPLICATION_CREDENTIALS names it.
  static std::pair<std::string, bool> Path() {
    if (std::string named = EnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS"); !named.empty()) {
      return {named, true};
    }
    std::string config = EnvironmentVariable("CLOUDSDK_CONFIG");
    if (config.empty()) {
      const std::string home = EnvironmentVariable("HOME");
      if (home.empty()) return {"", false};
      config = home + "/.config/gcloud";
    }
    return {config + "/application_default_credentials.json", false};
  }
};

// The metadata server's token for the machine's default service account.
class MetadataServer final : public TokenSource {
 public:
  std::string name() const override { return "the metadata server at " + Host(); }
  std::optional<AccessToken> Fetch() override {
    http::HttpRequest request;
    request.url =
        "http://" + Host() + "/computeMetadata/v1/instance/service-accounts/default/token";
    request.headers.push_back("Metadata-Flavor: Google");
    request.direct = true;
    const http::HttpResponse response = http::SendOnce(std::move(request), 1);
    // Not on Google Cloud: no answer, or one from something else (a proxy, a firewall).
    if (response.status != 200 || response.Header("metadata-flavor") != "Google") {
      return std::nullopt;
    }
    return TokenFrom(response, name(), {});
  }

 private:
  static std::string Host() {
    const std::string host = EnvironmentVariable("GCE_METADATA_HOST");
    return host.empty() ? "metadata.google.internal" : host;
  }
};

}  // namespace

std::vector<std::unique_ptr<TokenSource>> DefaultTokenSources(
    const std::string& service_account_json, bool self_signed_jwt) {
  std::vector<std::unique_ptr<TokenSource>> sources;
  if (!service_account_json.empty()) {
    sources.push_back(std::make_unique<GivenKey>(service_account_json, self_signed_jwt));
    return sources;  // the identity asked for is never replaced by another
  }
  sources.push_back(std::make_unique<CredentialsFile>(self_signed_jwt));
  sources.push_back(std::make_unique<MetadataServer>());
  return sources;
}

}  // namespace hub::gcs
