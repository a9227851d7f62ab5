// Files only their owner may read: signing keys, tokens, statutory returns.
#pragma once

#include <string>

#include "sightline/core/status.h"

namespace sightline::ctl {

// Writes `text` to `path`, replacing it atomically: a temporary file created with mode 0600 (so
// never readable by others, whatever the umask, even for a moment), synced, then renamed.
Status WritePrivateFile(const std::string& path, const std::string& text);

// The bearer token in the first line of `path` (a file, so it never shows in `ps`), trailing
// spaces and CR removed; an error naming `flag` when the file is missing or holds none.
StatusOr<std::string> ReadTokenFile(const std::string& path, const std::string& flag);

}  // namespace sightline::ctl
