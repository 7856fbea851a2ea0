// hub::ParseStoreUrl, hub::OpenStore and AWS credentials files from C++.
#include "hub/store_url.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hub/array.h"
#include "hub/errors.h"

namespace hub {
namespace {

class TempFolder {
 public:
  TempFolder() {
    path_ = std::filesystem::temp_directory_path() /
            ("hub_store_url_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return (path_ / name).string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(StoreUrl, SchemesBucketsAndPrefixes) {
  const auto s3 = ParseStoreUrl("s3://my-bucket/some/prefix/");
  EXPECT_EQ(s3.scheme, "s3");
  EXPECT_EQ(s3.bucket, "my-bucket");
  EXPECT_EQ(s3.prefix, "some/prefix");
  const auto gs = ParseStoreUrl("gs://data-bucket");
  EXPECT_EQ(gs.scheme, "gs");
  EXPECT_EQ(gs.prefix, "");
  EXPECT_EQ(ParseStoreUrl("gcs://data-bucket/x").scheme, "gs");
  EXPECT_EQ(ParseStoreUrl("file:///tmp/data").path, "/tmp/data");
  EXPECT_EQ(ParseStoreUrl("./data/cache").path, "./data/cache");
  EXPECT_EQ(ParseStoreUrl("memory://").scheme, "memory");
  EXPECT_THROW(ParseStoreUrl("ftp://host/x"), InvalidArgumentError);
  EXPECT_THROW(ParseStoreUrl("s3://Bad_Bucket/x"), InvalidArgumentError);
  EXPECT_THROW(ParseStoreUrl("s3://my-bucket/a/../b"), InvalidArgumentError);
  EXPECT_THROW(ParseStoreUrl("gs://../x"), InvalidArgumentError);
}

TEST(StoreUrl, LocalAndMemoryStoresOpen) {
  TempFolder folder;
  auto local = OpenStore("file://" + folder.path() + "/hub");
  Array::Create(local, "a", {{4}, {}, DataType::kUint8, "default", 0.5});
  EXPECT_TRUE(std::filesystem::exists(folder.path() + "/hub/a/zarr.json"));
  EXPECT_EQ(OpenStore(folder.path() + "/hub")->List("a"), local->List("a"));
  auto memory = OpenStore("memory://");
  EXPECT_TRUE(memory->List("").empty());
  EXPECT_THROW(OpenStore(""), InvalidArgumentError);
}

TEST(StoreUrl, CloudSchemesNeedTheCloudLibrary) {
  // hub_core_tests does not link hub_v1::cloud: the error says what to link.
  try {
    OpenStore("s3://my-bucket/x",
              {.aws_access_key_id = "AKIAEXAMPLE", .aws_secret_access_key = "SECRETVALUE"});
    FAIL() << "opened S3 without hub_v1::cloud";
  } catch (const UnsupportedError& error) {
    EXPECT_NE(std::string(error.what()).find("hub_v1::cloud"), std::string::npos);
    EXPECT_EQ(std::string(error.what()).find("SECRETVALUE"), std::string::npos);
  }
}

// A program's own scheme: parsed as scheme://bucket/prefix and opened by its opener.
std::shared_ptr<Store> OpenScratch(const StoreLocation& location, const StoreOptions&) {
  if (location.bucket != "pool") throw NotFoundError("no scratch pool '" + location.bucket + "'");
  static const auto pool = MakeMemoryStore();
  return pool;
}

TEST(StoreUrl, ProgramsRegisterSchemesOfTheirOwn) {
  EXPECT_THROW(OpenStore("scratch://pool/x"), InvalidArgumentError);  // not yet registered
  RegisterStoreScheme("scratch", &OpenScratch);
  const StoreLocation location = ParseStoreUrl("scratch://pool/some/folder/");
  EXPECT_EQ(location.scheme, "scratch");
  EXPECT_EQ(location.bucket, "pool");
  EXPECT_EQ(location.prefix, "some/folder");
  EXPECT_EQ(OpenStore("scratch://pool"), OpenStore("scratch://pool/other"));
  EXPECT_THROW(OpenStore("scratch://elsewhere"), NotFoundError);
  EXPECT_THROW(ParseStoreUrl("scratch://pool/a/../b"), InvalidArgumentError);
  EXPECT_THROW(RegisterStoreScheme("bad:scheme", &OpenScratch), InvalidArgumentError);
  try {
    ParseStoreUrl("ftp://host/x");
    FAIL() << "an unknown scheme parsed";
  } catch (const InvalidArgumentError& error) {
    EXPECT_NE(std::string(error.what()).find("file, memory, gs, s3, scratch"), std::string::npos)
        << error.what();
  }
}

TEST(AwsCredentials, IniProfilesJsonAndTheirErrors) {
  TempFolder folder;
  const auto ini = folder.Write(
      "credentials",
      "# AWS credentials\n[default]\naws_access_key_id = first\naws_secret_access_key = s1\n"
      "\n[other]\nAWS_ACCESS_KEY_ID: second\naws_secret_access_key=s2\nregion = eu-west-1\n");
  EXPECT_EQ(ReadAwsCredentialsFile(ini).at("aws_access_key_id"), "first");
  const auto other = ReadAwsCredentialsFile(ini, "other");
  EXPECT_EQ(other.at("aws_access_key_id"), "second");  // keys are case-insensitive
  EXPECT_EQ(other.at("region"), "eu-west-1");
  EXPECT_THROW(ReadAwsCredentialsFile(ini, "missing"), NotFoundError);
  const auto json = folder.Write(
      "creds.json", R"({"aws_access_key_id": "k", "aws_secret_access_key": "s", "bucket": "b"})");
  EXPECT_EQ(ReadAwsCredentialsFile(json).at("bucket"), "b");
  EXPECT_THROW(ReadAwsCredentialsFile(folder.path() + "/nothing"), NotFoundError);
  EXPECT_THROW(ReadAwsCredentialsFile(folder.path()), InvalidArgumentError);  // a folder

  const char* unusable[] = {
      "[default]\naws_acces_key_id = AKIAEXAMPLE\naws_secret_key = SECRETVALUE\n",
      "[default]\nregion = us-east-1\n",
      R"(["AKIAEXAMPLE", "SECRETVALUE"])",
      R"({"aws_access_key_id": {"value": "AKIAEXAMPLE"}, "aws_secret_access_key": "SECRETVALUE"})",
      R"({"aws_access_key_id": "AKIAEXAMPLE"})",
      R"({"aws_access_key_id": "", "aws_secret_access_key": "SECRETVALUE"})",
      "{}",
      "[default]\n",
      "aws_access_key_id = AKIAEXAMPLE\n",  // no profile header
      "",
  };
  for (const char* content : unusable) {
    const auto file = folder.Write("bad", content);
    try {
      ReadAwsCredentialsFile(file);
      FAIL() << "accepted: " << content;
    } catch (const InvalidArgumentError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(file), std::string::npos) << message;
      EXPECT_EQ(message.find("AKIAEXAMPLE"), std::string::npos) << message;
      EXPECT_EQ(message.find("SECRETVALUE"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace hub
