# Sources of the task module (stimulus, front ends, dataset, scoring), added to eisnn_lib.
find_package(ZLIB REQUIRED)  # .npz archives are zip files
set(EISNN_TASK_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/stimulus.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cnn.cpp
  ${CMAKE_CURRENT_LIST_DIR}/npy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scoring.cpp
)
# eisnn_lib is defined after this file is included: link once it exists.
cmake_language(DEFER CALL target_link_libraries eisnn_lib PRIVATE ZLIB::ZLIB)
