// Version, commit and source location, fixed when the build is configured.
#pragma once

namespace eisnn {

const char* version();
const char* git_commit();
// The repository the build came from: where bundled data (data/) is looked up by default.
const char* source_dir();

}  // namespace eisnn
