# Sources of the reproduce module (the whole study in one run), added to eisnn_lib.
set(EISNN_REPRODUCE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/reproduction.cpp
)
