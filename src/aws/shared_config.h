// The shared AWS files, ~/.aws/credentials and ~/.aws/config, read as the AWS
// CLI and SDKs read them: INI sections, "key = value" lines, '#' and ';'
// comment lines, indented lines continuing the previous setting (its
// sub-settings, "dynamodb =\n  endpoint_url = URL", read as the key
// "dynamodb.endpoint_url"). In the credentials file a section "[NAME]" is
// profile NAME; in the config file "[default]" and "[profile NAME]" are
// profiles and other sections ("[sso-session x]", "[services x]") are not.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/environment.h"
#include "core/error.h"

namespace exidx::aws {

// The profile in use: AWS_PROFILE, then AWS_DEFAULT_PROFILE (the AWS CLI v1's
// name), then "default".
std::string ProfileName(const Environment& env);

// AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials; a leading "~/"
// is $HOME. nullopt when neither the variable nor HOME is set.
std::optional<std::string> CredentialsFilePath(const Environment& env);

// AWS_CONFIG_FILE, else $HOME/.aws/config; as above.
std::optional<std::string> ConfigFilePath(const Environment& env);

// A section's settings: key (lower case; "parent.child" for a sub-setting)
// to value (trimmed, as written). Values may be secrets: never log them.
using ProfileSettings = std::map<std::string, std::string, std::less<>>;

enum class SharedFileKind { kCredentials, kConfig };

// The settings of `profile` in the file at `path`, merged over all its
// sections for that profile (later lines win). nullopt when the file does not
// exist or has no section for the profile. Returns kInternal when the file
// cannot be read or has a line that is neither a section header, a setting, a
// comment nor a continuation; the message names the file and the line number
// but never quotes a line, as it may hold a secret.
Result<std::optional<ProfileSettings>> ReadProfile(const std::string& path, SharedFileKind kind,
                                                   std::string_view profile);

// The settings of the config file's section "[services NAME]" (a profile's
// `services = NAME` names it), as ReadProfile reads a profile's: e.g.
// "dynamodb.endpoint_url".
Result<std::optional<ProfileSettings>> ReadServicesSection(const std::string& path, std::string_view name);

}  // namespace exidx::aws
