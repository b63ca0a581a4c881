// Version, commit ("-dirty" if tracked files had changes) and source
// location of the build, recorded when the library is compiled.
#pragma once

namespace eisnn {

const char* version();
const char* git_commit();
// The repository the build came from: where bundled data (data/) is looked up by default.
const char* source_dir();

}  // namespace eisnn
