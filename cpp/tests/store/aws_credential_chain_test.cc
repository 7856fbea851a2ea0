// hub::aws::CredentialChain: which source signs, when credentials are fetched again, and the
// ISO 8601 times that say when they expire. (The sources themselves are tested against real
// endpoints on 127.0.0.1 by tests/test_cloud_identities.py.)
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/errors.h"
#include "store/aws/credentials.h"

namespace hub::aws {
namespace {

// A source that answers with `answer()` and counts how often it was asked.
class ScriptedSource final : public CredentialSource {
 public:
  explicit ScriptedSource(std::function<std::optional<Credentials>()> answer)
      : answer_(std::move(answer)) {}
  std::string name() const override { return "scripted"; }
  std::optional<Credentials> Fetch() override {
    ++fetches;
    return answer_();
  }
  int fetches = 0;

 private:
  std::function<std::optional<Credentials>()> answer_;
};

Credentials Temporary(const std::string& key, std::chrono::seconds lifetime) {
  return {key, "secret-" + key, "token-" + key, Clock::now() + lifetime};
}

TEST(AwsCredentialChain, TheFirstSourceWithCredentialsSignsAndStaticKeysAreFetchedOnce) {
  auto none = std::make_unique<ScriptedSource>([] { return std::nullopt; });
  auto keys = std::make_unique<ScriptedSource>([] {
    return Credentials{"AKIA1", "secret", "", std::nullopt};
  });
  auto later = std::make_unique<ScriptedSource>([] {
    return Credentials{"AKIA2", "secret", "", std::nullopt};
  });
  ScriptedSource* none_seen = none.get();
  ScriptedSource* keys_seen = keys.get();
  ScriptedSource* later_seen = later.get();
  std::vector<std::unique_ptr<CredentialSource>> sources;
  sources.push_back(std::move(none));
  sources.push_back(std::move(keys));
  sources.push_back(std::move(later));
  CredentialChain chain(std::move(sources));
  for (int k = 0; k < 3; ++k) EXPECT_EQ(chain.Get()->access_key_id, "AKIA1");
  EXPECT_EQ(none_seen->fetches, 1);
  EXPECT_EQ(keys_seen->fetches, 1);  // no expiry: cached for good
  EXPECT_EQ(later_seen->fetches, 0);
  EXPECT_EQ(chain.source_name(), "scripted");
}

TEST(AwsCredentialChain, TemporaryCredentialsAreFetchedAgainShortlyBeforeTheyExpire) {
  int issued = 0;
  std::chrono::seconds lifetime{3600};
  auto source = std::make_unique<ScriptedSource>(
      [&] { return Temporary("ASIA" + std::to_string(issued++), lifetime); });
  ScriptedSource* seen = source.get();
  std::vector<std::unique_ptr<CredentialSource>> sources;
  sources.push_back(std::move(source));
  CredentialChain chain(std::move(sources));
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA0");
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA0");  // an hour left: kept
  EXPECT_EQ(seen->fetches, 1);
  chain.Invalidate(Temporary("ASIA-other", lifetime));  // not the cached ones: kept
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA0");
  chain.Invalidate(*chain.Get());  // S3 said these expired
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA1");
  lifetime = std::chrono::seconds(240);  // less than kRefreshBefore
  chain.Invalidate(*chain.Get());
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA2");
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA3");  // each Get refreshes them
}

TEST(AwsCredentialChain, ASourceFailingARefreshLeavesCredentialsNotYetExpiredInUse) {
  bool failing = false;
  std::chrono::seconds lifetime{120};
  auto source = std::make_unique<ScriptedSource>([&]() -> std::optional<Credentials> {
    if (failing) throw StorageError("the metadata service is down");
    return Temporary("ASIA", lifetime);
  });
  std::vector<std::unique_ptr<CredentialSource>> sources;
  sources.push_back(std::move(source));
  CredentialChain chain(std::move(sources));
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA");
  failing = true;
  EXPECT_EQ(chain.Get()->access_key_id, "ASIA");  // two minutes left: still signs
  chain.Invalidate(*chain.Get());
  EXPECT_THROW(chain.Get(), StorageError);  // none left to sign with
}

TEST(AwsCredentialChain, NoSourceWithCredentialsGivesNoneAndIsAskedOnce) {
  auto none = std::make_unique<ScriptedSource>([] { return std::nullopt; });
  ScriptedSource* seen = none.get();
  std::vector<std::unique_ptr<CredentialSource>> sources;
  sources.push_back(std::move(none));
  CredentialChain chain(std::move(sources));
  EXPECT_FALSE(chain.Get().has_value());
  EXPECT_FALSE(chain.Get().has_value());
  EXPECT_EQ(seen->fetches, 1);
  EXPECT_EQ(chain.source_name(), "");
}

TEST(AwsCredentialChain, Iso8601TimesAsAwsWritesThem) {
  const auto second = ParseIso8601("2026-12-07T19:16:31Z");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(Clock::to_time_t(*second), 1796670991);
  EXPECT_EQ(ParseIso8601("2026-12-07T19:16:31.498925Z"), second);  // moto's STS
  EXPECT_EQ(ParseIso8601("2026-12-07T19:16:31+00:00"), second);
  EXPECT_FALSE(ParseIso8601("2026-12-07 19:16:31").has_value());
  EXPECT_FALSE(ParseIso8601("tomorrow").has_value());
}

}  // namespace
}  // namespace hub::aws
