// A profile's credential_process: what it prints is taken, and a command that fails, hangs or
// floods is an error that never quotes its output.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hub/errors.h"
#include "store/aws/credential_process.h"

namespace hub::aws {
namespace {

TEST(AwsCredentialProcess, WhatTheCommandPrintsIsReturned) {
  EXPECT_EQ(RunCredentialProcess("printf '{\"Version\": 1}'; echo ' more'", "profile 'p'"),
            "{\"Version\": 1} more\n");
  EXPECT_EQ(RunCredentialProcess("true", "profile 'p'"), "");
}

TEST(AwsCredentialProcess, FailuresNameTheProfileButNeverTheOutput) {
  try {
    RunCredentialProcess("echo the-secret-it-printed; exit 3", "profile 'training'");
    FAIL() << "a failing command gave credentials";
  } catch (const StorageError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("profile 'training'"), std::string::npos) << message;
    EXPECT_NE(message.find("status 3"), std::string::npos) << message;
    EXPECT_EQ(message.find("the-secret-it-printed"), std::string::npos) << message;
  }
  EXPECT_THROW(RunCredentialProcess("/no/such/program", "p"), StorageError);  // sh exits 127
  EXPECT_THROW(RunCredentialProcess("head -c 100000 /dev/zero", "p"), StorageError);
}

TEST(AwsCredentialProcess, ACommandThatHangsIsStoppedAtItsTimeout) {
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(RunCredentialProcess("sleep 30", "p", 0.5), StorageError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace hub::aws
