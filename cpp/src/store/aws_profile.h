// The fields of one profile of an AWS credentials or config file, as written: what
// hub::ReadAwsCredentialsFile checks for keys, and what the credential chain's profile source
// reads (keys, credential_process, SSO settings).
#pragma once

#include <map>
#include <string>

namespace hub::store {

// Profile `profile` ("" for the first) of the INI or JSON file at `path` ("~" expanded), with
// [DEFAULT]'s fields under its own. NotFoundError without the file or the profile;
// InvalidArgumentError for a file that cannot be read as either. Messages name the file and
// the fields, never a value.
std::map<std::string, std::string> ReadAwsProfileFields(const std::string& path,
                                                        const std::string& profile);

}  // namespace hub::store
