# Sources of the parallel module (communicators; MPI when built with it), added to eisnn_lib.
set(EISNN_PARALLEL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/communicator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mpi.cpp
)
if(EISNN_WITH_MPI)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/mpi.cpp PROPERTIES
                              COMPILE_DEFINITIONS EISNN_WITH_MPI=1)
  # eisnn_lib is defined after this file is included: link once it exists.
  cmake_language(DEFER CALL target_link_libraries eisnn_lib PRIVATE MPI::MPI_CXX)
else()
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/mpi.cpp PROPERTIES
                              COMPILE_DEFINITIONS EISNN_WITH_MPI=0)
endif()
