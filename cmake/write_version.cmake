# Writes VERSION_OUT from VERSION_TEMPLATE with the commit of SOURCE_DIR
# ("-dirty" when tracked files differ from it). Run at every build, so that
# the commit each run records is the one that was compiled, not the one the
# build folder was configured at; the file is rewritten only when it changes.
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE EISNN_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rev_parse_status ERROR_QUIET)
if(NOT rev_parse_status EQUAL 0 OR NOT EISNN_GIT_COMMIT)
  set(EISNN_GIT_COMMIT "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no
                  WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE changes ERROR_QUIET)
  if(changes)
    string(APPEND EISNN_GIT_COMMIT "-dirty")
  endif()
endif()
set(EISNN_SOURCE_DIR ${SOURCE_DIR})
configure_file(${VERSION_TEMPLATE} ${VERSION_OUT} @ONLY)
