// A profile's credential_process: a command that prints temporary credentials as JSON (AWS's
// "sourcing credentials with an external process"), run the way the AWS CLI runs it.
#pragma once

#include <string>

namespace hub::aws {

// What `command`, run by /bin/sh, prints on its standard output (its standard error goes to
// ours, as the AWS CLI lets it). StorageError naming `where`, never the output (it holds
// secrets), if it cannot start, exits other than 0, prints more than 64 KiB, or runs past
// `timeout_seconds` (then it is killed).
std::string RunCredentialProcess(const std::string& command, const std::string& where,
                                 double timeout_seconds = 60);

}  // namespace hub::aws
