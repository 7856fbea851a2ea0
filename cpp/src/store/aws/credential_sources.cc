// The places AWS credentials come from (see credentials.h for the order and the variables):
// given keys, the environment, a web identity (STS), a profile (keys or credential_process),
// an ECS container's endpoint and the EC2 instance metadata service (IMDSv2).
#include <cctype>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hub/errors.h"
#include "hub/store_url.h"
#include "store/aws/credential_process.h"
#include "store/aws/credentials.h"
#include "store/aws/s3_xml.h"
#include "store/aws_profile.h"
#include "store/environment.h"
#include "store/http/http_client.h"
#include "store/secret_scrubber.h"

namespace hub::aws {
namespace {

using store::EnvironmentVariable;

std::string ReadFile(const std::string& path, const std::string& what) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw StorageError("cannot read " + what + " '" + path + "'");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  return text.substr(first);
}

// A failed answer as a message part: its status and the start of its body, scrubbed.
std::string Why(const http::HttpResponse& response) {
  if (response.status == 0) return response.transport_error;
  std::string body = response.BodyText().substr(0, 300);
  return "HTTP " + std::to_string(response.status) + ": " + store::SecretScrubber()(body);
}

// The credentials in a JSON document (ECS's and IMDS's answers: AccessKeyId, SecretAccessKey,
// Token, Expiration; a credential_process's output names the token SessionToken);
// StorageError naming `where` for anything else.
Credentials FromJson(const std::string& text, const std::string& where,
                     const char* token_field = "Token") {
  const auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto field = [&](const char* name) -> std::string {
    if (!document.is_object()) return "";
    const auto found = document.find(name);
    return found != document.end() && found->is_string() ? found->get<std::string>() : "";
  };
  Credentials credentials{field("AccessKeyId"), field("SecretAccessKey"), field(token_field), {}};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw StorageError(where + " answered without AccessKeyId and SecretAccessKey");
  }
  if (const std::string expiration = field("Expiration"); !expiration.empty()) {
    credentials.expiration = ParseIso8601(expiration);
    if (!credentials.expiration) {
      throw StorageError(where + " answered an Expiration that is not an ISO 8601 time");
    }
  }
  return credentials;
}

// The text of the first <tag>...</tag> in `xml`, entities decoded; "" if absent.
std::string XmlText(const std::string& xml, const std::string& tag) {
  return FirstElement(xml, tag).value_or("");
}

class GivenCredentials final : public CredentialSource {
 public:
  explicit GivenCredentials(Credentials credentials) : credentials_(std::move(credentials)) {}
  std::string name() const override { return "the keys given"; }
  std::optional<Credentials> Fetch() override { return credentials_; }

 private:
  Credentials credentials_;
};

class EnvironmentCredentials final : public CredentialSource {
 public:
  std::string name() const override { return "the environment"; }
  std::optional<Credentials> Fetch() override {
    Credentials credentials{EnvironmentVariable("AWS_ACCESS_KEY_ID"),
                            EnvironmentVariable("AWS_SECRET_ACCESS_KEY"),
                            EnvironmentVariable("AWS_SESSION_TOKEN"),
                            {}};
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
      return std::nullopt;
    }
    return credentials;
  }
};

// STS AssumeRoleWithWebIdentity with the token in AWS_WEB_IDENTITY_TOKEN_FILE (read afresh
// each time: Kubernetes rotates it).
class WebIdentityCredentials final : public CredentialSource {
 public:
  explicit WebIdentityCredentials(std::string region) : region_(std::move(region)) {}
  std::string name() const override { return "STS AssumeRoleWithWebIdentity at " + Endpoint(); }

  std::optional<Credentials> Fetch() override {
    const std::string token_file = EnvironmentVariable("AWS_WEB_IDENTITY_TOKEN_FILE");
    const std::string role = EnvironmentVariable("AWS_ROLE_ARN");
    if (token_file.empty() || role.empty()) return std::nullopt;
    const std::string token = Trimmed(ReadFile(token_file, "the web identity token file"));
    std::string session = EnvironmentVariable("AWS_ROLE_SESSION_NAME");
    if (session.empty()) session = "hub_v1-" + std::to_string(std::time(nullptr));
    http::HttpRequest request;
    request.url = Endpoint() + "/?Action=AssumeRoleWithWebIdentity&Version=2011-06-15" +
                  "&RoleArn=" + http::PercentEncode(role, false) +
                  "&RoleSessionName=" + http::PercentEncode(session, false) +
                  "&WebIdentityToken=" + http::PercentEncode(token, false);
    const http::HttpResponse response = http::SendOnce(std::move(request), 5);
    const std::string body = store::SecretScrubber({token})(response.BodyText());
    if (response.status != 200) {
      throw StorageError("cannot assume role '" + role + "' with the web identity token in '" +
                         token_file + "' (" + name() + "): " +
                         (response.status == 0 ? response.transport_error
                                               : "HTTP " + std::to_string(response.status) + ": " +
                                                     XmlText(body, "Message")));
    }
    const std::string raw = response.BodyText();
    Credentials credentials{XmlText(raw, "AccessKeyId"), XmlText(raw, "SecretAccessKey"),
                            XmlText(raw, "SessionToken"), ParseIso8601(XmlText(raw, "Expiration"))};
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
      throw StorageError(name() + " answered without credentials");
    }
    return credentials;
  }

 private:
  std::string Endpoint() const {
    for (const char* variable : {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"}) {
      std::string endpoint = EnvironmentVariable(variable);
      if (!endpoint.empty())
        return endpoint.back() == '/' ? endpoint.substr(0, endpoint.size() - 1) : endpoint;
    }
    return region_.empty() ? "https://sts.amazonaws.com"
                           : "https://sts." + region_ + ".amazonaws.com";
  }

  std::string region_;
};

// Profile AWS_PROFILE (or "default") of the shared credentials file, then of the config file
// ([profile NAME] there): its keys, or what its credential_process prints. A profile that
// names an identity this chain cannot take yet (SSO, a role to assume) is an error that says
// so, rather than requests going out unsigned.
class ProfileCredentials final : public CredentialSource {
 public:
  std::string name() const override { return "profile '" + Profile() + "'"; }
  std::optional<Credentials> Fetch() override {
    const std::string profile = Profile();
    const std::string config_section = profile == "default" ? profile : "profile " + profile;
    for (const auto& [path, section] :
         {std::pair{CredentialsPath(), profile}, std::pair{ConfigPath(), config_section}}) {
      std::map<std::string, std::string> fields;
      try {
        fields = store::ReadAwsProfileFields(path, section);
      } catch (const NotFoundError&) {
        continue;  // no file, or no such profile in it
      }
      const auto field = [&](const char* key) {
        const auto found = fields.find(key);
        return found != fields.end() ? found->second : "";
      };
      const std::string where = "profile '" + profile + "' of " + path;
      if (!field("aws_access_key_id").empty() && !field("aws_secret_access_key").empty()) {
        return Credentials{field("aws_access_key_id"),
                           field("aws_secret_access_key"),
                           field("aws_session_token"),
                           {}};
      }
      if (const std::string command = field("credential_process"); !command.empty()) {
        const std::string output = RunCredentialProcess(command, where);
        const auto version = nlohmann::json::parse(output, nullptr, false);
        if (!version.is_object() || version.value("Version", 0) != 1) {
          throw StorageError("the credential_process of " + where +
                             " printed no JSON document of Version 1");
        }
        return FromJson(output, "the credential_process of " + where, "SessionToken");
      }
      for (const char* unsupported : {"sso_session", "sso_start_url", "role_arn"}) {
        if (!field(unsupported).empty()) {
          throw StorageError(
              where + " takes its identity by " +
              (std::string(unsupported) == "role_arn" ? "assuming a role" : std::string("SSO")) +
              " (" + unsupported +
              "), which hub_v1 cannot do yet; give it a credential_process "
              "(such as `aws configure export-credentials --profile " +
              profile + " --format process`) or export its keys");
        }
      }
    }
    return std::nullopt;
  }

 private:
  static std::string CredentialsPath() {
    const std::string path = EnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
    return path.empty() ? "~/.aws/credentials" : path;
  }
  static std::string ConfigPath() {
    const std::string path = EnvironmentVariable("AWS_CONFIG_FILE");
    return path.empty() ? "~/.aws/config" : path;
  }
  static std::string Profile() {
    const std::string profile = EnvironmentVariable("AWS_PROFILE");
    return profile.empty() ? "default" : profile;
  }
};

// An ECS task's (or EKS Pod Identity's) credentials endpoint.
class ContainerCredentials final : public CredentialSource {
 public:
  std::string name() const override { return "the container credentials endpoint " + Url(); }
  std::optional<Credentials> Fetch() override {
    const std::string url = Url();
    if (url.empty()) return std::nullopt;
    http::HttpRequest request;
    request.url = url;
    request.direct = true;
    std::string authorization = EnvironmentVariable("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (const std::string file = EnvironmentVariable("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        !file.empty()) {
      authorization = Trimmed(ReadFile(file, "the container authorization token file"));
    }
    if (!authorization.empty()) request.headers.push_back("Authorization: " + authorization);
    const http::HttpResponse response = http::SendOnce(std::move(request), 2);
    if (response.status != 200) {
      throw StorageError("cannot get credentials from " + name() + ": " + Why(response));
    }
    return FromJson(response.BodyText(), name());
  }

 private:
  static std::string Url() {
    if (const std::string relative = EnvironmentVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        !relative.empty()) {
      return "http://169.254.170.2" + relative;
    }
    return EnvironmentVariable("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  }
};

// An EC2 instance's role, by IMDSv2: a session token (PUT), the role's name, its credentials.
class InstanceMetadataCredentials final : public CredentialSource {
 public:
  std::string name() const override { return "IMDSv2 at " + Endpoint(); }
  std::optional<Credentials> Fetch() override {
    if (EnvironmentVariable("AWS_EC2_METADATA_DISABLED") == "true") return std::nullopt;
    const std::string base = Endpoint() + "/latest";
    http::HttpRequest token_request;
    token_request.url = base + "/api/token";
    token_request.method = "PUT";
    token_request.direct = true;
    token_request.headers.push_back("X-aws-ec2-metadata-token-ttl-seconds: 21600");
    const http::HttpResponse token = http::SendOnce(std::move(token_request), 1);
    // No session token: not on EC2, or something between here and there (a proxy, a firewall
    // that answers 403) that is not an instance metadata service.
    if (token.status != 200) return std::nullopt;
    const std::string session = token.BodyText();
    const auto get = [&](const std::string& path) {
      http::HttpRequest request;
      request.url = base + path;
      request.direct = true;
      request.headers.push_back("X-aws-ec2-metadata-token: " + session);
      return http::SendOnce(std::move(request), 1);
    };
    const http::HttpResponse roles = get("/meta-data/iam/security-credentials/");
    if (roles.status == 404) return std::nullopt;  // an instance without a role
    if (roles.status != 200) {
      throw StorageError("cannot list the instance's role at " + name() + ": " + Why(roles));
    }
    const std::string role = Trimmed(roles.BodyText().substr(0, roles.BodyText().find('\n')));
    const http::HttpResponse answer = get("/meta-data/iam/security-credentials/" + role);
    if (answer.status != 200) {
      throw StorageError("cannot get role '" + role + "' credentials from " + name() + ": " +
                         Why(answer));
    }
    return FromJson(answer.BodyText(), name());
  }

 private:
  static std::string Endpoint() {
    std::string endpoint = EnvironmentVariable("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (endpoint.empty()) return "http://169.254.169.254";
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    return endpoint;
  }
};

}  // namespace

std::vector<std::unique_ptr<CredentialSource>> DefaultSources(
    std::optional<Credentials> explicit_credentials, const std::string& region) {
  std::vector<std::unique_ptr<CredentialSource>> sources;
  if (explicit_credentials) {
    sources.push_back(std::make_unique<GivenCredentials>(std::move(*explicit_credentials)));
    return sources;  // the identity asked for is never replaced by another
  }
  sources.push_back(std::make_unique<EnvironmentCredentials>());
  sources.push_back(std::make_unique<WebIdentityCredentials>(region));
  sources.push_back(std::make_unique<ProfileCredentials>());
  sources.push_back(std::make_unique<ContainerCredentials>());
  sources.push_back(std::make_unique<InstanceMetadataCredentials>());
  return sources;
}

}  // namespace hub::aws
